import type { Redis } from "ioredis";
import { randomUUID } from "node:crypto";
import { TransientSyncError } from "../hubspot/errors.js";
import { deleteMatching, globEscape } from "../queue/redis.js";

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * Serialises work per caller across every worker process: ten calls from one new number that arrive at
 * once are synced one after the other, so the first creates the contact and the other nine find it in
 * the app-side index. The lock lives in Redis with a TTL (renewed while held) so a killed worker
 * cannot block a caller for longer than the TTL. Keys are `<portal>:<callerKey>` (a keyed hash,
 * contacts/identity.ts) or `<portal>:<row id>`: never a phone number or an email.
 */
export class CallerLocks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs = 30_000,
    private readonly waitMs = 60_000,
  ) {}

  /** Uninstall: the portal's locks go (a sync still running for it fails on its uninstalled portal). */
  async forgetPortal(portalId: string): Promise<void> {
    await deleteMatching(this.redis, `${globEscape(this.prefix)}:caller-lock:${globEscape(portalId)}:*`);
  }

  async withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const lockKey = `${this.prefix}:caller-lock:${key}`;
    const token = randomUUID();
    const deadline = Date.now() + this.waitMs;
    let delay = 10;
    while ((await this.redis.set(lockKey, token, "PX", this.ttlMs, "NX")) !== "OK") {
      if (Date.now() > deadline) throw new TransientSyncError("another sync for this caller is still running");
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
      delay = Math.min(delay * 2, 200);
    }
    const renew = setInterval(() => void this.redis.eval(EXTEND, 1, lockKey, token, this.ttlMs).catch(() => undefined), this.ttlMs / 3);
    try {
      return await work();
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, lockKey, token).catch(() => undefined);
    }
  }
}
