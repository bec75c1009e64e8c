import { randomBytes, randomInt } from "node:crypto";
import { createDb } from "../server/db/client.js";
import { createConnection } from "../server/connections/connections.js";
import { getVendor } from "../server/vendors/registry.js";
import { normalisePhone } from "../server/contacts/phone.js";
import { startHubSpotSim } from "../simulators/hubspot/index.js";
import { benchDatabase, benchEnv, printTable, startDeployment } from "./support.js";

// Sync under HubSpot's rate limit: 1,000 calls from 600 distinct callers with mixed number formats,
// against the simulator enforcing 100 requests per 10 s per portal (and 5 searches per second, with a
// 1 s search lag). Web and worker run as their own processes; this process is the vendor and HubSpot.
// Before the burst, single calls on the idle system (each must land within 2 s); during it, one call of
// a second portal (it must land within 5 s while portal A's backlog waits).
//   npm run bench:sync [-- callers calls]

const CALLERS = Number(process.argv[2] ?? 600);
const CALLS = Number(process.argv[3] ?? 1000);
const LIMIT_PER_10S = 100;

function formats(n: number): string[] {
  const d = String(n).padStart(4, "0");
  return [`+1415555${d}`, `(415) 555-${d}`, `415.555.${d}`, `1-415-555-${d}`, `4155550000`.slice(0, 6) + d, `+1 415 555 ${d} ext. 9`];
}

