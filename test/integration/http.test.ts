import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { genericCall } from "../support/payloads.js";
import { REQUIRED_SCOPES } from "../../server/hubspot/scopes.js";
import { decrypt, sealedFor } from "../../server/config/crypto.js";
import { signState, STATE_TTL_MS } from "../../server/hubspot/oauth.js";

const run = promisify(execFile);
let stack: Stack;
let portalId: string;
let generic: Connection;

beforeAll(async () => {
  stack = await startStack({ env: { METRICS_TOKEN: "scrape-token-0123456789" } });
  portalId = await stack.install();
  generic = await stack.connect(portalId, "generic");
});
afterAll(async () => stack?.stop());

describe("webhook answers", () => {
  it("bad or missing signature 401, unknown connection 404, oversized 413", async () => {
    expect((await stack.deliver(generic, genericCall(), { tamper: true })).status).toBe(401);
    const unsigned = await fetch(`${stack.url}/webhooks/${generic.token}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(genericCall()) });
    expect(unsigned.status).toBe(401);
    expect((await unsigned.json()).error).toMatch(/signature/);
    const unknown = await fetch(`${stack.url}/webhooks/not-a-connection`, { method: "POST", body: "{}" });
    expect(unknown.status).toBe(404);
    const huge = await fetch(`${stack.url}/webhooks/${generic.token}`, { method: "POST", headers: { "content-type": "application/json" }, body: "x".repeat(stack.env.MAX_WEBHOOK_BYTES + 10) });
    expect(huge.status).toBe(413);
    const row = await stack.app.runtime.db.connection.findUniqueOrThrow({ where: { id: generic.id } });
    expect(row.lastError).toMatch(/signature rejected/);
  });

  it("signed but malformed or invalid: 400 with the reason, and the payload is kept in quarantine", async () => {
    const malformed = await stack.deliver(generic, null, { rawBody: Buffer.from('{"vendor": "generic", ') });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatch(/malformed JSON/);
    const invalid = await stack.deliver(generic, genericCall({ fromNumber: 42, urgency: "whenever" }));
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatch(/urgency/);
    const kept = await stack.app.runtime.db.quarantinedPayload.findMany({ where: { connectionId: generic.id } });
    expect(kept.map((k) => k.body)).toContain('{"vendor": "generic", ');
    expect(kept).toHaveLength(2);
  });

  it("PostgreSQL unreachable: 503 so the vendor retries", async () => {
    const down = await startStack({ role: "web", env: { DATABASE_URL: "postgresql://postgres@127.0.0.1:5499/nowhere" } });
    try {
      const response = await fetch(`${down.url}/webhooks/${generic.token}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(genericCall()) });
      expect(response.status).toBe(503);
      const ready = await fetch(`${down.url}/readyz`);
      expect(ready.status).toBe(503);
      expect((await ready.json()).postgres).toMatch(/down/);
    } finally {
      await down.stop();
    }
  });
});

describe("health and metrics", () => {
  it("/healthz and /readyz", async () => {
    expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${stack.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ postgres: "ok", redis: "ok" });
  });

  it("/metrics has webhooks by vendor and outcome, queue depth, sync latency, HubSpot requests by status, fallback size", async () => {
    const call = genericCall();
    await stack.deliver(generic, call);
    await stack.waitFor(async () => (await stack.app.runtime.db.call.findFirst({ where: { vendorCallId: call.vendorCallId, status: "synced" } })) ?? null);
    const text = await (await fetch(`${stack.url}/metrics`, { headers: { authorization: "Bearer scrape-token-0123456789" } })).text();
    expect(text).toMatch(/aira_webhooks_total\{vendor="generic",outcome="accepted"\} [1-9]/);
    expect(text).toMatch(/aira_webhooks_total\{vendor="generic",outcome="unauthorized"\} [1-9]/);
    expect(text).toMatch(/aira_queue_depth\{queue="call-sync",state="waiting"\} \d+/);
    expect(text).toMatch(/aira_queue_depth\{queue="meeting-sync",state="waiting"\} \d+/);
    expect(text).toMatch(/aira_sync_latency_seconds_count [1-9]/);
    expect(text).toMatch(/aira_hubspot_requests_total\{status="201"\} [1-9]/);
    expect(text).toMatch(/aira_fallback_queue_size \d+/);
  });

  it("a worker process serves /healthz and /metrics on METRICS_PORT, with the sync jobs it ran; without METRICS_TOKEN its /metrics is off", async () => {
    const web = await startStack({ role: "web" });
    const worker = await startStack({ role: "worker", databaseUrl: web.databaseUrl, sharedSim: web.sim, prefix: web.prefix, env: { METRICS_PORT: "0", METRICS_TOKEN: "scrape-token-0123456789" } });
    const quiet = await startStack({ role: "worker", databaseUrl: web.databaseUrl, sharedSim: web.sim, prefix: `${web.prefix}-idle`, env: { METRICS_PORT: "0" } });
    try {
      const portal = await web.install();
      const connection = await web.connect(portal, "generic");
      const call = genericCall();
      expect((await web.deliver(connection, call)).status).toBe(202);
      await worker.waitFor(async () => (await worker.app.runtime.db.call.findFirst({ where: { vendorCallId: call.vendorCallId, status: "synced" } })) ?? null, { what: "call synced by the worker process" });
      expect(worker.app.metricsUrl).toBeDefined();
      expect((await fetch(`${worker.app.metricsUrl}/healthz`)).status).toBe(200);
      const text = await (await fetch(`${worker.app.metricsUrl}/metrics`, { headers: { authorization: "Bearer scrape-token-0123456789" } })).text();
      expect(text).toMatch(/aira_sync_jobs_total\{outcome="synced"\} [1-9]/);
      expect(text).toMatch(/aira_hubspot_rate_limit_wait_seconds_total \d/);
      expect(text).toMatch(/aira_queue_depth\{queue="call-sync",state="waiting"\} \d+/);
      expect((await fetch(`${quiet.app.metricsUrl}/metrics`)).status).toBe(404);
      expect(web.app.metricsUrl).toBeUndefined();
    } finally {
      await quiet.stop();
      await worker.stop();
      await web.stop();
    }
  });
});

