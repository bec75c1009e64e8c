import { randomBytes } from "node:crypto";
import { createDb } from "../server/db/client.js";
import { createConnection } from "../server/connections/connections.js";
import { getVendor } from "../server/vendors/registry.js";
import { benchDatabase, benchEnv, percentile, printTable, startProcess } from "./support.js";

// Webhook ingest: a web process on its own, generic-vendor signed webhooks from this process at fixed
// offered rates (open loop: requests are sent on schedule whether or not earlier ones answered), and the
// time from send to 2xx. Each request is a new call (insert + enqueue), the expensive path.
//   npm run bench:ingest [-- seconds-per-step]

const SECONDS = Number(process.argv[2] ?? 10);
const RATES = [100, 200, 400];

async function main() {
  const database = await benchDatabase();
  const env = benchEnv(database.url);
  const encryptionKey = env.ENCRYPTION_KEY!;
  const db = createDb(database.url, 2);
  const portalId = "90000001";
  await db.portal.create({ data: { id: portalId } });
  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const connection = await createConnection(db, { portalId, vendor: "generic", secret, encryptionKey, publicBaseUrl: env.PUBLIC_BASE_URL });
  const token = new URL(connection.webhookUrl).pathname.split("/").pop();
  const web = await startProcess("web", env);
  const adapter = getVendor("generic");

  const rows: Record<string, string | number>[] = [];
  // Warm-up (JIT, connection pools), not measured.
  for (let i = 0; i < 200; i++) {
    const body = Buffer.from(JSON.stringify({ vendor: "generic", vendorCallId: `warmup-${i}`, eventType: "call.completed", stage: "analyzed", caller: {}, qualification: {} }));
    await fetch(`${web.url}/webhooks/${token}`, { method: "POST", headers: { "content-type": "application/json", ...(await adapter.sign(body, secret, Date.now())) }, body: new Uint8Array(body) }).then((r) => r.arrayBuffer());
  }
  for (const rate of RATES) {
    const total = rate * SECONDS;
    // Signing is the vendor's work, not ours: done before the clock starts.
    const requests = await Promise.all(
      Array.from({ length: total }, async (_, i) => {
        const body = Buffer.from(JSON.stringify({ vendor: "generic", vendorCallId: `bench-${rate}-${i}-${randomBytes(4).toString("hex")}`, eventType: "call.completed", stage: "analyzed", fromNumber: `+1415555${String(1000 + (i % 9000)).padStart(4, "0")}`, summary: "Benchmark call", caller: { firstName: "Bench" }, qualification: { budget: "1k" } }));
        return { body, headers: await adapter.sign(body, secret, Date.now()) };
      }),
    );
    const latencies: number[] = [];
    let errors = 0;
    const started = performance.now();
    await Promise.all(
      requests.map(async (request, i) => {
        const due = started + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const sent = performance.now();
        try {
          const response = await fetch(`${web.url}/webhooks/${token}`, { method: "POST", headers: { "content-type": "application/json", ...request.headers }, body: new Uint8Array(request.body) });
          await response.arrayBuffer();
          if (response.status >= 300) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - sent);
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    rows.push({ "offered req/s": rate, "achieved req/s": Math.round(total / elapsed), requests: total, errors, "p50 ms": percentile(latencies, 50), "p99 ms": percentile(latencies, 99), "max ms": percentile(latencies, 100) });
  }
  const rss = Math.round(await web.peakRssMb());
  rows.forEach((r) => (r["web peak RSS MB"] = rss));
  printTable(`Webhook ingest, ${SECONDS} s per step, ${process.env.HOSTNAME ?? "this machine"} (${(await import("node:os")).cpus().length} cores)`, rows);
  web.child.kill("SIGTERM");
  await db.$disconnect();
  await database.drop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
