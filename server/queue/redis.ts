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
