import type { Redis } from "ioredis";
import type { Env } from "./config/env.js";
import { createDb, type Db } from "./db/client.js";
import { producerConnection, workerConnection } from "./queue/redis.js";
import { CALENDAR_SYNC_QUEUE, createSyncQueue, MEETING_QUEUE, type CalendarSyncJobData, type MeetingJobData, type SyncJobData } from "./queue/queues.js";
import { queueCalendarSync } from "./booking/calendar-sync.js";
import { SharedRateLimiter } from "./hubspot/rate-limit.js";
import { HubSpotClientFactory } from "./hubspot/client.js";
import { PortalTokens } from "./hubspot/tokens.js";
import { CallerLocks } from "./contacts/caller-lock.js";
import { DispositionCache } from "./sync/dispositions.js";
import { Notifier } from "./notify/notifier.js";
import { PortalNotifications } from "./notify/settings.js";
import type { SyncDeps } from "./sync/sync-call.js";
import { HubSpotBatches, MAX_BATCH_INPUTS } from "./hubspot/batch.js";
import { Calendars } from "./booking/calendars.js";
import { Queue } from "bullmq";
import { createOutboundFetch, type OutboundFetch } from "./net/outbound.js";
import { vendorRecordingSource } from "./recordings/vendor-source.js";

/**
 * Everything a web or worker process shares, built once from the environment. `prefix` namespaces
 * every Redis key (queues, locks, rate limits) so tests and several deployments can share one Redis.
 */
export interface Runtime {
  env: Env;
  db: Db;
  prefix: string;
  /** Fails fast when Redis is down (webhook ingest must still answer): queue producer, locks, limits. */
  redis: Redis;
  /** Connection that waits for Redis to come back: BullMQ workers duplicate it. */
  workerRedis: Redis;
  queue: Queue<SyncJobData>;
  /** HubSpot Meetings of bookings, off the caller's request path. */
  meetingQueue: Queue<MeetingJobData>;
  /** Staff calendar syncs a change notice asks for, done by the worker. */
  calendarSyncQueue: Queue<CalendarSyncJobData>;
  /** Staff calendars (built-in, Google, Microsoft): tokens, push channels, sync. */
  calendars: Calendars;
  clients: HubSpotClientFactory;
  /** The per-portal HubSpot rate-limit windows in Redis (the clients take their slots). */
  limiter: SharedRateLimiter;
  tokens: PortalTokens;
  locks: CallerLocks;
  notifier: Notifier;
  /** Each portal's notification channels and every send to them (escalations, fallback, double bookings). */
  notifications: PortalNotifications;
  /** The one fetch for URLs from outside (vendors' recording links, admins' webhook URLs). */
  outbound: OutboundFetch;
  sync: SyncDeps;
  /** The process's micro-batches of HubSpot requests (the sync's and the Meeting worker's). */
  batches: HubSpotBatches;
  close(): Promise<void>;
}

export function createRuntime(env: Env, options: { prefix?: string; dbPoolSize?: number } = {}): Runtime {
  const prefix = options.prefix ?? env.REDIS_PREFIX;
  const db = createDb(env.DATABASE_URL, options.dbPoolSize ?? env.DATABASE_POOL_SIZE);
  const redis = producerConnection(env.REDIS_URL);
  redis.on("error", () => undefined); // reported through /readyz and ingest outcomes, not as crashes
  const workerRedis = workerConnection(env.REDIS_URL);
  workerRedis.on("error", () => undefined);
  const queue = createSyncQueue(redis, prefix);
  queue.on("error", () => undefined);
  const meetingQueue = new Queue<MeetingJobData>(MEETING_QUEUE, { connection: redis, prefix });
  meetingQueue.on("error", () => undefined);
  const calendarSyncQueue = new Queue<CalendarSyncJobData>(CALENDAR_SYNC_QUEUE, { connection: redis, prefix });
  calendarSyncQueue.on("error", () => undefined);
  // Limits and locks fail fast when Redis is down (a transient error), instead of hanging a request.
  const limiter = new SharedRateLimiter(redis, prefix);
  const clients = new HubSpotClientFactory({ basePath: env.HUBSPOT_API_BASE_URL, limiter, perTenSeconds: env.HUBSPOT_RATE_LIMIT_PER_10S, timeoutMs: env.HUBSPOT_TIMEOUT_MS });
  const tokens = new PortalTokens(db, clients, { clientId: env.HUBSPOT_CLIENT_ID, clientSecret: env.HUBSPOT_CLIENT_SECRET, encryptionKey: env.ENCRYPTION_KEY });
  const locks = new CallerLocks(redis, prefix, env.CALLER_LOCK_MS);
  const outbound = createOutboundFetch({ allowPrivateNetwork: env.ALLOW_PRIVATE_NETWORK_FETCH });
  const notifier = new Notifier({ smtpUrl: env.SMTP_URL, from: env.SMTP_FROM, outbound });
  const notifications = new PortalNotifications({
    db,
    encryptionKey: env.ENCRYPTION_KEY,
    notifier,
    operator: { slackWebhookUrl: env.FALLBACK_SLACK_WEBHOOK_URL, emailTo: env.FALLBACK_EMAIL_TO },
    allowPlainHttp: env.ALLOW_PRIVATE_NETWORK_FETCH,
  });
  const vendorRecordings = vendorRecordingSource(db, env.ENCRYPTION_KEY, { synthflow: env.SYNTHFLOW_API_BASE_URL });
  const sync: SyncDeps = {
    db,
    outbound,
    vendorRecordings,
    tokens,
    locks,
    dispositions: new DispositionCache(clients),
    defaultRegion: env.DEFAULT_PHONE_REGION,
    appId: env.HUBSPOT_APP_ID,
    request: (portalId, token, method, path, body) => clients.requestJson(portalId, token, method, path, body),
    batches: new HubSpotBatches({ windowMs: env.SYNC_BATCH_WINDOW_MS, maxSize: MAX_BATCH_INPUTS }, (portalId, kind) => clients.batchGate(portalId, kind)),
    notifications,
  };
  return {
    env, db, prefix, redis, workerRedis, queue, meetingQueue, calendarSyncQueue,
    calendars: new Calendars(
      db,
      env,
      { accessToken: (portalId) => tokens.accessToken(portalId), refresh: (portalId) => tokens.refresh(portalId), request: (portalId, token, method, path, body) => clients.requestJson(portalId, token, method, path, body) },
      (staffId) => queueCalendarSync(calendarSyncQueue, staffId),
    ),
    clients, limiter, tokens, locks, notifier, notifications, outbound, sync, batches: sync.batches,
    async close() {
      // With Redis unreachable BullMQ's close waits for a connection: do not let that block shutdown.
      await Promise.race([Promise.all([queue, meetingQueue, calendarSyncQueue].map((q) => (q as Queue).close().catch(() => undefined))), new Promise((resolve) => setTimeout(resolve, 1_000))]);
      redis.disconnect();
      workerRedis.disconnect();
      clients.close();
      await db.$disconnect();
    },
  };
}
