import { Router } from "express";
import { z } from "zod";
import { previewCall, type PreviewDeps } from "../../../preview/preview.js";
import { describeIssues } from "../../../validation/issues.js";
import type { ApiError, CallPreview } from "../../../../hubspot-app/app/shared/api.js";
import { portalOf } from "./signed.js";

const previewSchema = z.strictObject({ vendor: z.string().min(1), payload: z.unknown().refine((value) => value !== undefined && value !== null, "paste the vendor's JSON payload") });

/** "Preview a call": what a sample payload would do in this portal; writes nothing to HubSpot. */
export function previewRoutes(deps: PreviewDeps): Router {
  const router = Router();
  router.post("/preview", async (req, res) => {
    const parsed = previewSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: describeIssues(parsed.error.issues) } satisfies ApiError);
    const outcome = await previewCall(deps, portalOf(res), parsed.data.vendor, parsed.data.payload);
    if (outcome.kind === "invalid") return void res.status(422).json({ error: outcome.reason } satisfies ApiError);
    res.json(outcome.preview satisfies CallPreview);
  });
  return router;
}
