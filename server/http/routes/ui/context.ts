import { Router } from "express";
import type { Db } from "../../../db/client.js";
import { contextSettingsView, contextUpdateSchema, saveContextSettings } from "../../../context/settings.js";
import { describeIssues } from "../../../validation/issues.js";
import type { ApiError, CallerContextResponse, CallerContextSaved } from "../../../../hubspot-app/app/shared/api.js";
import { audit, portalOf } from "./signed.js";

/** The caller context tab: what the AI may be told about a known caller, and each Vapi connection's assistant. */
export function contextRoutes(deps: { db: Db }): Router {
  const router = Router();

  router.get("/caller-context", async (_req, res) => {
    res.json((await contextSettingsView(deps.db, portalOf(res))) satisfies CallerContextResponse);
  });

  router.put("/caller-context", async (req, res) => {
    const parsed = contextUpdateSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: describeIssues(parsed.error.issues) } satisfies ApiError);
    const saved = await saveContextSettings(deps.db, portalOf(res), parsed.data);
    if (saved.kind === "unknown_connection") return void res.status(404).json({ error: `no Vapi connection ${saved.connectionId} in this portal` } satisfies ApiError);
    await audit(res, { action: "context.settings_saved", details: { shared: saved.shared, vapiAssistants: Object.keys(parsed.data.vapiAssistants ?? {}).length } });
    res.json({ saved: true } satisfies CallerContextSaved);
  });
  return router;
}
