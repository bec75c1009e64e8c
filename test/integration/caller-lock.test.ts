import { afterAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { randomUUID } from "node:crypto";
import { CallerLocks } from "../../server/contacts/caller-lock.js";
import { TransientSyncError } from "../../server/hubspot/errors.js";

// The caller lock against the real Redis. A holder whose lock lapsed (its process stalled past the
// TTL, so the renewal did not run) and was taken by another sync must find out before its one
// non-repeatable write (creating a contact), instead of creating a second contact for the caller.

const redis = new Redis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
afterAll(() => redis.quit());

describe("CallerLocks", () => {
  it("serialises two holders of one key", async () => {
    const prefix = `test-lock-${randomUUID()}`;
    const locks = new CallerLocks(redis, prefix, 5_000);
    const order: string[] = [];
    await Promise.all(["a", "b"].map((name) => locks.withLock("p:k", async () => {
      order.push(`${name} in`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      order.push(`${name} out`);
    })));
    expect(order).toHaveLength(4);
    expect(order[0]!.slice(0, 1)).toBe(order[1]!.slice(0, 1));
  });

  it("a holder whose lock lapsed and was taken by another is told so before it writes", async () => {
    const prefix = `test-lock-${randomUUID()}`;
    const locks = new CallerLocks(redis, prefix, 5_000);
    const outcome = await locks.withLock("p:k", async (hold) => {
      await hold.confirm(); // still held
      // What a stall past the TTL looks like from Redis: the key expired and another sync took it.
      await redis.set(`${prefix}:caller-lock:p:k`, "another sync");
      return hold.confirm().then(() => "wrote", (error: unknown) => error);
    });
    expect(outcome).toBeInstanceOf(TransientSyncError);
    expect((outcome as Error).message).toMatch(/caller lock/);
    // The other sync's lock is left alone by the lapsed holder's release.
    expect(await redis.get(`${prefix}:caller-lock:p:k`)).toBe("another sync");
    await redis.del(`${prefix}:caller-lock:p:k`);
  });

  it("a lapsed lock nobody took is not trusted either", async () => {
    const prefix = `test-lock-${randomUUID()}`;
    const locks = new CallerLocks(redis, prefix, 5_000);
    const outcome = await locks.withLock("p:k", async (hold) => {
      await redis.del(`${prefix}:caller-lock:p:k`);
      return hold.confirm().then(() => "wrote", (error: unknown) => error);
    });
    expect(outcome).toBeInstanceOf(TransientSyncError);
  });
});
