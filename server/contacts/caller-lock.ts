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
 * cannot block a caller for longer than the TTL. A holder whose process stalled past the TTL may have
 * lost the lock to another sync without knowing: before its one write that cannot be repeated safely
 * (creating a contact) it asks `hold.confirm()`, which throws (transient: the retry finds that sync's
 * contact in the index) unless the lock is still its own. The TTL is its own setting (CALLER_LOCK_MS),
 * not the job lock's, so a short job lock (fast recovery of a killed worker's job) does not make the
 * caller lock lapse on a busy machine. Keys are `<portal>:<callerKey>` (a keyed hash,
 * contacts/identity.ts) or `<portal>:<row id>`: never a phone number or an email.
 */
/** Handed to the work done under the lock. */
export interface LockHold {
  /** Throws TransientSyncError unless the lock is still held by this holder (checked in Redis). */
  confirm(): Promise<void>;
}

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

  async withLock<T>(key: string, work: (hold: LockHold) => Promise<T>): Promise<T> {
    const lockKey = `${this.prefix}:caller-lock:${key}`;
    const token = randomUUID();
    const deadline = Date.now() + this.waitMs;
    let delay = 10;
    while ((await this.redis.set(lockKey, token, "PX", this.ttlMs, "NX")) !== "OK") {
      if (Date.now() > deadline) throw new TransientSyncError("another sync for this caller is still running");
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
      delay = Math.min(delay * 2, 200);
    }
    let lost = false;
    const renew = setInterval(() => {
      void this.redis.eval(EXTEND, 1, lockKey, token, this.ttlMs).then((extended) => { if (extended === 0) lost = true; }, () => undefined);
    }, this.ttlMs / 3);
    const hold: LockHold = {
      confirm: async () => {
        if (lost || (await this.redis.get(lockKey)) !== token) {
          lost = true;
          throw new TransientSyncError("the caller lock lapsed while this sync was held up; another sync of this caller may be running");
        }
      },
    };
    try {
      return await work(hold);
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, lockKey, token).catch(() => undefined);
    }
  }
}
