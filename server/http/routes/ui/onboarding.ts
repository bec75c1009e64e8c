import { Router } from "express";
import type { Db } from "../../../db/client.js";
import { onboardingChecklist } from "../../../onboarding/checklist.js";
import type { OnboardingResponse } from "../../../../hubspot-app/app/shared/api.js";
import { portalOf } from "./signed.js";

/** The checklist at the top of the settings page: each step of setting up, from the portal's own data. */
export function onboardingRoutes(deps: { db: Db; publicBaseUrl: string }): Router {
  const router = Router();
  router.get("/onboarding", async (_req, res) => {
    res.json((await onboardingChecklist(deps.db, portalOf(res), deps.publicBaseUrl)) satisfies OnboardingResponse);
  });
  return router;
}
