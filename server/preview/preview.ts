import type { Db } from "../db/client.js";
import type { HubSpotClient } from "../hubspot/client.js";
import { hubspotCall } from "../hubspot/call.js";
import { callRecordSchema, VENDOR_IDS, type CallRecord, type VendorId } from "../calls/record.js";
import { getVendor } from "../vendors/registry.js";
import { callerIdentity, type CallerIdentity } from "../contacts/identity.js";
import { indexKeys, mappedProperties, searchCaller } from "../contacts/resolve.js";
import type { HubSpotBatches } from "../hubspot/batch.js";
import { routingSettings } from "../routing/settings.js";
import { fieldValues } from "../mapping/fields.js";
import { contactPatch, loadMapping, type Mapping } from "../mapping/store.js";
import { callProperties } from "../sync/call-activity.js";
import { describeIssues } from "../validation/issues.js";
import type { CallPreview, PreviewMatch, PreviewPropertyChange } from "../../hubspot-app/app/shared/api.js";

// "Preview a call" on the settings page: what a vendor's payload would do in this portal, with nothing
// written to HubSpot (and no call stored): which contact it would land on and why, the contact
// property changes with their policies, and the Call that would be logged. The match is looked up as
// the sync does it, with the sync's own code (the app's index first, then HubSpot's search by phone,
// email, name + zip, a shared number decided by the portal's rule); every request is a read.

export type PreviewOutcome = { kind: "preview"; preview: CallPreview } | { kind: "invalid"; reason: string };

export interface PreviewDeps {
  db: Db;
  hubspot(portalId: string): Promise<HubSpotClient>;
  accessToken(portalId: string): Promise<string>;
  /** The process's micro-batches: the search is the sync's own (read-only). */
  batches: HubSpotBatches;
  appId: string;
  defaultRegion: string;
}

export async function previewCall(deps: PreviewDeps, portalId: string, vendor: string, payload: unknown): Promise<PreviewOutcome> {
  if (!(VENDOR_IDS as readonly string[]).includes(vendor)) return { kind: "invalid", reason: `vendor: must be one of ${VENDOR_IDS.join(", ")}` };
  // 1. The vendor's own shape, read as ingest reads it.
  const parsed = getVendor(vendor as VendorId).parse(payload);
  if (parsed.kind === "invalid") return { kind: "invalid", reason: `not a ${vendor} payload we can read: ${parsed.reason}` };
  if (parsed.kind === "ignored") return { kind: "invalid", reason: `this ${vendor} event is acknowledged and ignored (${parsed.reason}): nothing would be logged. Paste the post-call event.` };
  if (parsed.kind === "inbound") return { kind: "invalid", reason: `this is ${vendor}'s inbound-call request (answered with the caller's context, never logged). Paste the post-call event.` };
  const checked = callRecordSchema.safeParse(parsed.record);
  if (!checked.success) return { kind: "invalid", reason: `the call would be quarantined: ${describeIssues(checked.error.issues)}` };
  const record: CallRecord = checked.data;

  const portal = await deps.db.portal.findUnique({ where: { id: portalId }, select: { defaultRegion: true } });
  const region = portal?.defaultRegion || deps.defaultRegion;
  const caller = callerIdentity(record, region);
  const mapping = await loadMapping(deps.db, portalId);

  // 2. The contact, and the properties HubSpot has on it (for fill-if-empty).
  const match = await findMatch(deps, portalId, caller, mapping, region);
  const values = fieldValues(record, caller.phone, caller.email);
  const filled = match.contact ? new Set(Object.entries(match.contact.properties).filter(([, v]) => v !== null && v !== "").map(([k]) => k)) : null;
  const { properties } = contactPatch(values, mapping, filled);
  const changes = propertyChanges(mapping, values, properties, match.contact?.properties ?? null);

  // 3. The Call, as the sync would write it (the disposition is resolved to HubSpot's id at sync time).
  const call = callProperties(record, { dispositionId: null, externalId: "(the stored call's id)", portalId, appId: deps.appId });
  return {
    kind: "preview",
    preview: {
      vendor,
      caller: { phone: caller.phone?.e164 ?? null, email: caller.email, name: [caller.firstName, caller.lastName].filter(Boolean).join(" ") || null, zip: caller.zip ?? null },
      match: match.view,
      contactChanges: changes,
      call: Object.entries(call).map(([property, value]) => ({ property, value })),
      escalation: record.escalation ? `an escalation task: ${record.escalation.reason}` : null,
    },
  };
}

