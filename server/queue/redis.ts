import { Redis, type RedisOptions } from "ioredis";

/**
 * Connections for BullMQ. Workers need `maxRetriesPerRequest: null` (they block on Redis and must
 * survive a restart). The producer side (webhook ingest) must instead fail fast when Redis is down so
 * the vendor still gets its 2xx: the stored row is the source of truth and the outbox sweep enqueues
 * it later.
 */
export function workerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

export function producerConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...extra,
  });
}

/** Glob characters in a key part, escaped for SCAN MATCH. */
export const globEscape = (text: string) => text.replace(/[*?[\]\\]/g, "\\$&");

/** Deletes every key matching a SCAN pattern (uninstall: a portal's locks and rate-limit windows). */
export async function deleteMatching(redis: Redis, pattern: string): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    if (keys.length) deleted += await redis.del(...keys);
  } while (cursor !== "0");
  return deleted;
}
