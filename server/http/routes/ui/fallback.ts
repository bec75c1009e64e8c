import { Router } from "express";
import type { Queue } from "bullmq";
import { z } from "zod";
import type { Db } from "../../../db/client.js";
import type { SyncJobData } from "../../../queue/queues.js";
import { fallbackEntryInPortal, listFallback, replayFallback } from "../../../fallback/fallback.js";
import type { ApiError, FallbackResponse, ReplayResponse } from "../../../../hubspot-app/app/shared/api.js";
import { audit, portalOf } from "./signed.js";

export interface FallbackRouteDeps {
  db: Db;
  queue: Queue<SyncJobData>;
  /** Attempts of a replayed call's new job (SYNC_MAX_ATTEMPTS). */
  maxAttempts: number;
}

/** The fallback tab: calls that could not be synced, and replaying one or all of them. */
export function fallbackRoutes(deps: FallbackRouteDeps): Router {
  const router = Router();

  router.get("/fallback", async (_req, res) => {
    res.json({ entries: await listFallback(deps.db, { portalId: portalOf(res) }) } satisfies FallbackResponse);
  });

  router.post("/fallback/replay", async (req, res) => {
    const portalId = portalOf(res);
    const body = z.object({ id: z.string().optional(), all: z.boolean().optional() }).safeParse(req.body);
    if (!body.success || !body.data.id === !body.data.all) {
      res.status(400).json({ error: "send either {id} or {all: true}" } satisfies ApiError);
      return;
    }
    if (body.data.id && !(await fallbackEntryInPortal(deps.db, portalId, body.data.id))) {
      res.status(404).json({ error: "no such fallback entry in this portal" } satisfies ApiError);
      return;
    }
    const result = await replayFallback(deps.db, deps.queue, deps.maxAttempts, body.data.id ? { id: body.data.id } : { all: true, portalId });
    await audit(res, { action: "fallback.replayed", target: body.data.id ?? null, details: { replayed: result.replayed.length } });
    res.json(result satisfies ReplayResponse);
  });
  return router;
}