describe("OAuth", () => {
  it("opening the install link writes nothing (the state is signed and expiring); a tampered or expired state fails", async () => {
    const before = await stack.app.runtime.db.oAuthState.count();
    const states: string[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`${stack.url}/oauth/install`, { redirect: "manual" });
      states.push(new URL(response.headers.get("location")!).searchParams.get("state")!);
    }
    expect(await stack.app.runtime.db.oAuthState.count()).toBe(before);
    expect(new Set(states).size).toBe(20);
    const [nonce, expires] = states[0]!.split(".");
    const extended = `${nonce}.${Number(expires) + 3_600_000}.${states[0]!.split(".")[2]}`;
    expect((await fetch(`${stack.url}/oauth/callback?code=${stack.sim.issueAuthCode("55500012")}&state=${extended}`)).status).toBe(400);
    const expired = signState(stack.env.ENCRYPTION_KEY, Date.now() - STATE_TTL_MS - 1_000);
    const late = await fetch(`${stack.url}/oauth/callback?code=${stack.sim.issueAuthCode("55500012")}&state=${expired}`);
    expect(late.status).toBe(400);
    expect(await late.text()).toContain("expired or was already used");
  });

  it("install redirects to HubSpot with client id, redirect URI, scopes and a single-use state", async () => {
    const response = await fetch(`${stack.url}/oauth/install`, { redirect: "manual" });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe("https://app.hubspot.test/oauth/authorize");
    expect(location.searchParams.get("client_id")).toBe(stack.env.HUBSPOT_CLIENT_ID);
    expect(location.searchParams.get("redirect_uri")).toBe(`${stack.env.PUBLIC_BASE_URL}/oauth/callback`);
    expect(location.searchParams.get("scope")!.split(" ")).toEqual([...REQUIRED_SCOPES]);
    const state = location.searchParams.get("state")!;
    const portal = "55500011";
    const first = await fetch(`${stack.url}/oauth/callback?code=${stack.sim.issueAuthCode(portal)}&state=${state}`);
    expect(first.status).toBe(200);
    expect(await first.text()).toContain(portal);
    const replay = await fetch(`${stack.url}/oauth/callback?code=${stack.sim.issueAuthCode(portal)}&state=${state}`);
    expect(replay.status).toBe(400);
    const forged = await fetch(`${stack.url}/oauth/callback?code=${stack.sim.issueAuthCode(portal)}&state=forged`);
    expect(forged.status).toBe(400);
    // Tokens at rest are encrypted, one row per portal.
    const rows = await stack.app.runtime.db.portal.findMany({ where: { id: portal } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.accessTokenEnc).toMatch(/^v2\./);
    const plain = decrypt(rows[0]!.accessTokenEnc!, stack.env.ENCRYPTION_KEY, sealedFor("Portal", "accessTokenEnc", portal));
    // Bound to its row and column: the same ciphertext is unreadable as another portal's or as the refresh token.
    expect(() => decrypt(rows[0]!.accessTokenEnc!, stack.env.ENCRYPTION_KEY, sealedFor("Portal", "accessTokenEnc", "1"))).toThrow();
    expect(() => decrypt(rows[0]!.accessTokenEnc!, stack.env.ENCRYPTION_KEY, sealedFor("Portal", "refreshTokenEnc", portal))).toThrow();
    expect(plain.length).toBeGreaterThan(8);
    expect(JSON.stringify(rows[0])).not.toContain(plain);
    // The app's custom properties exist in the portal.
    const names = stack.sim.portal(portal).properties().map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(["ai_lead_source", "ai_intent", "ai_urgency", "ai_sentiment", "ai_disposition", "ai_language"]));
  });

  it("an expired access token is refreshed, once, by concurrent callers", async () => {
    stack.sim.expireAccessTokens(portalId);
    await stack.app.runtime.db.portal.update({ where: { id: portalId }, data: { accessExpiresAt: new Date(Date.now() - 1000) } });
    const tokenRequests = () => stack.sim.requests.filter((r) => r.path === "/oauth/v1/token").length;
    const before = tokenRequests();
    const tokens = await Promise.all(Array.from({ length: 5 }, () => stack.app.runtime.tokens.accessToken(portalId)));
    expect(new Set(tokens).size).toBe(1);
    expect(tokenRequests() - before).toBe(1);
  });

  it("a refused refresh marks the portal for re-authorisation; its calls wait and sync after a new install", async () => {
    const portal = await stack.install();
    const connection = await stack.connect(portal, "generic");
    stack.sim.revokeRefreshTokens(portal);
    stack.sim.expireAccessTokens(portal);
    await stack.app.runtime.db.portal.update({ where: { id: portal }, data: { accessExpiresAt: new Date(Date.now() - 1000) } });
    const call = genericCall({ fromNumber: "+14155550401" });
    expect((await stack.deliver(connection, call)).status).toBe(202);
    await stack.waitFor(async () => (await stack.app.runtime.db.call.findFirst({ where: { vendorCallId: call.vendorCallId, status: "waiting_auth" } })) ?? null, { what: "call waiting for auth" });
    expect((await stack.app.runtime.db.portal.findUniqueOrThrow({ where: { id: portal } })).status).toBe("needs_reauth");
    expect(await stack.app.runtime.db.fallbackEntry.count({ where: { portalId: portal } })).toBe(0);
    await stack.install(portal);
    await stack.waitFor(async () => (await stack.app.runtime.db.call.findFirst({ where: { vendorCallId: call.vendorCallId, status: "synced" } })) ?? null, { what: "call synced after re-auth" });
    expect(stack.sim.portal(portal).calls()).toHaveLength(1);
  });
});