async function main() {
  const sim = await startHubSpotSim({ tenSecondlyLimit: LIMIT_PER_10S, searchLagMs: 1_000 });
  const database = await benchDatabase();
  const env = benchEnv(database.url, { HUBSPOT_API_BASE_URL: sim.url, HUBSPOT_RATE_LIMIT_PER_10S: "95" });
  const encryptionKey = env.ENCRYPTION_KEY!;
  const { web, worker, portalId } = await startDeployment(sim, env);
  const db = createDb(database.url, 2);
  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const webhookToken = async (portal: string) => new URL((await createConnection(db, { portalId: portal, vendor: "generic", secret, encryptionKey, publicBaseUrl: env.PUBLIC_BASE_URL })).webhookUrl).pathname.split("/").pop();
  const token = await webhookToken(portalId);
  const adapter = getVendor("generic");
  // Portal B: a second install of the app, its own connection.
  const portalB = String(randomInt(10_000_000, 99_999_999));
  const install = await fetch(`${web.url}/oauth/install`, { redirect: "manual" });
  const state = new URL(install.headers.get("location")!).searchParams.get("state")!;
  if ((await fetch(`${web.url}/oauth/callback?code=${sim.issueAuthCode(portalB)}&state=${state}`)).status !== 200) throw new Error("portal B's install failed");
  const tokenB = await webhookToken(portalB);

  const send = async (to: string | undefined, vendorCallId: string, caller: number, i: number) => {
    const variants = formats(caller);
    const body = Buffer.from(JSON.stringify({ vendor: "generic", vendorCallId, eventType: "call.completed", stage: "analyzed", fromNumber: variants[i % variants.length], summary: `Call ${i}`, caller: { firstName: `Caller${caller}` }, intent: "quote", qualification: { budget_range: "1k-5k" } }));
    const response = await fetch(`${web.url}/webhooks/${to}`, { method: "POST", headers: { "content-type": "application/json", ...(await adapter.sign(body, secret, Date.now())) }, body: new Uint8Array(body) });
    if (response.status !== 202) throw new Error(`delivery ${i}: ${response.status}`);
  };
  const deliver = (caller: number, i: number) => send(token, `bench-${i}-${randomBytes(4).toString("hex")}`, caller, i);
  /** Seconds from sending one call until its row is synced. */
  const landed = async (to: string | undefined, caller: number): Promise<number> => {
    const vendorCallId = `single-${randomBytes(6).toString("hex")}`;
    const started = performance.now();
    await send(to, vendorCallId, caller, 0);
    for (;;) {
      const row = await db.call.findFirst({ where: { vendorCallId }, select: { status: true } });
      if (row?.status === "synced") return (performance.now() - started) / 1000;
      if (performance.now() - started > 120_000) throw new Error(`call ${vendorCallId} did not land within 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  // Phase 0: single calls on the idle system (portal B, so portal A's counts stay the burst's own).
  const idle: number[] = [];
  for (let i = 0; i < 20; i++) idle.push(await landed(tokenB, 9_000 + (i % 5)));
  const drain = async () => {
    for (;;) {
      const left = await db.call.count({ where: { status: { notIn: ["synced", "fallback"] } } });
      if (left === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  const hubspotRequests = () => sim.requests.filter((r) => r.portalId === portalId && (r.path.startsWith("/crm") || r.path.startsWith("/calling")));

  // Phase 1: every caller's first call (new callers). Phase 2: the rest, from callers already known.
  const rows: Record<string, string | number>[] = [];
  const phases: [string, number[]][] = [
    ["new callers", Array.from({ length: CALLERS }, (_, i) => i)],
    ["known callers", Array.from({ length: CALLS - CALLERS }, () => randomInt(CALLERS))],
  ];
  let index = 0;
  const startedAll = performance.now();
  const workerCpuBefore = await worker.cpuMs();
  const fairness: Record<string, string | number>[] = [];
  for (const [phase, callers] of phases) {
    const before = hubspotRequests().length;
    const before429 = sim.requests.filter((r) => r.status === 429).length;
    const started = performance.now();
    let probe: Promise<void> | null = null;
    for (let i = 0; i < callers.length; i += 50) {
      await Promise.all(callers.slice(i, i + 50).map((c) => deliver(c, index++)));
      // Half of portal A's burst queued: portal B's one call.
      if (!probe && i + 50 >= callers.length / 2) {
        const waiting = await db.call.count({ where: { portalId, status: { notIn: ["synced", "fallback"] } } });
        probe = landed(tokenB, 9_100 + fairness.length).then((seconds) => void fairness.push({ phase, "portal A calls waiting": waiting, "portal B call landed s": Number(seconds.toFixed(2)) }));
      }
    }
    await drain();
    await probe;
    const seconds = (performance.now() - started) / 1000;
    const requests = hubspotRequests().length - before;
    rows.push({ phase, calls: callers.length, "HubSpot requests": requests, "requests/call": Number((requests / callers.length).toFixed(2)), "429s": sim.requests.filter((r) => r.status === 429).length - before429, "drain s": Number(seconds.toFixed(1)), "rate-limit minimum s": Number(((requests / LIMIT_PER_10S) * 10).toFixed(1)) });
  }
  const totalSeconds = (performance.now() - startedAll) / 1000;
  // The worker's CPU per call: steadier across runs than the drain, which moves with the machine's load.
  const workerCpuPerCall = (await worker.cpuMs()) - workerCpuBefore;
  const contacts = sim.portal(portalId).contacts();
  const burstRequests = hubspotRequests().length;
  const byPhone = new Map<string, number>();
  for (const c of contacts) {
    const key = normalisePhone(c.properties.phone, "US")?.e164 ?? c.id;
    byPhone.set(key, (byPhone.get(key) ?? 0) + 1);
  }
  const duplicates = [...byPhone.values()].reduce((sum, n) => sum + (n - 1), 0);
  const sortedIdle = [...idle].sort((a, b) => a - b);
  printTable("Single calls on the idle system (portal B), s from webhook to synced", [
    { calls: idle.length, "p50 s": Number(sortedIdle[Math.floor(idle.length / 2)]!.toFixed(2)), "p95 s": Number(sortedIdle[Math.ceil(idle.length * 0.95) - 1]!.toFixed(2)), "max s": Number(sortedIdle.at(-1)!.toFixed(2)) },
  ]);
  printTable(`Sync of ${CALLS} calls from ${CALLERS} callers, simulator limit ${LIMIT_PER_10S} req / 10 s per portal`, rows);
  printTable("Portal B's one call during portal A's burst", fairness);
  // Where the requests go: a per-call request shows here as a count near the number of calls.
  const byEndpoint = new Map<string, number>();
  for (const r of hubspotRequests()) {
    const endpoint = `${r.method} ${r.path.replace(/\/\d+(?=\/|$)/g, "/{id}")}`;
    byEndpoint.set(endpoint, (byEndpoint.get(endpoint) ?? 0) + 1);
  }
  printTable("Portal A's HubSpot requests by endpoint", [...byEndpoint].sort((a, b) => b[1] - a[1]).map(([endpoint, requests]) => ({ endpoint, requests })));
  printTable("Totals", [
    {
      calls: CALLS,
      contacts: contacts.length,
      "duplicate contacts": duplicates,
      "HubSpot calls logged": sim.portal(portalId).calls().length,
      "HubSpot requests": burstRequests,
      "requests/call": Number((burstRequests / CALLS).toFixed(3)),
      "fallback entries": await db.fallbackEntry.count(),
      "429s": sim.requests.filter((r) => r.status === 429).length,
      "429s on search": sim.requests.filter((r) => r.status === 429 && r.path.endsWith("/search")).length,
      "drain s": Number(totalSeconds.toFixed(1)),
      "web peak RSS MB": Math.round(await web.peakRssMb()),
      "worker peak RSS MB": Math.round(await worker.peakRssMb()),
      "worker CPU ms / call": Number((workerCpuPerCall / CALLS).toFixed(1)),
    },
  ]);
  web.child.kill("SIGTERM");
  worker.child.kill("SIGTERM");
  await db.$disconnect();
  await sim.close();
  await database.drop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
