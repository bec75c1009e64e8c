import { randomBytes, randomInt } from "node:crypto";
import { loadavg } from "node:os";
import { Redis } from "ioredis";
import { createDb, type Db } from "../server/db/client.js";
import { createConnection } from "../server/connections/connections.js";
import { getVendor } from "../server/vendors/registry.js";
import { normalisePhone } from "../server/contacts/phone.js";
import { SYNC_QUEUE } from "../server/queue/queues.js";
import { deleteMatching, globEscape } from "../server/queue/redis.js";
import { startHubSpotSim, type HubSpotSim } from "../simulators/hubspot/index.js";
import { benchDatabase, benchEnv, printTable } from "./support.js";
import { counter, installPortal, scrape, startCluster, type Cluster } from "./cluster.js";

// Past one machine: 3 web and 3 worker processes against one PostgreSQL and one Redis, two portals
// installed through OAuth, a burst of calls per portal with the webhooks spread round-robin over the
// web processes (as a load balancer would). One worker is killed (SIGKILL) a third of the way through
// the sync. The simulator enforces HubSpot's 100 requests per 10 s per portal, so the one rate limit
// per portal must be shared by every process. Correctness first (duplicates, 429s, every call in
// HubSpot exactly once, nothing lost); then how the work spread over the workers, the drain time and
// HubSpot requests per call. Calls per worker come from each worker's own /metrics (METRICS_PORT).
//   npm run bench:scale [-- calls-per-portal callers-per-portal deliveries-in-flight-per-portal]

const CALLS = Number(process.argv[2] ?? 300);
const CALLERS = Number(process.argv[3] ?? 200);
const IN_FLIGHT = Number(process.argv[4] ?? 20);
const PORTALS = 2;
const WEBS = 3;
const WORKERS = 3;
const LIMIT_PER_10S = 100;
/** The share of all calls synced when worker 1 is killed. */
const KILL_AT = 1 / 3;
const METRICS_TOKEN = `bench-${randomBytes(12).toString("hex")}`;
const DRAIN_DEADLINE_MS = 20 * 60_000;

function formats(n: number): string[] {
  const d = String(n).padStart(4, "0");
  return [`+1415555${d}`, `(415) 555-${d}`, `415.555.${d}`, `1-415-555-${d}`, `+1 415 555 ${d} ext. 9`];
}

/** Every caller once, then repeats of random callers, in a random order: one burst of new and known callers. */
function burst(): number[] {
  const callers = [...Array.from({ length: CALLERS }, (_, i) => i), ...Array.from({ length: CALLS - CALLERS }, () => randomInt(CALLERS))];
  for (let i = callers.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [callers[i], callers[j]] = [callers[j]!, callers[i]!];
  }
  return callers;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const sim = await startHubSpotSim({ tenSecondlyLimit: LIMIT_PER_10S, searchLagMs: 1_000 });
  const database = await benchDatabase();
  const env = benchEnv(database.url, { HUBSPOT_API_BASE_URL: sim.url, HUBSPOT_RATE_LIMIT_PER_10S: "95", DATABASE_POOL_SIZE: "10", METRICS_TOKEN });
  const cluster = await startCluster(sim, env, { webs: WEBS, workers: WORKERS });
  const db = createDb(database.url, 2);
  const redis = new Redis(env.REDIS_URL!);
  try {
    await run(sim, env, cluster, db, redis);
  } finally {
    cluster.stop();
    await deleteMatching(redis, `${globEscape(env.REDIS_PREFIX!)}:*`).catch(() => undefined);
    redis.disconnect();
    await db.$disconnect();
    await sim.close();
    await sleep(1_000);
    await database.drop();
  }
}

