import { randomBytes, randomInt } from "node:crypto";
import pg from "pg";
import { parseEnv, type Env } from "../../server/config/env.js";
import { createRuntime } from "../../server/runtime.js";
import { start, type Started } from "../../server/main.js";
import { createConnection, type ConnectionView } from "../../server/connections/connections.js";
import { getVendor } from "../../server/vendors/registry.js";
import type { VendorId } from "../../server/calls/record.js";
import { startHubSpotSim, type HubSpotSim } from "../../simulators/hubspot/index.js";

// A whole deployment in one test process, over real HTTP and real PostgreSQL + Redis: the HubSpot
// simulator, the web app and the worker (or either alone), with their own Redis prefix so test files
// can run in parallel against one Redis and one database.

export const TEST_CLIENT_ID = "test-client-id";
export const TEST_CLIENT_SECRET = "test-client-secret-0123456789";
export const TEST_PUBLIC_BASE_URL = "https://receptionist.test.example";
export const TEST_APP_ID = "3141592";
export const TEST_ENCRYPTION_KEY = Buffer.alloc(32, 7).toString("base64");

export interface StackOptions {
  env?: Record<string, string>;
  /** Share another stack's database (e.g. a web stack and a worker stack); default: a fresh one. */
  databaseUrl?: string;
  sim?: Parameters<typeof startHubSpotSim>[0];
  /** Redis namespace; share one with another stack to share its queue. */
  prefix?: string;
  /** Use a simulator another stack started (it stays that stack's to close). */
  sharedSim?: HubSpotSim;
  role?: "all" | "web" | "worker";
}

export interface Connection extends ConnectionView {
  token: string;
  secret: string;
}

export interface Stack {
  env: Env;
  sim: HubSpotSim;
  app: Started;
  url: string;
  prefix: string;
  databaseUrl: string;
  /** Installs the app in a new portal through the real OAuth flow (granting `scopes`, default all); returns the portal id. */
  install(portalId?: string, options?: { scopes?: string[] }): Promise<string>;
  connect(portalId: string, vendor: VendorId, secret?: string): Promise<Connection>;
  /** Signs `payload` as the vendor does and posts it to the connection's webhook URL. */
  deliver(connection: Connection, payload: unknown, options?: { now?: number; tamper?: boolean; rawBody?: Buffer }): Promise<{ status: number; body: any }>;
  waitFor<T>(probe: () => Promise<T | undefined | null | false>, options?: { timeoutMs?: number; what?: string }): Promise<T>;
  stop(): Promise<void>;
}

export const newPortalId = () => String(randomInt(10_000_000, 99_999_999));

export function testEnv(simUrl: string, overrides: Record<string, string> = {}): Env {
  return parseEnv({
    NODE_ENV: "test",
    DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/aira_test",
    REDIS_URL: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
    PORT: "0",
    PUBLIC_BASE_URL: TEST_PUBLIC_BASE_URL,
    HUBSPOT_CLIENT_ID: TEST_CLIENT_ID,
    HUBSPOT_CLIENT_SECRET: TEST_CLIENT_SECRET,
    HUBSPOT_APP_ID: TEST_APP_ID,
    HUBSPOT_API_BASE_URL: simUrl,
    HUBSPOT_AUTH_BASE_URL: "https://app.hubspot.test",
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    LOG_LEVEL: "silent",
    // Time scaled down for tests: the production schedule is checked in test/unit/retry.test.ts.
    SYNC_BACKOFF_MS: "40",
    SYNC_MAX_ATTEMPTS: "5",
    OUTBOX_SWEEP_MS: "250",
    WORKER_CONCURRENCY: "10",
    // Vendors' recording hosts and Slack are simulated on 127.0.0.1 (the production setting is
    // tested in test/integration/recordings.test.ts and test/unit/outbound.test.ts).
    ALLOW_PRIVATE_NETWORK_FETCH: "true",
    ...overrides,
  });
}

const adminUrl = () => (process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/aira_test").replace(/\/[^/]*$/, "/postgres");

/** A database of its own, cloned from the migrated template (milliseconds, no migration run). */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `aira_run_${randomBytes(6).toString("hex")}`;
  const template = process.env.TEST_TEMPLATE_DATABASE ?? "aira_template";
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await admin.end();
  }
  return {
    url: adminUrl().replace(/\/postgres$/, `/${name}`),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).finally(() => client.end());
    },
  };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const sim = options.sharedSim ?? (await startHubSpotSim(options.sim));
  const ownDatabase = options.databaseUrl ? null : await createTestDatabase();
  const databaseUrl = options.databaseUrl ?? ownDatabase!.url;
  const env = testEnv(sim.url, { DATABASE_URL: databaseUrl, ...options.env });
  const prefix = options.prefix ?? `t-${randomBytes(4).toString("hex")}`;
  const app = await start(options.role ?? "all", createRuntime(env, { prefix }));
  const url = app.url ?? "";
  sim.registerApp({ clientId: TEST_CLIENT_ID, clientSecret: TEST_CLIENT_SECRET, redirectUri: `${TEST_PUBLIC_BASE_URL}/oauth/callback`, appId: Number(TEST_APP_ID) });

  const stack: Stack = {
    env,
    sim,
    app,
    url,
    prefix,
    databaseUrl,
    async install(portalId = newPortalId(), installOptions = {}) {
      const install = await fetch(`${url}/oauth/install`, { redirect: "manual" });
      const state = new URL(install.headers.get("location")!).searchParams.get("state")!;
      const code = sim.issueAuthCode(portalId, installOptions);
      const callback = await fetch(`${url}/oauth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`);
      if (callback.status !== 200) throw new Error(`install failed: ${callback.status} ${await callback.text()}`);
      return portalId;
    },
    async connect(portalId, vendor, secret) {
      const chosen = secret ?? (vendor === "generic" ? `whsec_${randomBytes(24).toString("base64")}` : `secret-${randomBytes(12).toString("hex")}`);
      const view = await createConnection(app.runtime.db, { portalId, vendor, secret: chosen, encryptionKey: env.ENCRYPTION_KEY, publicBaseUrl: env.PUBLIC_BASE_URL });
      return { ...view, token: new URL(view.webhookUrl).pathname.split("/").pop()!, secret: chosen };
    },
    async deliver(connection, payload, opts = {}) {
      const rawBody = opts.rawBody ?? Buffer.from(JSON.stringify(payload));
      const headers = await getVendor(connection.vendor as VendorId).sign(rawBody, connection.secret, opts.now ?? Date.now());
      const sent = opts.tamper ? Buffer.from(rawBody.toString("utf8").replace(/\d/, (d) => String((Number(d) + 1) % 10))) : rawBody;
      const response = await fetch(`${url}/webhooks/${connection.token}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: new Uint8Array(sent) });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body };
    },
    async waitFor(probe, opts = {}) {
      const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
      for (;;) {
        const value = await probe();
        if (value) return value as never;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? "condition"}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      await app.stop();
      if (!options.sharedSim) await sim.close();
      await ownDatabase?.drop();
    },
  };
  return stack;
}
