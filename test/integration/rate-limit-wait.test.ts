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
