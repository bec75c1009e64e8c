import type { Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import type { CallRecord } from "../calls/record.js";
import type { HubSpotClient } from "../hubspot/client.js";
import { hubspotCall, HubSpotRequestError } from "../hubspot/call.js";
import { AssociationSpecAssociationCategoryEnum } from "@hubspot/api-client/lib/codegen/crm/associations/v4/index.js";
import type { CallerLocks } from "./caller-lock.js";
import { callerIdentity } from "./identity.js";
import { ContactIndexStore } from "./index-store.js";
import { indexKeys } from "./resolve.js";

// "Not Dana? Move this call": a rep moves a call to another contact from the contact card. The
// HubSpot Call's association moves (v4: the new one added first, then the old one removed, so a
// failure in between leaves the Call on both contacts rather than on none), the escalation task with
// it, our row follows, and the index learns: the caller's number and e-mail now name the new contact,
// so the caller's later calls land there. Under the caller lock, so a sync of the same caller cannot
// write the old contact back while the move runs.

const log = logger("contacts");

/** HubSpot-defined association type ids (shared/reference/hubspot.md): call and task to contact. */
const CALL_TO_CONTACT = 194;
const TASK_TO_CONTACT = 204;

export interface MoveCallDeps {
  db: Db;
  locks: CallerLocks;
  hubspot(portalId: string): Promise<HubSpotClient>;
  defaultRegion: string;
}

export interface MoveCallRequest {
  portalId: string;
  callId: string;
  toContactId: string;
  userId: string;
}

export type MoveOutcome =
  | { kind: "moved"; fromContactId: string; toContactId: string }
  | { kind: "call_not_found" }
  | { kind: "not_in_hubspot_yet" }
  | { kind: "same_contact" }
  | { kind: "contact_not_found" };

export async function moveCall(deps: MoveCallDeps, request: MoveCallRequest): Promise<MoveOutcome> {
  const { db, portalId, callId } = { db: deps.db, ...request };
  // Another portal's call is as unknown here as one that does not exist.
  const first = await db.call.findFirst({ where: { id: callId, portalId }, select: { callerKey: true } });
  if (!first) return { kind: "call_not_found" };
  return deps.locks.withLock(`${portalId}:${first.callerKey ?? callId}`, async () => {
    const call = await db.call.findFirstOrThrow({ where: { id: callId, portalId } });
    if (!call.hubspotCallId || !call.hubspotContactId) return { kind: "not_in_hubspot_yet" };
    const client = await deps.hubspot(portalId);
    // 1. The contact must exist in this portal (a merged one answers under its primary's id).
    let toContactId: string;
    try {
      toContactId = (await hubspotCall(() => client.crm.contacts.basicApi.getById(request.toContactId, ["firstname"]))).id;
    } catch (error) {
      if (error instanceof HubSpotRequestError && error.failure.kind === "not_found") return { kind: "contact_not_found" };
      throw error;
    }
    const fromContactId = call.hubspotContactId;
    if (toContactId === fromContactId) return { kind: "same_contact" };
    // 2. HubSpot: the Call, and the escalation task if it has one.
    const moves: [string, string, number][] = [["calls", call.hubspotCallId, CALL_TO_CONTACT]];
    if (call.hubspotFollowUpId) moves.push(["tasks", call.hubspotFollowUpId, TASK_TO_CONTACT]);
    for (const [type, id, typeId] of moves) {
      const v4 = client.crm.associations.v4.basicApi;
      await hubspotCall(() => v4.create(type, id, "contacts", toContactId, [{ associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined, associationTypeId: typeId }]));
      await hubspotCall(() => v4.archive(type, id, "contacts", fromContactId));
    }
    // 3. Our row, then the index.
    await db.call.update({ where: { id: callId }, data: { hubspotContactId: toContactId, movedAt: new Date(), movedFromContactId: fromContactId, movedByUserId: request.userId, needsReview: false } });
    const portal = await db.portal.findUniqueOrThrow({ where: { id: portalId }, select: { defaultRegion: true } });
    const keys = indexKeys(callerIdentity(call.record as unknown as CallRecord, portal.defaultRegion || deps.defaultRegion));
    await new ContactIndexStore(db).rebind(portalId, toContactId, keys);
    log.info({ portalId, callId, fromContactId, toContactId }, "call moved to another contact from the card");
    return { kind: "moved", fromContactId, toContactId };
  });
}
