import { afterAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { SharedRateLimiter } from "../../server/hubspot/rate-limit.js";
import { rateLimitWait } from "../../server/metrics/metrics.js";
import { deleteMatching } from "../../server/queue/redis.js";

// The time spent waiting for a portal's window is what says "more workers would not help".

const redis = new Redis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
const prefix = `t-${randomBytes(4).toString("hex")}`;
afterAll(async () => {
  await deleteMatching(redis, `${prefix}:*`);
  redis.disconnect();
});

const waited = async () => (await rateLimitWait.get()).values[0]?.value ?? 0;

describe("shared rate limiter", () => {
  it("counts the time a request waited for its window, and none for a request with a free slot", async () => {
    const limiter = new SharedRateLimiter(redis, prefix);
    const window = { limit: 2, windowMs: 3_000 };
    const before = await waited();
    await limiter.acquire("555001", window);
    await limiter.acquire("555001", window);
    expect(await waited()).toBe(before);
    const started = Date.now();
    await limiter.acquire("555001", window);
    const elapsed = (Date.now() - started) / 1000; // the wait counted is what was slept, never more than the time that passed
    const counted = (await waited()) - before;
    expect(counted).toBeGreaterThan(0);
    expect(counted).toBeLessThanOrEqual(elapsed + 0.05);
  });
});

describe("HubSpot clients", () => {
  it("one client per portal and token, a new one for a refreshed token, each portal its own", async () => {
    const { HubSpotClientFactory } = await import("../../server/hubspot/client.js");
    const factory = new HubSpotClientFactory({ basePath: "http://127.0.0.1:9", limiter: new SharedRateLimiter(redis, prefix), perTenSeconds: 100 });
    const first = factory.forToken("555002", "token-a");
    expect(factory.forToken("555002", "token-a")).toBe(first);
    const refreshed = factory.forToken("555002", "token-b");
    expect(refreshed).not.toBe(first);
    expect(factory.forToken("555002", "token-b")).toBe(refreshed);
    expect(factory.forToken("555003", "token-b")).not.toBe(refreshed);
  });
});

describe("micro-batches at the portal's rate limit", () => {
  /** A simulator with one installed portal, its token, and the app's clients and batches over it. */
  async function installed(portalId: string) {
    const { HubSpotClientFactory } = await import("../../server/hubspot/client.js");
    const { HubSpotBatches } = await import("../../server/hubspot/batch.js");
    const { startHubSpotSim } = await import("../../simulators/hubspot/index.js");
    const sim = await startHubSpotSim({ searchLagMs: 0 });
    sim.registerApp({ clientId: "rl-client", clientSecret: "rl-secret", redirectUri: "https://app.example/oauth/callback" });
    const form = new URLSearchParams({ grant_type: "authorization_code", client_id: "rl-client", client_secret: "rl-secret", redirect_uri: "https://app.example/oauth/callback", code: sim.issueAuthCode(portalId) });
    const grant = (await (await fetch(`${sim.url}/oauth/v1/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form })).json()) as { access_token: string };
    const factory = new HubSpotClientFactory({ basePath: sim.url, limiter: new SharedRateLimiter(redis, prefix), perTenSeconds: 100 });
    const batches = new HubSpotBatches({ windowMs: 20, maxSize: 100 }, (portal, kind) => factory.batchGate(portal, kind));
    return { sim, factory, batches, grant, client: factory.forToken(portalId, grant.access_token) };
  }

  it("the Calls that retried calls may have logged are found with one search for all of them", async () => {
    const portalId = "555005";
    const { sim, factory, batches, grant, client } = await installed(portalId);
    try {
      const ours = ["0b6f6a52-8c1e-4c59-9d43-5f1f0a000001", "0b6f6a52-8c1e-4c59-9d43-5f1f0a000002", "0b6f6a52-8c1e-4c59-9d43-5f1f0a000003"];
      const logged = await Promise.all(ours.map((externalId) => client.crm.objects.basicApi.create("calls", { properties: { hs_call_external_id: externalId, hs_timestamp: new Date().toISOString() }, associations: [] } as never)));
      const before = sim.countRequests({ method: "POST", path: "/crm/v3/objects/calls/search" });
      const unlogged = "0b6f6a52-8c1e-4c59-9d43-5f1f0a000009";
      const found = await Promise.all([...ours, unlogged].map((id) => batches.findCallByExternalId(portalId, grant.access_token, client, id)));
      expect(found).toEqual([...logged.map((c) => c.id), null]);
      expect(sim.countRequests({ method: "POST", path: "/crm/v3/objects/calls/search" }) - before).toBe(1);
      factory.close();
    } finally {
      await sim.close();
    }
  });

  it("a batch takes one slot of the portal's window while it gathers and its request takes no second one", async () => {
    const portalId = "555004";
    const { sim, factory, batches, grant, client } = await installed(portalId);
    try {
      const ids = await Promise.all([1, 2, 3].map((n) => batches.create("contacts", portalId, grant.access_token, client, { properties: { email: `rl${n}@example.com` } })));
      expect(new Set(ids).size).toBe(3);
      expect(sim.countRequests({ method: "POST", path: "/crm/v3/objects/contacts/batch/create" })).toBe(1);
      // One request, one slot: the transport used the slot the gate took.
      expect(await redis.zcard(`${prefix}:rl:${portalId}`)).toBe(1);
      // A request outside a batch still takes its own.
      await client.crm.contacts.basicApi.getById(ids[0]!);
      expect(await redis.zcard(`${prefix}:rl:${portalId}`)).toBe(2);
      factory.close();
    } finally {
      await sim.close();
    }
  });
});
