import { Router } from "express";
import type { Db } from "../../../db/client.js";
import { contactCalls } from "../../../calls/contact-calls.js";
import { installState } from "../../../hubspot/portals.js";
import type { CallsPage } from "../../../../hubspot-app/app/shared/api.js";
import { portalOf } from "./signed.js";

export interface CallRouteDeps {
  db: Db;
  /** The short-lived player link of a call's recording (server/recordings/links.ts). */
  recordingLink(callId: string): string;
}

/** The contact card: a contact's calls, newest first, a page at a time. */
export function callRoutes(deps: CallRouteDeps): Router {
  const router = Router();
  router.get("/contacts/:contactId/calls", async (req, res) => {
    const portalId = portalOf(res);
    const limit = Math.min(Number(req.query.limit ?? 5) || 5, 20);
    const before = typeof req.query.before === "string" ? new Date(req.query.before) : undefined;
    const { needsReconnect } = await installState(deps.db, portalId);
    const page = await contactCalls(deps.db, { portalId, contactId: String(req.params.contactId), limit, before, recordingLink: deps.recordingLink });
    res.json({ ...page, needsReconnect } satisfies CallsPage);
  });
  return router;
}
