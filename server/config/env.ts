import { z } from "zod";

// One schema for the whole environment, checked at boot. A bad value fails with a single message that
// names every bad variable, so an operator fixes them all in one go.
const base64Key32 = z.string().refine((v) => Buffer.from(v, "base64").length === 32, {
  message: "must be 32 bytes, base64-encoded (openssl rand -base64 32)",
});

/**
 * Express's "trust proxy": off unless set. A number is how many proxies stand in front (the usual
 * answer behind one load balancer: 1); otherwise a comma-separated list of addresses, CIDRs or
 * express's names (loopback, linklocal, uniquelocal). "true" (believe every X-Forwarded-For) is refused.
 */
const trustProxy = z
  .string()
  .optional()
  .transform((v, ctx): false | number | string[] => {
    const value = (v ?? "").trim();
    if (value === "" || value === "false" || value === "0") return false;
    if (/^\d+$/.test(value)) return Number(value);
    const list = value.split(",").map((s) => s.trim());
    if (list.every((item) => /^(loopback|linklocal|uniquelocal|[0-9a-fA-F:.]+(\/\d{1,3})?)$/.test(item))) return list;
    ctx.addIssue({ code: "custom", message: "must be a number of proxies (e.g. 1), or addresses/CIDRs separated by commas; never true" });
    return z.NEVER;
  });