async function run(sim: HubSpotSim, env: Record<string, string>, cluster: Cluster, db: Db, redis: Redis) {
  const load = [loadavg()[0]!];
  const adapter = getVendor("generic");

  // 1. Two portals, each installed through one web process; a generic connection each.
  const portals: { portalId: string; token: string; secret: string; label: string }[] = [];
  for (let i = 0; i < PORTALS; i++) {
    const portalId = await installPortal(sim, cluster.webs[i % WEBS]!.url!);
    const secret = `whsec_${randomBytes(24).toString("base64")}`;
    const connection = await createConnection(db, { portalId, vendor: "generic", secret, encryptionKey: env.ENCRYPTION_KEY!, publicBaseUrl: env.PUBLIC_BASE_URL! });
    portals.push({ portalId, token: new URL(connection.webhookUrl).pathname.split("/").pop()!, secret, label: String.fromCharCode(65 + i) });
  }
  const before = sim.requests.length;
  const total = CALLS * PORTALS;

  // 2. Each worker's counters, read every second (the killed one keeps its last reading).
  const readings = cluster.workers.map(() => undefined as Map<string, number> | undefined);
  let scraping = true;
  const scraper = (async () => {
    while (scraping) {
      await Promise.all(cluster.workers.map(async (worker, i) => {
        if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
        readings[i] = await scrape(worker.metricsUrl, METRICS_TOKEN).catch(() => readings[i]);
      }));
      await sleep(1_000);
    }
  })();
  const settled = () => db.call.count({ where: { status: { in: ["synced", "fallback"] } } });

  // 3. The burst: every portal's calls at once, IN_FLIGHT deliveries per portal, round-robin over the webs.
  const started = performance.now();
  const perWeb = new Map<string, number>();
  const refused: string[] = [];
  let delivered = 0;
  let redelivered = 0;
  const deliverPortal = async (portal: (typeof portals)[number]) => {
    const queue = burst().map((caller, i) => ({ caller, i }));
    await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const body = Buffer.from(JSON.stringify({ vendor: "generic", vendorCallId: `scale-${portal.label}-${next.i}-${randomBytes(4).toString("hex")}`, eventType: "call.completed", stage: "analyzed", fromNumber: formats(next.caller)[next.i % 5], summary: `Call ${next.i}`, caller: { firstName: `Caller${next.caller}` }, intent: "quote" }));
        // A vendor retries a delivery that got no answer (here: a keep-alive socket the web closed as
        // it was reused, on a loaded machine); the body is the same, so ingest takes it once.
        let web = cluster.nextWeb();
        let response: Response | undefined;
        for (let attempt = 1; !response; attempt++) {
          try {
            response = await fetch(`${web}/webhooks/${portal.token}`, { method: "POST", headers: { "content-type": "application/json", ...(await adapter.sign(body, portal.secret, Date.now())) }, body: new Uint8Array(body) });
          } catch (error) {
            if (attempt === 5) throw error;
            redelivered++;
            web = cluster.nextWeb();
          }
        }
        perWeb.set(web, (perWeb.get(web) ?? 0) + 1);
        if (response.status !== 202) refused.push(`${response.status} from ${web}`);
        delivered++;
      }
    }));
  };
  const deliveries = Promise.all(portals.map(deliverPortal)).then(() => performance.now() - started);

  // 4. Worker 1 killed mid-burst: once a third of the calls are synced.
  const victim = cluster.workers[0]!;
  let killedAt: { seconds: number; settled: number } | undefined;
  for (;;) {
    const done = await settled();
    if (done >= total * KILL_AT) {
      victim.child.kill("SIGKILL");
      killedAt = { seconds: (performance.now() - started) / 1000, settled: done };
      load.push(loadavg()[0]!);
      break;
    }
    if (performance.now() - started > DRAIN_DEADLINE_MS) break;
    await sleep(200);
  }
  const deliveryMs = await deliveries;

  // 5. Drained: every call synced or in the fallback queue.
  while ((await settled()) < total && performance.now() - started < DRAIN_DEADLINE_MS) await sleep(250);
  const drainSeconds = (performance.now() - started) / 1000;
  load.push(loadavg()[0]!);
  scraping = false;
  await scraper;
  await Promise.all(cluster.workers.map(async (worker, i) => {
    if (worker.child.exitCode === null && worker.child.signalCode === null) readings[i] = await scrape(worker.metricsUrl, METRICS_TOKEN).catch(() => readings[i]);
  }));

  // 6. What HubSpot holds, per portal.
  const rows: Record<string, string | number>[] = [];
  for (const portal of portals) {
    const view = sim.portal(portal.portalId);
    const byPhone = new Map<string, number>();
    for (const contact of view.contacts()) {
      const key = normalisePhone(contact.properties.phone, "US")?.e164 ?? contact.id;
      byPhone.set(key, (byPhone.get(key) ?? 0) + 1);
    }
    const logged = new Map<string, number>();
    for (const call of view.calls()) logged.set(call.properties.hs_call_external_id ?? "", (logged.get(call.properties.hs_call_external_id ?? "") ?? 0) + 1);
    const ours = await db.call.findMany({ where: { portalId: portal.portalId }, select: { id: true } });
    const requests = sim.requests.slice(before).filter((r) => r.portalId === portal.portalId && (r.path.startsWith("/crm") || r.path.startsWith("/calling")));
    rows.push({
      portal: portal.label,
      calls: ours.length,
      contacts: view.contacts().length,
      "duplicate contacts": [...byPhone.values()].reduce((sum, n) => sum + n - 1, 0),
      "HubSpot Calls": view.calls().length,
      "logged once": ours.filter((c) => logged.get(c.id) === 1).length,
      "not logged": ours.filter((c) => !logged.has(c.id)).length,
      "logged 2+": ours.filter((c) => (logged.get(c.id) ?? 0) > 1).length,
      "429s": requests.filter((r) => r.status === 429).length,
      "429s on search": requests.filter((r) => r.status === 429 && r.path.endsWith("/search")).length,
      "HubSpot requests": requests.length,
      "requests/call": Number((requests.length / CALLS).toFixed(2)),
      "limit minimum s": Number(((requests.length / LIMIT_PER_10S) * 10).toFixed(1)),
      fallback: await db.fallbackEntry.count({ where: { call: { portalId: portal.portalId } } }),
    });
  }
  printTable(`${PORTALS} portals x ${CALLS} calls from ${CALLERS} callers, ${WEBS} web + ${WORKERS} worker processes, simulator limit ${LIMIT_PER_10S} req / 10 s per portal`, rows);

  // 7. Who did the work.
  const synced = readings.map((r) => counter(r, "aira_sync_jobs_total", 'outcome="synced"'));
  const survivors = synced.slice(1);
  const processes: Record<string, string | number>[] = [
    ...cluster.webs.map((web, i) => ({ process: `web ${i + 1}`, "webhooks taken": perWeb.get(web.url!) ?? 0, "calls synced": "", "HubSpot requests": "", "limit wait s": "", "share of synced": "", note: i < PORTALS ? `installed portal ${portals[i]!.label}` : "" })),
    ...cluster.workers.map((_, i) => ({
      process: `worker ${i + 1}`,
      "webhooks taken": "",
      "calls synced": synced[i]!,
      "HubSpot requests": counter(readings[i], "aira_hubspot_requests_total"),
      "limit wait s": Math.round(counter(readings[i], "aira_hubspot_rate_limit_wait_seconds_total")),
      "share of synced": `${Math.round((synced[i]! / Math.max(1, synced.reduce((a, b) => a + b, 0))) * 100)}%`,
      note: i === 0 && killedAt ? `SIGKILL at ${killedAt.seconds.toFixed(1)} s (${killedAt.settled} of ${total} done); last reading up to 1 s before` : "",
    })),
  ];
  printTable("Per process (workers: their own /metrics)", processes);

  const stalled = await stalledJobs(redis, `${env.REDIS_PREFIX}:${SYNC_QUEUE}:events`);
  const fallbackReasons = await db.fallbackEntry.findMany({ select: { reason: true } });
  const left = await db.call.count({ where: { status: { notIn: ["synced", "fallback"] } } });
  printTable("Totals", [
    {
      calls: total,
      "not 202": refused.length,
      "redelivered (no answer)": redelivered,
      "delivery s": Number((deliveryMs / 1000).toFixed(1)),
      "drain s": Number(drainSeconds.toFixed(1)),
      "neither synced nor fallback": left,
      fallback: fallbackReasons.length,
      "jobs taken over (stalled)": stalled,
      "synced, counted by workers": synced.reduce((a, b) => a + b, 0),
      "survivors max/min": (Math.max(...survivors) / Math.max(1, Math.min(...survivors))).toFixed(2),
      "load average (start, kill, end)": load.map((l) => l.toFixed(1)).join(" / "),
    },
  ]);
  for (const { reason } of fallbackReasons) console.log(`fallback: ${reason}`);
  for (const line of [...new Set(refused)]) console.log(`refused: ${line}`);
  if (delivered !== total) console.log(`delivered ${delivered} of ${total}`);
}

/** Jobs BullMQ found stalled (their worker stopped renewing the lock) and put back on the queue. */
async function stalledJobs(redis: Redis, stream: string): Promise<number> {
  let count = 0;
  let start = "-";
  for (;;) {
    const entries = await redis.xrange(stream, start, "+", "COUNT", 1000);
    count += entries.filter(([, fields]) => fields[0] === "event" && fields[1] === "stalled").length;
    if (entries.length < 1000) return count;
    start = `(${entries.at(-1)![0]}`;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
