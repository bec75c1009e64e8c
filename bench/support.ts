import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { randomBytes, randomInt } from "node:crypto";
import pg from "pg";

/** Percentile of a sorted-or-not list of numbers (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function printTable(title: string, rows: Record<string, string | number>[]): void {
  console.log(`\n${title}`);
  const columns = Object.keys(rows[0] ?? {});
  const cell = (v: string | number | undefined) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(1)) : (v ?? ""));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(line(columns));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const row of rows) console.log(line(columns.map((c) => cell(row[c]))));
}

/**
 * A fresh database cloned from the migrated template (scripts/test.sh creates it; on a machine where the
 * tests never ran, the services are started and the template is created and migrated here).
 */
export async function benchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = "postgresql://postgres@127.0.0.1:5432/postgres";
  const template = process.env.TEST_TEMPLATE_DATABASE ?? "aira_template";
  const name = `aira_bench_${randomBytes(4).toString("hex")}`;
  execFileSync("bash", ["scripts/services.sh", template], { stdio: "inherit" });
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    const migrated = await client.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [template]);
    if (migrated.rowCount === 0) throw new Error(`scripts/services.sh did not create ${template}`);
    // Idempotent: applies only what the template lacks (a no-op when scripts/test.sh made it).
    execFileSync("npx", ["prisma", "migrate", "deploy"], { stdio: "ignore", env: { ...process.env, DATABASE_URL: admin.replace(/\/postgres$/, `/${template}`) } });
    await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await client.end();
  }
  return {
    url: admin.replace(/\/postgres$/, `/${name}`),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => c.end());
    },
  };
}

/** The environment of the benchmark's web and worker processes, on a fresh database. */
export function benchEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: "redis://127.0.0.1:6379",
    PUBLIC_BASE_URL: "https://bench.example",
    HUBSPOT_CLIENT_ID: "bench-client",
    HUBSPOT_CLIENT_SECRET: "bench-secret",
    HUBSPOT_APP_ID: "1000001",
    ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    REDIS_PREFIX: `bench-${randomBytes(3).toString("hex")}`,
    ...extra,
  };
}

/**
 * The environment settings and node flags of the role's own start command in package.json
 * (`start:web`, `start:worker`: `[NAME=value ...] node [flags] dist/server/main.js <role>`), so a
 * benchmark measures the process production runs, memory settings included.
 */
function productionCommand(role: "web" | "worker"): { env: Record<string, string>; flags: string[] } {
  const scripts = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { scripts: Record<string, string> }).scripts;
  const command = scripts[`start:${role}`] ?? "";
  const match = /^((?:[A-Z_]+=\S+\s+)*)node\s+(.*?)\s*dist\/server\/main\.js/.exec(command.trim());
  if (!match) throw new Error(`package.json's start:${role} does not run node dist/server/main.js`);
  const env = Object.fromEntries(match[1]!.split(/\s+/).filter(Boolean).map((pair) => pair.split("=", 2) as [string, string]));
  return { env, flags: match[2]!.split(/\s+/).filter(Boolean) };
}

/** A TCP port free on 127.0.0.1 at this moment (the system's choice). */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let built = false;
function ensureBuilt(): void {
  if (built) return;
  execFileSync(process.execPath, ["scripts/ensure-build.mjs"], { stdio: "inherit" });
  built = true;
}

/**
 * Starts the compiled `dist/server/main.js <role>` in its own process (the benchmark's load must not share its CPU).
 * `imports` are modules of the benchmark's own loaded first (`node --import`), such as a probe.
 */
export async function startProcess(role: "web" | "worker", given: Record<string, string>, imports: string[] = []): Promise<{ child: ChildProcess; url?: string; peakRssMb(): Promise<number>; cpuMs(): Promise<number> }> {
  // A web process without a PORT gets one the system has free (a port picked at random can be a
  // local service's: RabbitMQ listens on 25672).
  const env = role === "web" && !given.PORT ? { ...given, PORT: String(await freePort()) } : given;
  // BENCH_CPU_PROF=dir writes a V8 CPU profile of each process there on exit (for finding hot spots).
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // What production runs: the compiled server (built first if the sources changed). A benchmark's own
  // TypeScript probe needs tsx's loader in the process, and only then is it loaded.
  ensureBuilt();
  const loader = imports.length ? ["--import", "tsx", ...imports.flatMap((path) => ["--import", path])] : [];
  const production = productionCommand(role);
  const child = spawn(process.execPath, [...profile, ...production.flags, ...loader, "dist/server/main.js", role], { env: { ...process.env, ...production.env, ...env, LOG_LEVEL: process.env.BENCH_CHILD_LOG_LEVEL ?? "silent" }, stdio: ["ignore", process.env.BENCH_CHILD_LOG_LEVEL ? "inherit" : "ignore", "inherit"] });
  if (role === "web") {
    // One that never answers is stopped, not left behind holding its database and Redis connections.
    await waitForHttp(`http://127.0.0.1:${env.PORT}/healthz`).catch((error: Error) => {
      child.kill("SIGKILL");
      throw error;
    });
  } else {
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  }
  return {
    child,
    url: role === "web" ? `http://127.0.0.1:${env.PORT}` : undefined,
    async peakRssMb() {
      const { readFile } = await import("node:fs/promises");
      const status = await readFile(`/proc/${child.pid}/status`, "utf8");
      return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    /** CPU ms the process has used (user + system), from /proc in clock ticks of 10 ms. */
    async cpuMs() {
      const { readFile } = await import("node:fs/promises");
      const fields = (await readFile(`/proc/${child.pid}/stat`, "utf8")).split(") ")[1]!.split(" ");
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
  };
}

async function waitForHttp(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Web and worker processes against the HubSpot simulator, and one portal installed through OAuth; `webImports` as startProcess's. */
export async function startDeployment(sim: { url: string; registerApp(app: { clientId: string; clientSecret: string; redirectUri: string; appId?: number }): void; issueAuthCode(portalId: string): string }, env: Record<string, string>, webImports: string[] = []) {
  sim.registerApp({ clientId: env.HUBSPOT_CLIENT_ID!, clientSecret: env.HUBSPOT_CLIENT_SECRET!, redirectUri: `${env.PUBLIC_BASE_URL}/oauth/callback`, appId: Number(env.HUBSPOT_APP_ID) });
  const web = await startProcess("web", env, webImports);
  const worker = await startProcess("worker", { ...env, PORT: "0" });
  const portalId = String(randomInt(10_000_000, 99_999_999));
  const install = await fetch(`${web.url}/oauth/install`, { redirect: "manual" });
  const state = new URL(install.headers.get("location")!).searchParams.get("state")!;
  const callback = await fetch(`${web.url}/oauth/callback?code=${sim.issueAuthCode(portalId)}&state=${state}`);
  if (callback.status !== 200) throw new Error(`install failed: ${callback.status}`);
  return { web, worker, portalId };
}
