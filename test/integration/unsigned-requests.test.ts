import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { retellCall } from "../support/payloads.js";
import { createApp } from "../../server/http/app.js";
import { parseEnv } from "../../server/config/env.js";
import { purgeExpired } from "../../server/retention/retention.js";

// What a request nobody signed may cost: bounded work, no database write per forged request, no
// internals in health answers, metrics only with the token.

let stack: Stack;
let retell: Connection;
const METRICS_TOKEN = "metrics-token-for-tests-0123456789";

beforeAll(async () => {
  stack = await startStack({ role: "web", env: { METRICS_TOKEN } });
  const portalId = await stack.install();
  retell = await stack.connect(portalId, "retell");
});
afterAll(async () => stack?.stop());

const rowVersion = async (id: string) => (await stack.app.runtime.db.$queryRaw<{ xmin: string }[]>`SELECT xmin::text AS xmin FROM "Connection" WHERE id = ${id}`)[0]!.xmin;

describe("requests nobody signed", () => {
  it("forged signatures on a known webhook URL are noted for ops once, not written per request", async () => {
    const first = await stack.deliver(retell, retellCall("call_analyzed"), { tamper: true });
    expect(first.status).toBe(401);
    const noted = await stack.app.runtime.db.connection.findUniqueOrThrow({ where: { id: retell.id } });
    expect(noted.lastError).toMatch(/signature rejected/);
    const version = await rowVersion(retell.id);
    for (let i = 0; i < 20; i++) expect((await stack.deliver(retell, retellCall("call_analyzed"), { tamper: true })).status).toBe(401);
    expect(await rowVersion(retell.id)).toBe(version);
  });

  it("a calendar push flood is capped and de-duplicated before any lookup, and a huge body is refused unread", async () => {
    const value = Array.from({ length: 5_000 }, (_, i) => ({ subscriptionId: `sub-${i % 7}`, clientState: "forged", changeType: "updated", resource: `me/events/${i}` }));
    const result = await stack.app.runtime.calendars.handlePush("microsoft", { headers: {}, query: {}, body: { value } });
    expect(result.lookups).toBeLessThanOrEqual(7);
    expect(result.accepted).toBe(0);
    const distinct = Array.from({ length: 5_000 }, (_, i) => ({ subscriptionId: `sub-${i}`, clientState: "forged" }));
    const capped = await stack.app.runtime.calendars.handlePush("microsoft", { headers: {}, query: {}, body: { value: distinct } });
    expect(capped.lookups).toBeLessThanOrEqual(100);
    const big = JSON.stringify({ value: Array.from({ length: 12_000 }, (_, i) => ({ subscriptionId: `s${i}`, clientState: "x".repeat(60) })) });
    expect(big.length).toBeGreaterThan(900_000);
    const response = await fetch(`${stack.url}/calendar/push/microsoft`, { method: "POST", headers: { "content-type": "application/json" }, body: big });
    expect(response.status).toBe(413);
  });

  it("/metrics needs the token; /readyz says up or down, never why", async () => {
    expect((await fetch(`${stack.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${stack.url}/metrics`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    const scraped = await fetch(`${stack.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain("aira_webhooks_total");

    const down = await startStack({ role: "web", env: { DATABASE_URL: "postgresql://postgres@127.0.0.1:5499/nowhere" } });
    try {
      const ready = await fetch(`${down.url}/readyz`);
      expect(ready.status).toBe(503);
      const body = await ready.json();
      expect(body).toMatchObject({ status: "not ready", postgres: "down" });
      expect(Object.keys(body).sort()).toEqual(["postgres", "redis", "status"]);
      expect(["ok", "down"]).toContain(body.redis);
      expect(JSON.stringify(body)).not.toMatch(/5499|ECONNREFUSED|127\.0\.0\.1|nowhere/);
      // No metrics token configured: the endpoint is off.
      expect((await fetch(`${down.url}/metrics`)).status).toBe(404);
    } finally {
      await down.stop();
    }
  });

  it("X-Forwarded-* are not believed unless TRUST_PROXY says how many proxies stand in front", () => {
    const rt = stack.app.runtime;
    expect(createApp(rt).get("trust proxy")).toBe(false);
    expect(createApp({ ...rt, env: { ...rt.env, TRUST_PROXY: 1 } }).get("trust proxy")).toBe(1);
    expect(() => parseEnv({ ...process.env, ...rt.env, PORT: "0", TRUST_PROXY: "yes please" } as never)).toThrow(/TRUST_PROXY/);
  });
});

describe("retention", () => {
  it("tool answers and quarantined payloads go after their days; used OAuth nonces and connect links after their lifetime", async () => {
    const db = stack.app.runtime.db;
    const days = (n: number) => new Date(Date.now() - n * 24 * 3600_000);
    await db.toolInvocation.createMany({ data: [{ key: `old-${retell.id}`, response: { message: "You're booked" }, createdAt: days(31) }, { key: `new-${retell.id}`, response: {}, createdAt: days(29) }] });
    await db.quarantinedPayload.createMany({
      data: [
        { connectionId: retell.id, portalId: retell.portalId, vendor: "retell", reason: "old", body: "{}", receivedAt: days(31) },
        { connectionId: retell.id, portalId: retell.portalId, vendor: "retell", reason: "new", body: "{}", receivedAt: days(1) },
      ],
    });
    await db.oAuthState.createMany({ data: [{ state: `old-${retell.id}`, createdAt: days(1), usedAt: days(1) }, { state: `new-${retell.id}`, usedAt: new Date() }] });
    const purged = await purgeExpired(db, { TOOL_INVOCATION_RETENTION_DAYS: 30, QUARANTINE_RETENTION_DAYS: 30 });
    expect(purged).toMatchObject({ toolInvocations: 1, quarantined: 1, oauthStates: 1 });
    expect(await db.toolInvocation.findUnique({ where: { key: `new-${retell.id}` } })).not.toBeNull();
    expect((await db.quarantinedPayload.findMany({ where: { connectionId: retell.id } })).map((q) => q.reason)).toEqual(["new"]);
    expect(await db.oAuthState.findUnique({ where: { state: `new-${retell.id}` } })).not.toBeNull();
    // Shorter settings take more.
    expect((await purgeExpired(db, { TOOL_INVOCATION_RETENTION_DAYS: 1, QUARANTINE_RETENTION_DAYS: 1 })).toolInvocations).toBe(1);
  });
});
