import { Router } from "express";
import type { Db } from "../../../db/client.js";
import { listAudit } from "../../../audit/audit.js";
import type { AuditPage } from "../../../../hubspot-app/app/shared/api.js";
import { portalOf } from "./signed.js";

/** The activity tab: the portal's audit log, newest first, a page at a time. */
export function auditRoutes(deps: { db: Db }): Router {
  const router = Router();
  router.get("/audit", async (req, res) => {
    const limit = Math.max(1, Math.min(Math.trunc(Number(req.query.limit ?? 20)) || 20, 100));
    const before = typeof req.query.before === "string" && req.query.before ? req.query.before : undefined;
    res.json((await listAudit(deps.db, portalOf(res), { limit, before })) satisfies AuditPage);
  });
  return router;
}