// z.coerce.boolean() would read "false" as true; only the two words are accepted.
const booleanFlag = z.enum(["true", "false"]).transform((v) => v === "true");

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: z.string().url().refine((v) => v.startsWith("postgres"), "must be a postgresql:// URL"),
  REDIS_URL: z.string().url().refine((v) => v.startsWith("redis"), "must be a redis:// URL"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_BASE_URL: z.string().url(),
  HUBSPOT_CLIENT_ID: z.string().min(1),
  HUBSPOT_CLIENT_SECRET: z.string().min(1), // secret
  /** The app's id in HubSpot (developer account, app settings): webhook events must carry it. */
  HUBSPOT_APP_ID: z.string().regex(/^\d+$/, "must be the numeric app id from the HubSpot app's settings"),
  /**
   * The developer account's API key, for app-level settings only (HubSpot's calling-extensions
   * recording URL: `hubspot recording-settings`); never used for a portal. Optional: without it the
   * command refuses and /readyz warns that HubSpot's player cannot fetch recordings. `cli workflows
   * register` uses it too, for the workflow action (HubSpot's automation actions API is app-level).
   */
  HUBSPOT_DEVELOPER_API_KEY: z.string().min(8).optional(), // secret
  HUBSPOT_API_BASE_URL: z.string().url().default("https://api.hubapi.com"),
  HUBSPOT_AUTH_BASE_URL: z.string().url().default("https://app.hubspot.com"),
  ENCRYPTION_KEY: base64Key32, // secret
  DEFAULT_PHONE_REGION: z.string().length(2).toUpperCase().default("US"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Requests per 10 s per portal this app allows itself (HubSpot's limit is about 100, shared with other apps). */
  HUBSPOT_RATE_LIMIT_PER_10S: z.coerce.number().int().positive().default(80),
  /** A HubSpot request with no answer for this long is abandoned (and retried as a transient failure). */
  HUBSPOT_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  /** The longest the one HubSpot read of a caller-context answer may take (Vapi drops an assistant-request after 7.5 s, Retell after 10 s). */
  CALLER_CONTEXT_DEADLINE_MS: z.coerce.number().int().min(50).max(5_000).default(1_500),
  /** Attempts for one sync job before the call lands in the fallback queue. */
  SYNC_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(8),
  /** Base delay of the exponential backoff, in ms (doubles per attempt, with jitter). */
  SYNC_BACKOFF_MS: z.coerce.number().int().min(1).default(2000),
  /**
   * Namespace of every Redis key (queues, locks, rate limits): several deployments can share a Redis.
   * On Redis Cluster, a hash tag (`{aira}`) puts every key the app builds in one slot, as BullMQ's
   * multi-key scripts and our multi-key deletes need (docs/scaling.md).
   */
  REDIS_PREFIX: z
    .string()
    .regex(/^(\{[A-Za-z0-9_-]+\}[A-Za-z0-9_-]*|[A-Za-z0-9_-]+)$/, "must be letters, digits, _ and -, optionally starting with a Redis Cluster hash tag such as {aira}")
    .default("aira"),
  /** How long a worker's claim on a job lasts without renewal: a killed worker's job is retried after it. */
  WORKER_LOCK_MS: z.coerce.number().int().min(500).default(30_000),
  /** How long a caller's lock (one sync per caller at a time, server/contacts/caller-lock.ts) lasts without renewal. */
  CALLER_LOCK_MS: z.coerce.number().int().min(500).default(30_000),
  /** Sync jobs one worker process runs at once: enough for full micro-batches (server/hubspot/batch.ts). */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(150),
  /** Of those, the most one portal may hold: a portal's burst leaves the rest to the other portals. */
  WORKER_PORTAL_SLOTS: z.coerce.number().int().min(1).max(1000).default(100),
  /** How long the first HubSpot request of a micro-batch waits for others of its portal, in ms. */
  SYNC_BATCH_WINDOW_MS: z.coerce.number().int().min(0).max(2_000).default(150),
  /** PostgreSQL connections per process (the pg pool Prisma and sql() share); behind PgBouncer, its per-process share. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(20),
  /**
   * Where a worker process serves /healthz, /readyz and /metrics (its own counters: sync jobs, sync
   * latency, HubSpot requests). Unset: a worker listens on nothing. Web processes serve them on PORT.
   */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  MAX_WEBHOOK_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
  OUTBOX_SWEEP_MS: z.coerce.number().int().min(100).default(15_000),
  /** Optional SMTP relay for fallback e-mails (host:port); Slack-compatible webhooks need nothing. */
  SMTP_URL: z.string().url().optional(),
  SMTP_FROM: z.string().default("ai-receptionist@localhost"),
  FALLBACK_SLACK_WEBHOOK_URL: z.string().url().optional(),
  FALLBACK_EMAIL_TO: z.string().email().optional(),
  /** Staff calendars on Google (OAuth client of a Google Cloud project with the Calendar API). */
  GOOGLE_CLIENT_ID: z.string().min(1).optional(),
  GOOGLE_CLIENT_SECRET: z.string().min(1).optional(), // secret
  GOOGLE_API_BASE_URL: z.string().url().default("https://www.googleapis.com"),
  GOOGLE_AUTH_BASE_URL: z.string().url().default("https://accounts.google.com"),
  GOOGLE_TOKEN_URL: z.string().url().default("https://oauth2.googleapis.com/token"),
  /** Staff calendars on Microsoft 365 / Outlook (an Entra app registration, delegated Calendars.ReadWrite). */
  MICROSOFT_CLIENT_ID: z.string().min(1).optional(),
  MICROSOFT_CLIENT_SECRET: z.string().min(1).optional(), // secret
  MICROSOFT_GRAPH_BASE_URL: z.string().url().default("https://graph.microsoft.com"),
  MICROSOFT_AUTH_BASE_URL: z.string().url().default("https://login.microsoftonline.com/common"),
  /** Defaults to {MICROSOFT_AUTH_BASE_URL}/oauth2/v2.0/token. */
  MICROSOFT_TOKEN_URL: z.string().url().optional(),

  ACUITY_CLIENT_ID: z.string().min(1).optional(),
  ACUITY_CLIENT_SECRET: z.string().min(1).optional(), // secret
  ACUITY_API_BASE_URL: z.string().url().default("https://acuityscheduling.com/api/v1"),
  /** Where /oauth2/authorize and /oauth2/token live. */
  ACUITY_AUTH_BASE_URL: z.string().url().default("https://acuityscheduling.com"),

  /** Staff calendars on Calendly (an OAuth app at developer.calendly.com). */
  CALENDLY_CLIENT_ID: z.string().min(1).optional(),
  CALENDLY_CLIENT_SECRET: z.string().min(1).optional(), // secret
  CALENDLY_API_BASE_URL: z.string().url().default("https://api.calendly.com"),
  /** Where /oauth/authorize and /oauth/token live. */
  CALENDLY_AUTH_BASE_URL: z.string().url().default("https://auth.calendly.com"),
  /** The vendors' APIs: call creation (the workflow action) and agent / assistant configuration (vendor setup). */
  RETELL_API_BASE_URL: z.string().url().default("https://api.retellai.com"),
  VAPI_API_BASE_URL: z.string().url().default("https://api.vapi.ai"),
  BLAND_API_BASE_URL: z.string().url().default("https://api.bland.ai"),
  /** Synthflow's Platform API (with /v2): a fresh recording link when the webhook's has expired. */
  SYNTHFLOW_API_BASE_URL: z.string().url().default("https://api.synthflow.ai/v2"),
  /** A vendor that has not answered the call-creation request by then is asked again on HubSpot's retry. */
  OUTBOUND_DIAL_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Per request to a vendor's configuration API (vendor setup on the settings page, undo after uninstall). */
  VENDOR_SETUP_TIMEOUT_MS: z.coerce.number().int().min(100).default(8_000),
  /** First wait before an undo owed after uninstall is tried again (doubling, at most an hour). */
  VENDOR_UNDO_BACKOFF_MS: z.coerce.number().int().min(10).default(30_000),
  /** Which proxies may set X-Forwarded-*; see trustProxy above. Default: none. */
  TRUST_PROXY: trustProxy,
  /** Bearer token Prometheus sends to scrape /metrics; without it /metrics is off (404). */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(), // secret
  /** Days a live tool's remembered answer (its idempotency record) is kept. */
  TOOL_INVOCATION_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** Days a quarantined payload (signed but unreadable) is kept for ops to look at. */
  QUARANTINE_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** Where Google and Microsoft post calendar change notifications; defaults to PUBLIC_BASE_URL. */
  CALENDAR_PUSH_BASE_URL: z.string().url().optional(),
  /**
   * Outside URLs (vendors' recording links, notification webhooks) may point at loopback and private
   * addresses, over plain http too: for tests and local simulators only, never in production.
   */
  ALLOW_PRIVATE_NETWORK_FETCH: booleanFlag.default(false),
});

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {}

export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  throw new EnvError(`Invalid environment, fix these variables:\n${lines.join("\n")}`);
}

/** Loads `.env` from the working directory when there is one (never overrides the real environment). */
export function loadDotEnv(path = ".env"): void {
  try {
    process.loadEnvFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

let cached: Env | undefined;
export function env(): Env {
  cached ??= parseEnv();
  return cached;
}
/** Tests and the demo build their environment before the first call; this resets the cache. */
export function setEnv(next: Env): void {
  cached = next;
}
