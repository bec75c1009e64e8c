import { Router } from "express";
import type { Db } from "../../../db/client.js";
import { contactCalls } from "../../../calls/contact-calls.js";
import { installState } from "../../../hubspot/portals.js";
import type { HubSpotClient } from "../../../hubspot/client.js";
import { contactChoices } from "../../../contacts/choices.js";
import { moveCall, type MoveCallDeps } from "../../../contacts/move-call.js";
import type { ApiError, CallMoved, CallsPage, ContactSearchResponse } from "../../../../hubspot-app/app/shared/api.js";
import { portalOf, type SignedLocals } from "./signed.js";

export interface CallRouteDeps {
  db: Db;
  /** The short-lived player link of a call's recording (server/recordings/links.ts). */
  recordingLink(callId: string): string;
  hubspot(portalId: string): Promise<HubSpotClient>;
  locks: MoveCallDeps["locks"];
  defaultRegion: string;
}

/** The path of the one write every user of the portal may make (guard.ts): a rep fixing a call's contact. */
export const MOVE_CALL_PATH = /^\/calls\/[^/]+\/move$/;

/** The contact card: a contact's calls, newest first, a page at a time; moving a call to another contact. */
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

  router.get("/contacts/search", async (req, res) => {
    const query = typeof req.query.q === "string" ? req.query.q.trim() : "";
    if (query.length < 2 || query.length > 100) return void res.status(400).json({ error: "Search with 2 to 100 characters of a name, e-mail or phone number." } satisfies ApiError);
    const results = await contactChoices(await deps.hubspot(portalOf(res)), query);
    res.json({ results } satisfies ContactSearchResponse);
  });

  router.post("/calls/:callId/move", async (req, res) => {
    const toContactId = (req.body as { toContactId?: unknown }).toContactId;
    if (typeof toContactId !== "string" || !/^\d{1,20}$/.test(toContactId)) return void res.status(400).json({ error: "toContactId: the HubSpot id of the contact to move the call to" } satisfies ApiError);
    const { portalId, userId } = res.locals as SignedLocals;
    if (!userId) return void res.status(403).json({ error: "Only a signed-in HubSpot user can move a call." } satisfies ApiError);
    const callId = String(req.params.callId);
    const outcome = await moveCall(deps, { portalId, callId, toContactId, userId });
    switch (outcome.kind) {
      case "moved":
        return void res.json({ moved: true, callId, fromContactId: outcome.fromContactId, toContactId: outcome.toContactId } satisfies CallMoved);
      case "call_not_found":
        return void res.status(404).json({ error: "No such call in this portal." } satisfies ApiError);
      case "contact_not_found":
        return void res.status(404).json({ error: `No contact ${toContactId} in this portal.` } satisfies ApiError);
      case "not_in_hubspot_yet":
        return void res.status(409).json({ error: "This call is not in HubSpot yet; try again once it has synced." } satisfies ApiError);
      case "same_contact":
        return void res.status(400).json({ error: "The call is already on this contact." } satisfies ApiError);
      default: {
        const unreachable: never = outcome;
        throw new Error(`unhandled move outcome ${JSON.stringify(unreachable)}`);
      }
    }
  });
  return router;
}
