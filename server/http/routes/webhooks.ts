import express, { Router } from "express";
import type { Runtime } from "../../runtime.js";
import { ingestWebhook, type IngestOutcome } from "../../ingest/ingest.js";
import { webhookDuration, webhooksTotal } from "../../metrics/metrics.js";
import { logger } from "../../config/logger.js";
import { flatHeaders } from "../headers.js";

const log = logger("http.webhooks");

/** The only place an ingest outcome becomes an HTTP status. A duplicate is a 200, not an error. */
export function statusFor(outcome: IngestOutcome): number {
  switch (outcome.kind) {
    case "accepted":
      return 202;
    case "duplicate":
    case "ignored":
    // Kept aside and said so: a retry of the same body would be quarantined again, so none is asked for.
    case "quarantined":
      return 200;
    case "unknown_connection":
      return 404;
    case "unauthorized":
      return 401;
    case "invalid":
      return 400;
    default: {
      const unreachable: never = outcome;
      throw new Error(`unhandled outcome ${JSON.stringify(unreachable)}`);
    }
  }
}

function bodyFor(outcome: IngestOutcome): Record<string, unknown> {
  switch (outcome.kind) {
    case "accepted":
      return { status: "accepted", callId: outcome.callId };
    case "duplicate":
      return { status: "duplicate", callId: outcome.callId };
    case "ignored":
      return { status: "ignored", reason: outcome.reason };
    case "unknown_connection":
      return { error: "unknown connection: check the webhook URL" };
    case "unauthorized":
      return { error: `signature rejected: ${outcome.reason}` };
    case "invalid":
      return { error: `payload rejected: ${outcome.reason}` };
    case "quarantined":
      return { status: "quarantined", callId: outcome.callId, reason: outcome.reason };
    default: {
      const unreachable: never = outcome;
      throw new Error(`unhandled outcome ${JSON.stringify(unreachable)}`);
    }
  }
}

export function webhookRoutes(rt: Runtime): Router {
  const router = Router();
  // The raw bytes are what vendors sign: never re-serialise before verifying.
  router.post("/webhooks/:token", express.raw({ type: () => true, limit: rt.env.MAX_WEBHOOK_BYTES }), async (req, res) => {
    const started = process.hrtime.bigint();
    const headers = flatHeaders(req.headers);
    let outcome: IngestOutcome & { vendor?: string };
    try {
      outcome = await ingestWebhook(
        { db: rt.db, queue: rt.queue, encryptionKey: rt.env.ENCRYPTION_KEY, maxAttempts: rt.env.SYNC_MAX_ATTEMPTS },
        { token: String(req.params.token), rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), headers, now: Date.now() },
      );
    } catch (error) {
      // PostgreSQL unreachable (or any failure before the row is stored): the vendor must retry.
      log.error({ err: (error as Error).message }, "webhook could not be stored");
      webhooksTotal.inc({ vendor: "unknown", outcome: "unavailable" });
      res.status(503).set("retry-after", "30").json({ error: "temporarily unavailable, retry later" });
      return;
    }
    const vendor = outcome.vendor ?? "unknown";
    webhooksTotal.inc({ vendor, outcome: outcome.kind });
    webhookDuration.observe({ vendor }, Number(process.hrtime.bigint() - started) / 1e9);
    res.status(statusFor(outcome)).json(bodyFor(outcome));
  });
  return router;
}
