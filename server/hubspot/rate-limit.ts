import type { Redis } from "ioredis";
import { randomUUID } from "node:crypto";
import { deleteMatching, globEscape } from "../queue/redis.js";
import { rateLimitWait } from "../metrics/metrics.js";

// A rolling-window limiter shared by every web and worker process through Redis, one window per portal
// (HubSpot counts about 100 requests per 10 s per portal, shared by all apps installed there, and
// about 5 searches per second). Each request takes a slot in a sorted set scored by Redis' own clock;
// when the window is full the caller sleeps until the oldest slot leaves it. A burst of calls therefore
// turns into a steady stream instead of a 429 storm.
const TAKE_SLOT = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[2])
local member = ARGV[3]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - windowMs)
local count = redis.call('ZCARD', key)
if count < limit then
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, windowMs)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + windowMs - now)
`;

export interface RateLimit {
  limit: number;
  windowMs: number;
}

export class SharedRateLimiter {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  /** Uninstall: the portal's windows (`<portal>` and `<portal>:<kind>`) go. */
  async forgetPortal(portalId: string): Promise<void> {
    await this.redis.del(`${this.prefix}:rl:${portalId}`);
    await deleteMatching(this.redis, `${globEscape(this.prefix)}:rl:${globEscape(portalId)}:*`);
  }

  /**
   * Waits until a slot is free in `key`'s window, then takes it. The time slept is counted
   * (aira_hubspot_rate_limit_wait_seconds_total): workers that mostly wait here are held by HubSpot's
   * limit, and more of them would only wait too.
   */
  async acquire(key: string, { limit, windowMs }: RateLimit, signal?: AbortSignal): Promise<void> {
    const member = randomUUID();
    for (;;) {
      signal?.throwIfAborted();
      const waitMs = Number(await this.redis.eval(TAKE_SLOT, 1, `${this.prefix}:rl:${key}`, limit, windowMs, member));
      if (waitMs === 0) return;
      const sleepMs = Math.min(waitMs + Math.random() * 20, windowMs);
      await new Promise((resolve) => setTimeout(resolve, sleepMs));
      rateLimitWait.inc(sleepMs / 1000);
    }
  }
}
