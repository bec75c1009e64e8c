import { Router } from "express";
import { z } from "zod";
import type { Db } from "../../../db/client.js";
import type { HubSpotClient } from "../../../hubspot/client.js";
import { createFieldProperty, listContactProperties } from "../../../hubspot/properties.js";
import { mappingRules, saveMapping } from "../../../mapping/settings.js";
import type { ApiError, MappingRefusal, MappingResponse, MappingSaved, PropertiesResponse, PropertyCreated } from "../../../../hubspot-app/app/shared/api.js";
import { audit, portalOf } from "./signed.js";

export interface MappingRouteDeps {
  db: Db;
  /** A HubSpot client for the portal (token refreshed as needed). */
  hubspot(portalId: string): Promise<HubSpotClient>;
}

const mappingUpdateSchema = z.object({
  rules: z
    .array(
      z.object({
        field: z.string().min(1),
        property: z.string().regex(/^[a-z][a-z0-9_]*$/, "property names are lower case letters, digits and underscores"),
        policy: z.enum(["overwrite", "fill_if_empty"]),
        enabled: z.boolean().default(true),
      }),
    )
    .min(1),
});

/** The mapping tab: the portal's contact properties, the rules, and the properties the app creates. */
export function mappingRoutes(deps: MappingRouteDeps): Router {
  const router = Router();
  const portalProperties = async (portalId: string) => listContactProperties(await deps.hubspot(portalId));

  router.get("/properties", async (_req, res) => {
    res.json({ properties: await portalProperties(portalOf(res)) } satisfies PropertiesResponse);
  });

  router.get("/mapping", async (_req, res) => {
    res.json({ rules: await mappingRules(deps.db, portalOf(res)) } satisfies MappingResponse);
  });

  router.put("/mapping", async (req, res) => {
    const portalId = portalOf(res);
    const parsed = mappingUpdateSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") } satisfies ApiError);
      return;
    }
    const saved = await saveMapping(deps.db, portalId, parsed.data.rules, () => portalProperties(portalId));
    if (saved.kind === "refused") {
      res.status(422).json({ error: "Some fields cannot be mapped as asked; nothing was saved.", problems: saved.problems } satisfies MappingRefusal);
      return;
    }
    await audit(res, { action: "mapping.saved", details: { changed: saved.changed } });
    res.json({ saved: parsed.data.rules.length } satisfies MappingSaved);
  });

  router.post("/properties", async (req, res) => {
    const portalId = portalOf(res);
    const field = z.object({ field: z.string().min(1) }).safeParse(req.body);
    if (!field.success) {
      res.status(400).json({ error: "field is required" } satisfies ApiError);
      return;
    }
    const created = await createFieldProperty(deps.db, () => deps.hubspot(portalId), portalId, field.data.field);
    if (created.kind === "built_in") {
      res.status(400).json({ error: `${field.data.field} maps to a built-in HubSpot property; nothing to create` } satisfies ApiError);
      return;
    }
    await audit(res, { action: "property.created", target: created.name, details: { field: field.data.field } });
    res.status(201).json({ created: created.name } satisfies PropertyCreated);
  });
  return router;
}
