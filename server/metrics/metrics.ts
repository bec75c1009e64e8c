import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

// Prometheus metrics of this process. Counters and histograms are per process (scrape every web and
// worker); queue depth and fallback size are read from Redis and PostgreSQL at scrape time, so any
// one process reports them for the whole deployment.
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const webhooksTotal = new Counter({
  name: "aira_webhooks_total",
  help: "Vendor webhook deliveries by vendor and outcome",
  labelNames: ["vendor", "outcome"] as const,
  registers: [registry],
});

export const webhookDuration = new Histogram({
  name: "aira_webhook_duration_seconds",
  help: "Time from request to response for vendor webhooks",
  labelNames: ["vendor"] as const,
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  registers: [registry],
});

export const toolDuration = new Histogram({
  name: "aira_booking_tool_duration_seconds",
  help: "Time from request to answer for the live booking tools, by tool (the caller is waiting)",
  labelNames: ["tool"] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.3, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const syncLatency = new Histogram({
  name: "aira_sync_latency_seconds",
  help: "Time from a call event being accepted to it being in HubSpot",
  buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
  registers: [registry],
});

export const syncOutcomes = new Counter({
  name: "aira_sync_jobs_total",
  help: "Sync job results",
  labelNames: ["outcome"] as const,
  registers: [registry],
});

export const hubspotRequests = new Counter({
  name: "aira_hubspot_requests_total",
  help: "HubSpot API requests by status code (0 = no response)",
  labelNames: ["status"] as const,
  registers: [registry],
});

export const rateLimitWait = new Counter({
  name: "aira_hubspot_rate_limit_wait_seconds_total",
  help: "Time this process's HubSpot requests spent waiting for a slot in their portal's shared rate-limit window",
  registers: [registry],
});

export const queueDepth = new Gauge({
  name: "aira_queue_depth",
  help: "Jobs by queue (call-sync, meeting-sync, calendar-sync) and state",
  labelNames: ["queue", "state"] as const,
  registers: [registry],
});

export const fallbackSize = new Gauge({
  name: "aira_fallback_queue_size",
  help: "Unresolved fallback queue entries",
  registers: [registry],
});

export const holdRetries = new Counter({
  name: "aira_booking_hold_retries_total",
  help: "Callers a hold placement could not serve in one round (a slot chosen for them was taken first, or another process took more than was read ahead): each waits for one more placement",
  registers: [registry],
});
