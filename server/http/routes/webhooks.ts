import express, { Router } from "express";
import type { Runtime } from "../../runtime.js";
import { ingestWebhook, type IngestOutcome } from "../../ingest/ingest.js";
import { webhookDuration, webhooksTotal } from "../../metrics/metrics.js";
import { logger } from "../../config/logger.js";
import { flatHeaders } from "../headers.js";
import { getVendor } from "../../vendors/registry.js";
import type { VendorId } from "../../calls/record.js";
import type { CallerContextService } from "../../context/caller-context.js";

const log = logger("http.webhooks");

/** The only place an ingest outcome becomes an HTTP status. A duplicate is a 200, not an error. */
type CallOutcome = Exclude<IngestOutcome, { kind: "inbound" }>;

export function statusFor(outcome: CallOutcome): number {
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

function bodyFor(outcome: CallOutcome): Record<string, unknown> {
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

export function webhookRoutes(rt: Runtime, context: CallerContextService): Router {
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
    if (outcome.kind === "inbound") {
      // A call about to start: the vendor waits for the caller's context (never stored as a call).
      const answered = await context.answerInbound(getVendor(outcome.connection.vendor as VendorId), outcome).catch((error: Error) => error);
      if (answered instanceof Error) {
        log.error({ portalId: outcome.connection.portalId, vendor, err: answered.message }, "inbound call not answered");
        webhooksTotal.inc({ vendor, outcome: "unavailable" });
        res.status(503).set("retry-after", "1").json({ error: "temporarily unavailable, retry" });
        return;
      }
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      webhooksTotal.inc({ vendor, outcome: "inbound" });
      webhookDuration.observe({ vendor }, ms / 1000);
      res.setHeader("server-timing", `app;dur=${ms.toFixed(1)}, hubspot;dur=${answered.hubspotMs.toFixed(1)}`);
      res.status(200).json(answered.reply);
      return;
    }
    webhooksTotal.inc({ vendor, outcome: outcome.kind });
    webhookDuration.observe({ vendor }, Number(process.hrtime.bigint() - started) / 1e9);
    res.status(statusFor(outcome)).json(bodyFor(outcome));
  });
  return router;
}
