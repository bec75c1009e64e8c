import { Router } from "express";
import type { Queue } from "bullmq";
import type { Db } from "../../../db/client.js";
import type { SyncJobData } from "../../../queue/queues.js";
import { callForReplay, callLogQuerySchema, decodeCursor, listCallLog, quarantinedPayload } from "../../../calls/call-log.js";
import { callOverview, portalTimezone } from "../../../calls/call-overview.js";
import { replayFallback } from "../../../fallback/fallback.js";
import { describeIssues } from "../../../validation/issues.js";
import type { ApiError, CallLogPage, CallOverview, QuarantinedPayloadView, ReplayResponse } from "../../../../hubspot-app/app/shared/api.js";
import { audit, portalOf } from "./signed.js";

export interface CallLogRouteDeps {
  db: Db;
  queue: Queue<SyncJobData>;
  /** Attempts of a replayed call's new job (SYNC_MAX_ATTEMPTS). */
  maxAttempts: number;
}

/**
 * The Calls tab: the portal's calls and quarantined payloads (a page at a time, filtered), the
 * overview above them, one quarantined payload, and replaying a call of the fallback queue (a write:
 * super admins only, guard.ts). Every id is looked up within the signed portal: another portal's is 404.
 */
export function callLogRoutes(deps: CallLogRouteDeps): Router {
  const router = Router();

  router.get("/call-log", async (req, res) => {
    const portalId = portalOf(res);
    const query = callLogQuerySchema.safeParse(req.query);
    if (!query.success) return void res.status(400).json({ error: describeIssues(query.error.issues) } satisfies ApiError);
    const cursor = query.data.cursor ? decodeCursor(query.data.cursor) : null;
    if (query.data.cursor && !cursor) return void res.status(400).json({ error: "cursor is not one this log gave out; load the first page again" } satisfies ApiError);
    const timezone = query.data.from || query.data.to ? await portalTimezone(deps.db, portalId) : "UTC";
    res.json((await listCallLog(deps.db, portalId, { ...query.data, timezone }, cursor)) satisfies CallLogPage);
  });

  router.get("/call-log/overview", async (_req, res) => {
    res.json((await callOverview(deps.db, portalOf(res))) satisfies CallOverview);
  });

  router.get("/call-log/quarantined/:id", async (req, res) => {
    const payload = await quarantinedPayload(deps.db, portalOf(res), String(req.params.id));
    if (!payload) return void res.status(404).json({ error: "no such quarantined payload in this portal" } satisfies ApiError);
    res.json(payload satisfies QuarantinedPayloadView);
  });

  // The fallback queue's own replay (server/fallback/fallback.ts), reached from the call's row.
  router.post("/call-log/:callId/replay", async (req, res) => {
    const portalId = portalOf(res);
    const call = await callForReplay(deps.db, portalId, String(req.params.callId));
    if (!call) return void res.status(404).json({ error: "no such call in this portal" } satisfies ApiError);
    if (!call.fallbackId) return void res.status(409).json({ error: `This call is not in the fallback queue (it is ${call.status.replace("_", " ")}): there is nothing to replay.` } satisfies ApiError);
    const result = await replayFallback(deps.db, deps.queue, deps.maxAttempts, { id: call.fallbackId });
    await audit(res, { action: "fallback.replayed", target: call.fallbackId, details: { replayed: result.replayed.length } });
    res.json(result satisfies ReplayResponse);
  });
  return router;
}
