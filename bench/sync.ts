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
  const env = benchEnv(database.url, { HUBSPOT_API_BASE_URL: sim.url, HUBSPOT_RATE_LIMIT_PER_10S: "95", WORKER_CONCURRENCY: "20" });
  const encryptionKey = env.ENCRYPTION_KEY!;
  const { web, worker, portalId } = await startDeployment(sim, env);
  const db = createDb(database.url, 2);
  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const connection = await createConnection(db, { portalId, vendor: "generic", secret, encryptionKey, publicBaseUrl: env.PUBLIC_BASE_URL });
  const token = new URL(connection.webhookUrl).pathname.split("/").pop();
  const adapter = getVendor("generic");

  const deliver = async (caller: number, i: number) => {
    const variants = formats(caller);
    const body = Buffer.from(JSON.stringify({ vendor: "generic", vendorCallId: `bench-${i}-${randomBytes(4).toString("hex")}`, eventType: "call.completed", stage: "analyzed", fromNumber: variants[i % variants.length], summary: `Call ${i}`, caller: { firstName: `Caller${caller}` }, intent: "quote", qualification: { budget_range: "1k-5k" } }));
    const response = await fetch(`${web.url}/webhooks/${token}`, { method: "POST", headers: { "content-type": "application/json", ...(await adapter.sign(body, secret, Date.now())) }, body: new Uint8Array(body) });
    if (response.status !== 202) throw new Error(`delivery ${i}: ${response.status}`);
  };
  const drain = async () => {
    for (;;) {
      const left = await db.call.count({ where: { status: { notIn: ["synced", "fallback"] } } });
      if (left === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  const hubspotRequests = () => sim.requests.filter((r) => r.path.startsWith("/crm") || r.path.startsWith("/calling"));

  // Phase 1: every caller's first call (new callers). Phase 2: the rest, from callers already known.
  const rows: Record<string, string | number>[] = [];
  const phases: [string, number[]][] = [
    ["new callers", Array.from({ length: CALLERS }, (_, i) => i)],
    ["known callers", Array.from({ length: CALLS - CALLERS }, () => randomInt(CALLERS))],
  ];
  let index = 0;
  const startedAll = performance.now();
  for (const [phase, callers] of phases) {
    const before = hubspotRequests().length;
    const before429 = sim.requests.filter((r) => r.status === 429).length;
    const started = performance.now();
    for (let i = 0; i < callers.length; i += 50) await Promise.all(callers.slice(i, i + 50).map((c) => deliver(c, index++)));
    await drain();
    const seconds = (performance.now() - started) / 1000;
    const requests = hubspotRequests().length - before;
    rows.push({ phase, calls: callers.length, "HubSpot requests": requests, "requests/call": Number((requests / callers.length).toFixed(2)), "429s": sim.requests.filter((r) => r.status === 429).length - before429, "drain s": Number(seconds.toFixed(1)), "rate-limit minimum s": Number(((requests / LIMIT_PER_10S) * 10).toFixed(1)) });
  }
  const totalSeconds = (performance.now() - startedAll) / 1000;
  const contacts = sim.portal(portalId).contacts();
  const byPhone = new Map<string, number>();
  for (const c of contacts) {
    const key = normalisePhone(c.properties.phone, "US")?.e164 ?? c.id;
    byPhone.set(key, (byPhone.get(key) ?? 0) + 1);
  }
  const duplicates = [...byPhone.values()].reduce((sum, n) => sum + (n - 1), 0);
  printTable(`Sync of ${CALLS} calls from ${CALLERS} callers, simulator limit ${LIMIT_PER_10S} req / 10 s per portal`, rows);
  printTable("Totals", [
    {
      calls: CALLS,
      contacts: contacts.length,
      "duplicate contacts": duplicates,
      "HubSpot calls logged": sim.portal(portalId).calls().length,
      "fallback entries": await db.fallbackEntry.count(),
      "429s": sim.requests.filter((r) => r.status === 429).length,
      "429s on search": sim.requests.filter((r) => r.status === 429 && r.path.endsWith("/search")).length,
      "drain s": Number(totalSeconds.toFixed(1)),
      "web peak RSS MB": Math.round(await web.peakRssMb()),
      "worker peak RSS MB": Math.round(await worker.peakRssMb()),
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
