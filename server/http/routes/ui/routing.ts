import { Router } from "express";
import type { Db } from "../../../db/client.js";
import type { HubSpotClient } from "../../../hubspot/client.js";
import { listOwners } from "../../../hubspot/owners.js";
import { leadsSkipped, routingSettings, routingUpdateSchema, saveRoutingSettings } from "../../../routing/settings.js";
import { describeIssues } from "../../../validation/issues.js";
import type { ApiError, OwnerView, RoutingResponse, RoutingSaved } from "../../../../hubspot-app/app/shared/api.js";
import { audit, portalOf } from "./signed.js";

/** The Routing tab: the rule for shared numbers, who owns new callers (owners from HubSpot), Leads. */
export function routingRoutes(deps: { db: Db; hubspot(portalId: string): Promise<HubSpotClient> }): Router {
  const router = Router();

  router.get("/routing", async (_req, res) => {
    const portalId = portalOf(res);
    const [settings, skipped] = await Promise.all([routingSettings(deps.db, portalId), leadsSkipped(deps.db, portalId)]);
    let owners: OwnerView[] = [];
    let ownersError: string | null = null;
    try {
      owners = await listOwners(await deps.hubspot(portalId));
    } catch (error) {
      // The rules still show; only the owner pickers wait for HubSpot.
      ownersError = `HubSpot did not list the portal's users (${(error as Error).message}); try again in a minute.`;
    }
    res.json({ ...settings, owners, ownersError, leadsSkipped: skipped } satisfies RoutingResponse);
  });

  router.put("/routing", async (req, res) => {
    const parsed = routingUpdateSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: describeIssues(parsed.error.issues) } satisfies ApiError);
    const portalId = portalOf(res);
    const owners = new Set((await listOwners(await deps.hubspot(portalId))).map((o) => o.id));
    const saved = await saveRoutingSettings(deps.db, portalId, parsed.data, owners);
    if (saved.kind === "unknown_owner") return void res.status(400).json({ error: `${saved.ownerId} is not an owner in this portal: pick owners from the list` } satisfies ApiError);
    const named = new Set([...parsed.data.roundRobinOwnerIds, ...parsed.data.zipRoutes.map((r) => r.ownerId), ...parsed.data.intentRoutes.map((r) => r.ownerId)]);
    await audit(res, { action: "routing.settings_saved", details: { ambiguityRule: parsed.data.ambiguityRule, ownerRule: parsed.data.ownerRule, owners: named.size, createLeads: parsed.data.createLeads } });
    res.json({ saved: true } satisfies RoutingSaved);
  });
  return router;
}