interface FoundContact {
  id: string;
  properties: Record<string, string | null>;
}

const HOW: Record<NonNullable<PreviewMatch["by"]>, string> = {
  phone: "a contact in HubSpot has this phone number",
  email: "a contact in HubSpot has this e-mail address",
  name_zip: "a contact in HubSpot has this first name, last name and zip",
};

/** The app's index first, then the sync's own HubSpot search (contacts/resolve.ts) with the portal's rule for a shared number. */
async function findMatch(deps: PreviewDeps, portalId: string, caller: CallerIdentity, mapping: Mapping, defaultRegion: string): Promise<{ view: PreviewMatch; contact: FoundContact | null }> {
  const [client, token, routing] = await Promise.all([deps.hubspot(portalId), deps.accessToken(portalId), routingSettings(deps.db, portalId)]);
  for (const key of indexKeys(caller)) {
    const row = await deps.db.contactIndex.findUnique({ where: { portalId_keyType_keyValue: { portalId, keyType: key.type, keyValue: key.value } } });
    if (!row) continue;
    let contact: FoundContact | null = null;
    try {
      const read = await hubspotCall(() => client.crm.contacts.basicApi.getById(row.contactId, mappedProperties(mapping)));
      contact = { id: read.id, properties: read.properties };
    } catch {
      continue; // deleted or merged since it was indexed: the sync would look it up again
    }
    return { view: { kind: "existing", contactId: contact.id, name: nameOf(contact), by: key.type, how: `the app has seen this ${key.type === "phone" ? "number" : "e-mail address"} before (its own index)`, candidates: 1 }, contact };
  }
  const found = await searchCaller({ portalId, client, token, batches: deps.batches, defaultRegion, ambiguityRule: routing.ambiguityRule }, caller, mapping);
  if (found) {
    const shared = found.match ? ` (${found.match.candidates} contacts share it: the portal's rule, ${found.match.rule.replaceAll("_", " ")}, picks this one)` : "";
    return { view: { kind: "existing", contactId: found.contact.id, name: nameOf(found.contact), by: found.by, how: `${HOW[found.by]}${shared}`, candidates: found.match?.candidates ?? 1 }, contact: found.contact };
  }
  const what = [caller.phone && "number", caller.email && "e-mail address", caller.zip && caller.lastName && "name and zip"].filter(Boolean).join(", ");
  return { view: { kind: "new", contactId: null, name: null, by: null, how: what ? `no contact has this ${what}: a new contact would be created` : "the payload has no number, e-mail or name + zip: a new contact would be created", candidates: 0 }, contact: null };
}

const nameOf = (contact: FoundContact) => [contact.properties.firstname, contact.properties.lastname].filter(Boolean).join(" ") || null;

function propertyChanges(mapping: Mapping, values: ReturnType<typeof fieldValues>, written: Record<string, string>, current: Record<string, string | null> | null): PreviewPropertyChange[] {
  const changes: PreviewPropertyChange[] = [];
  for (const [field] of values) {
    const rule = mapping.get(field);
    if (!rule) continue;
    const before = current?.[rule.property] ?? null;
    const after = written[rule.property];
    const outcome: PreviewPropertyChange["outcome"] = !rule.enabled ? "off" : after === undefined ? "kept" : before === after ? "unchanged" : "written";
    changes.push({ field, property: rule.property, policy: rule.policy, before, after: after ?? null, outcome });
  }
  return changes;
}
