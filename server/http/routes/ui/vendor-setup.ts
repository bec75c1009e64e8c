import { Router, type Response } from "express";
import { z } from "zod";
import { describeIssues } from "../../../validation/issues.js";
import { applySetup, describeVendorError, listTargets, saveVendorApiKey, setupView, undoSetup, type SetupOutcome, type VendorSetupDeps } from "../../../vendor-setup/setup.js";
import type { ApiError, VendorApiKeySaved, VendorApplyResponse, VendorSetupResponse, VendorTargetsResponse, VendorUndoResponse } from "../../../../hubspot-app/app/shared/api.js";
import { audit, portalOf } from "./signed.js";

// The vendor setup on the connections tab (docs/vendor-setup.md): a connection's agents or assistants,
// the Vapi API key, applying our webhook URL and live tools to the chosen ones, and undoing it. Every
// connection id is looked up within the signed portal; writes pass the super-admin guard (guard.ts).

const apiKeySchema = z.object({ apiKey: z.string().trim().min(8, "the API key must be at least 8 characters") });
const applySchema = z.object({ targetIds: z.array(z.string().min(1).max(200)).min(1, "pick at least one").max(20, "at most 20 at a time") });
const undoSchema = z.object({ targetId: z.string().min(1).max(200) });

/** The only place a setup outcome that is not ok becomes a status and body. */
function refuse(res: Response, outcome: Exclude<SetupOutcome<unknown>, { kind: "ok" }>, connectionId: string): void {
  switch (outcome.kind) {
    case "unknown_connection":
      return void res.status(404).json({ error: `no connection ${connectionId} in this portal` } satisfies ApiError);
    case "unsupported":
    case "needs_api_key":
      return void res.status(409).json({ error: outcome.reason } satisfies ApiError);
    case "vendor_error":
      // vendorRefusal answers these with the vendor's name; the status says whether to retry.
      return void res.status(outcome.error.code === "unavailable" ? 503 : 502).json({ error: outcome.error.reason, vendorError: outcome.error.code } satisfies ApiError);
    default: {
      const unreachable: never = outcome;
      throw new Error(`unhandled outcome ${JSON.stringify(unreachable)}`);
    }
  }
}

export function vendorSetupRoutes(deps: VendorSetupDeps): Router {
  const router = Router();
  const connectionId = (req: { params: Record<string, string> }) => String(req.params.id);
  const vendorRefusal = async (res: Response, id: string, outcome: Exclude<SetupOutcome<unknown>, { kind: "ok" }>) => {
    if (outcome.kind === "vendor_error") {
      const vendor = (await deps.db.connection.findFirst({ where: { id, portalId: portalOf(res) }, select: { vendor: true } }))!.vendor;
      return void res.status(outcome.error.code === "unavailable" ? 503 : 502).json({ error: describeVendorError(vendor, outcome.error), vendorError: outcome.error.code } satisfies ApiError);
    }
    refuse(res, outcome, id);
  };

  router.get("/connections/:id/setup", async (req, res) => {
    const view = await setupView(deps, portalOf(res), connectionId(req));
    if (!view) return void refuse(res, { kind: "unknown_connection" }, connectionId(req));
    res.json(view satisfies VendorSetupResponse);
  });

  router.get("/connections/:id/setup/targets", async (req, res) => {
    const cursor = typeof req.query.cursor === "string" && req.query.cursor ? req.query.cursor : null;
    const outcome = await listTargets(deps, portalOf(res), connectionId(req), cursor);
    if (outcome.kind !== "ok") return void (await vendorRefusal(res, connectionId(req), outcome));
    res.json({ targets: outcome.targets, next: outcome.next } satisfies VendorTargetsResponse);
  });

  router.put("/connections/:id/setup/api-key", async (req, res) => {
    const parsed = apiKeySchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: describeIssues(parsed.error.issues) } satisfies ApiError);
    const outcome = await saveVendorApiKey(deps, portalOf(res), connectionId(req), parsed.data.apiKey);
    if (outcome.kind !== "ok") return void refuse(res, outcome, connectionId(req));
    await audit(res, { action: "vendor.api_key_set", target: connectionId(req), details: { vendor: outcome.vendor } });
    res.json({ saved: true } satisfies VendorApiKeySaved);
  });

  router.post("/connections/:id/setup/apply", async (req, res) => {
    const parsed = applySchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: describeIssues(parsed.error.issues) } satisfies ApiError);
    const { actor } = res.locals as { actor: { email: string } };
    const outcome = await applySetup(deps, portalOf(res), connectionId(req), [...new Set(parsed.data.targetIds)], actor.email);
    if (outcome.kind !== "ok") return void (await vendorRefusal(res, connectionId(req), outcome));
    const changed = outcome.results.filter((r) => r.changes.length);
    if (changed.length) await audit(res, { action: "vendor.setup_applied", target: connectionId(req), details: { vendor: outcome.vendor, targets: changed.map((r) => r.name), changes: changed.reduce((n, r) => n + r.changes.length, 0) } });
    res.json({ results: outcome.results } satisfies VendorApplyResponse);
  });

  router.post("/connections/:id/setup/undo", async (req, res) => {
    const parsed = undoSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: describeIssues(parsed.error.issues) } satisfies ApiError);
    const outcome = await undoSetup(deps, portalOf(res), connectionId(req), parsed.data.targetId);
    if (outcome.kind !== "ok") return void (await vendorRefusal(res, connectionId(req), outcome));
    if (outcome.restored.length || outcome.conflicts.length) await audit(res, { action: "vendor.setup_undone", target: connectionId(req), details: { vendor: outcome.vendor, targetId: parsed.data.targetId, restored: outcome.restored.length, conflicts: outcome.conflicts.length } });
    res.json({ restored: outcome.restored, conflicts: outcome.conflicts } satisfies VendorUndoResponse);
  });
  return router;
}
