import type { Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import type { HubSpotClient } from "../hubspot/client.js";
import type { HubSpotBatches } from "../hubspot/batch.js";
import { PermanentSyncError } from "../hubspot/errors.js";
import { HubSpotRequestError } from "../hubspot/call.js";
import { LEADS_WRITE_SCOPE } from "../hubspot/scopes.js";
import { noteLeadsSkipped } from "./settings.js";

// A HubSpot Lead (object 0-136) for a new caller, when the portal turns it on (off by default). HubSpot
// requires `hs_lead_name` and an association to an existing contact (leads guide; 578 is "lead to
// primary contact"). A portal whose install lacks the Leads permission, or whose HubSpot refuses the
// Lead (Leads not set up, no seat for the owner), is logged and skipped with the reason shown on the
// settings page: a Lead never fails the call. Transient failures throw, so the sync retries it.

const log = logger("routing");

export const LEAD_TO_PRIMARY_CONTACT = 578;

export interface LeadTarget {
  db: Db;
  batches: HubSpotBatches;
  client: HubSpotClient;
  portalId: string;
  token: string;
  scopes: readonly string[];
  callId: string;
  contactId: string;
  ownerId: string | null;
  callerName: string | null;
}

export type LeadOutcome = { kind: "created"; leadId: string } | { kind: "skipped"; reason: string };

export async function createLead(target: LeadTarget): Promise<LeadOutcome> {
  const { db, portalId, callId } = target;
  if (!target.scopes.includes(LEADS_WRITE_SCOPE)) return skip(target, `the app's install lacks the ${LEADS_WRITE_SCOPE} permission: a super admin can reconnect the app to grant it`);
  const properties: Record<string, string> = { hs_lead_name: `${target.callerName ?? "New caller"} (AI receptionist call)`.slice(0, 250) };
  if (target.ownerId) properties.hubspot_owner_id = target.ownerId;
  try {
    const leadId = await target.batches.create("leads", portalId, target.token, target.client, {
      properties,
      associations: [{ to: { id: target.contactId }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: LEAD_TO_PRIMARY_CONTACT }] }],
    });
    await db.call.update({ where: { id: callId }, data: { leadState: "created", hubspotLeadId: leadId } });
    await noteLeadsSkipped(db, portalId, null);
    return { kind: "created", leadId };
  } catch (error) {
    const refused = error instanceof PermanentSyncError || (error instanceof HubSpotRequestError && error.failure.kind !== "unauthorized");
    if (!refused) throw error;
    const failure = error.failure;
    const reason = failure?.kind === "missing_scope" ? `HubSpot refused the Lead for want of a permission (${LEADS_WRITE_SCOPE}): a super admin can reconnect the app to grant it` : `HubSpot refused the Lead: ${failure?.message ?? error.message}`;
    return skip(target, reason);
  }
}

async function skip(target: LeadTarget, reason: string): Promise<LeadOutcome> {
  log.warn({ portalId: target.portalId, callId: target.callId, reason }, "lead for a new caller skipped");
  await target.db.call.update({ where: { id: target.callId }, data: { leadState: "skipped" } });
  await noteLeadsSkipped(target.db, target.portalId, reason);
  return { kind: "skipped", reason };
}