describe("operator CLI", () => {
  const cli = async (...args: string[]) => {
    const env = { ...process.env, ...Object.fromEntries(Object.entries(stack.env).map(([k, v]) => [k, String(v)])), REDIS_PREFIX: stack.prefix };
    try {
      const { stdout } = await run(process.execPath, ["--import", "tsx", "server/cli/main.ts", ...args], { env });
      return { code: 0, json: JSON.parse(stdout) };
    } catch (error) {
      const e = error as { code: number; stderr: string };
      return { code: e.code, json: JSON.parse(e.stderr.trim().split("\n").pop()!) };
    }
  };

  it("connections add/list print JSON; bad input is a clear error", async () => {
    const added = await cli("connections", "add", "--portal", portalId, "--vendor", "vapi", "--secret", "vapi-server-secret-1");
    expect(added.code).toBe(0);
    expect(Object.keys(added.json).sort()).toEqual(["id", "toolsUrl", "webhookUrl"]);
    expect(added.json.webhookUrl).toMatch(/^https:\/\/receptionist\.test\.example\/webhooks\/[A-Za-z0-9_-]{32}$/);
    const listed = await cli("connections", "list", "--portal", portalId);
    expect(listed.json.map((c: { id: string }) => c.id)).toContain(added.json.id);
    expect(JSON.stringify(listed.json)).not.toContain("vapi-server-secret-1");
    const bad = await cli("connections", "add", "--portal", portalId, "--vendor", "acme", "--secret", "whatever-secret");
    expect(bad.code).toBe(1);
    expect(bad.json.error).toMatch(/unknown vendor "acme"/);
    const usage = await cli("fallback", "replay");
    expect(usage.code).toBe(2);
  }, 180_000); // four fresh processes: each compiles the CLI with tsx, slow on a busy machine

  it("fallback list and replay", async () => {
    stack.sim.failNext(1, { status: 403, body: { status: "error", category: "MISSING_SCOPES", message: "This app hasn't been granted all required scopes" } });
    const call = genericCall({ fromNumber: "+14155550402" });
    await stack.deliver(generic, call);
    await stack.waitFor(async () => (await stack.app.runtime.db.fallbackEntry.findFirst({ where: { call: { vendorCallId: call.vendorCallId } } })) ?? null);
    const listed = await cli("fallback", "list", "--portal", portalId);
    const entry = listed.json.find((e: { vendorCallId: string }) => e.vendorCallId === call.vendorCallId);
    expect(entry.reason).toMatch(/scope/);
    expect(entry.permanent).toBe(true);
    const replayed = await cli("fallback", "replay", "--id", entry.id);
    expect(replayed.json.replayed).toEqual([entry.id]);
    await stack.waitFor(async () => (await stack.app.runtime.db.fallbackEntry.findUnique({ where: { id: entry.id } }))?.resolvedAt ?? null, { what: "replayed entry resolved" });
  }, 180_000);
});
