import { randomBytes } from "node:crypto";
import pg from "pg";
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
  const adapter = getVendor("generic");
  const rows: Record<string, string | number>[] = [];

  /** One pass over the rates against a fresh web process. */
  const pass = async (commit: string) => {
    const web = await startProcess("web", env);
    // Warm-up (JIT, connection pools), not measured.
    for (let i = 0; i < 200; i++) {
      const body = Buffer.from(JSON.stringify({ vendor: "generic", vendorCallId: `warmup-${commit}-${i}`, eventType: "call.completed", stage: "analyzed", caller: {}, qualification: {} }));
      await fetch(`${web.url}/webhooks/${token}`, { method: "POST", headers: { "content-type": "application/json", ...(await adapter.sign(body, secret, Date.now())) }, body: new Uint8Array(body) }).then((r) => r.arrayBuffer());
    }
    const passRows: Record<string, string | number>[] = [];
    for (const rate of RATES) {
      const total = rate * SECONDS;
      // Signing is the vendor's work, not ours: done before the clock starts.
      const requests = await Promise.all(
        Array.from({ length: total }, async (_, i) => {
          const body = Buffer.from(JSON.stringify({ vendor: "generic", vendorCallId: `bench-${commit}-${rate}-${i}-${randomBytes(4).toString("hex")}`, eventType: "call.completed", stage: "analyzed", fromNumber: `+1415555${String(1000 + (i % 9000)).padStart(4, "0")}`, summary: "Benchmark call", caller: { firstName: "Bench" }, qualification: { budget: "1k" } }));
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
      passRows.push({ commit, "offered req/s": rate, "achieved req/s": Math.round(total / elapsed), requests: total, errors, "p50 ms": percentile(latencies, 50), "p99 ms": percentile(latencies, 99), "max ms": percentile(latencies, 100) });
    }
    const rss = Math.round(await web.peakRssMb());
    passRows.forEach((r) => (r["web peak RSS MB"] = rss));
    rows.push(...passRows);
    web.child.kill("SIGTERM");
    await new Promise((resolve) => web.child.once("exit", resolve));
  };

  // The machine's own floor: one INSERT committed at a time, at 100 per second, on the same server. A
  // webhook is answered only after its call is committed (nothing accepted is lost), so no request can
  // be faster than this; on a disk whose flushes stall, the stall is every request's tail.
  const floor = new pg.Client({ connectionString: database.url });
  await floor.connect();
  await floor.query(`CREATE TABLE bench_commit (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`);
  const commits: number[] = [];
  const floorStarted = performance.now();
  for (let i = 0; i < 100 * SECONDS; i++) {
    const wait = floorStarted + i * 10 - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const t = performance.now();
    await floor.query(`INSERT INTO bench_commit DEFAULT VALUES`);
    commits.push(performance.now() - t);
  }
  await floor.end();

  await pass("durable (production)");
  // The same requests with PostgreSQL not waiting for the disk at commit (synchronous_commit off, this
  // database only): what is left is the web process's own time. Not how production runs.
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  await admin.query(`ALTER DATABASE "${new URL(database.url).pathname.slice(1)}" SET synchronous_commit = off`);
  await admin.end();
  await pass("not waiting for the disk");

  printTable(`Webhook ingest, ${SECONDS} s per step, ${process.env.HOSTNAME ?? "this machine"} (${(await import("node:os")).cpus().length} cores)`, rows);
  printTable("This machine's commit floor: one INSERT committed at a time, 100 per second", [
    { commits: commits.length, "p50 ms": Number(percentile(commits, 50).toFixed(2)), "p99 ms": Number(percentile(commits, 99).toFixed(1)), "max ms": Number(percentile(commits, 100).toFixed(1)) },
  ]);
  await db.$disconnect();
  await database.drop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
