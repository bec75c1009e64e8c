import type { HubSpotClient } from "../hubspot/client.js";
import { hubspotCall, HubSpotRequestError } from "../hubspot/call.js";
import type { CallerCriteria, HubSpotBatches, HubSpotContact } from "../hubspot/batch.js";
import { PermanentSyncError, TransientSyncError } from "../hubspot/errors.js";
import type { AmbiguityRule } from "../../hubspot-app/app/shared/api.js";
import { contactPatch, type Mapping } from "../mapping/store.js";
import type { fieldValues } from "../mapping/fields.js";
import { normaliseEmail, normalisePhone } from "./phone.js";
import type { ContactIndexStore, IndexKey } from "./index-store.js";
import type { CallerIdentity } from "./identity.js";
import type { LockHold } from "./caller-lock.js";
import { LAST_ACTIVITY_PROPERTY, pickAmong, type AmbiguousMatch } from "./ambiguity.js";

export interface ContactContext {
  portalId: string;
  client: HubSpotClient;
  /** The portal's access token (batches are per portal and token). */
  token: string;
  /** The process's micro-batches: searches, reads, creates and updates of many callers in one request. */
  batches: HubSpotBatches;
  index: ContactIndexStore;
  defaultRegion: string;
  /** The caller lock this runs under: confirmed still held just before a contact is created. */
  hold: LockHold;
  /** Which contact a call lands on when several match it equally (contacts/ambiguity.ts). */
  ambiguityRule: AmbiguityRule;
  /** The owner a new caller gets (server/routing/), asked only when a contact is about to be created. */
  ownerForNewCaller(): Promise<string | null>;
}

export interface ResolvedContact {
  contactId: string;
  ownerId: string | null;
  created: boolean;
  /** How it was found, for logs and tests: index | search | created | conflict */
  via: "index" | "search" | "created" | "conflict";
  /** Several contacts matched the caller equally (a shared number): how many, and the rule that picked this one. */
  match: AmbiguousMatch | null;
}

type Values = ReturnType<typeof fieldValues>;

const IDENTITY_PROPERTIES = ["firstname", "lastname", "email", "phone", "mobilephone", "zip", "hubspot_owner_id", "createdate", "hs_searchable_calculated_phone_number", "hs_searchable_calculated_mobile_number", LAST_ACTIVITY_PROPERTY];

export function indexKeys(caller: CallerIdentity): IndexKey[] {
  const keys: IndexKey[] = [];
  if (caller.phone) keys.push({ type: "phone", value: caller.phone.e164 });
  if (caller.email) keys.push({ type: "email", value: caller.email });
  return keys;
}

/** The properties read of a caller's contact: who it is, and every property the mapping writes. */
export const mappedProperties = (mapping: Mapping) => [...new Set([...IDENTITY_PROPERTIES, ...[...mapping.values()].map((r) => r.property)])];
const filledOf = (contact: HubSpotContact) => new Set(Object.entries(contact.properties).filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k]) => k));
const same = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Find the caller's contact (phone first, then email, then name + zip), update it, or create it.
 * Must run under the caller lock (CallerLocks) so concurrent calls of one caller never both create.
 *   1. The contact the call was made to, if known, else the app-side index (no HubSpot request for a
 *      caller we have seen).
 *   2. One HubSpot search over the calculated phone properties, the phone as given, email and
 *      name + zip, shared with the other callers of its micro-batch (server/hubspot/batch.ts), the
 *      best match for this caller picked in that priority order; several contacts matching equally
 *      (a shared number) are decided by the portal's rule (ambiguity.ts), and the index then binds
 *      the caller to the one picked, so the caller's later calls follow it.
 *   3. Create (batched), with the owner routing gives a new caller; a 409 "Existing ID" (the email is
 *      taken) turns into an update of that contact.
 *      Just before, the caller lock is confirmed still ours and the index read again: a sync that took
 *      a lapsed lock (this process stalled) may have created the contact meanwhile, and HubSpot's
 *      search, lagging its writes, would not have shown it.
 * A contact deleted or merged in HubSpot since it was indexed is forgotten and looked up again.
 */
export async function upsertCaller(ctx: ContactContext, caller: CallerIdentity, values: Values, mapping: Mapping, knownContactId?: string | null): Promise<ResolvedContact> {
  const keys = indexKeys(caller);
  // A call made to a chosen contact (the workflow action) lands on that contact, even when another
  // contact shares the number. `null`: the caller looked in the index already and found nothing.
  const indexedId = knownContactId === undefined ? await ctx.index.lookup(ctx.portalId, keys) : knownContactId;
  if (indexedId) {
    const known = await ctx.index.snapshot(ctx.portalId, indexedId);
    const updated = await updateContact(ctx, indexedId, known, values, mapping, keys);
    if (updated) return { ...updated, created: false, via: "index", match: null };
    await ctx.index.forgetContact(ctx.portalId, indexedId);
  }

  const searched = await searchCaller(ctx, caller, mapping);
  if (searched) {
    const { contact: found, match } = searched;
    await ctx.index.remember(ctx.portalId, found.id, keys);
    const updated = await updateContact(ctx, found.id, { filled: filledOf(found), ownerId: found.properties.hubspot_owner_id ?? null }, values, mapping, keys);
    if (updated) return { ...updated, created: false, via: "search", match };
    // Found by search, gone by the time we wrote: let the retry look again.
    await ctx.index.forgetContact(ctx.portalId, found.id);
    throw new TransientSyncError("contact disappeared between search and update");
  }

  await ctx.hold.confirm();
  const lateId = await ctx.index.lookup(ctx.portalId, keys);
  if (lateId) {
    const updated = await updateContact(ctx, lateId, await ctx.index.snapshot(ctx.portalId, lateId), values, mapping, keys);
    if (updated) return { ...updated, created: false, via: "index", match: null };
    await ctx.index.forgetContact(ctx.portalId, lateId);
    throw new TransientSyncError("an indexed contact disappeared before it could be updated");
  }
  const { properties } = contactPatch(values, mapping, null);
  try {
    const { id: createdId, ownerId } = await createContact(ctx, properties);
    await ctx.index.remember(ctx.portalId, createdId, keys);
    await ctx.index.saveSnapshot(ctx.portalId, createdId, [...Object.keys(properties), ...(ownerId ? ["hubspot_owner_id"] : [])], ownerId);
    return { contactId: createdId, ownerId, created: true, via: "created", match: null };
  } catch (error) {
    if (error instanceof HubSpotRequestError && error.failure.kind === "conflict" && error.failure.existingId) {
      const existingId = error.failure.existingId;
      await ctx.index.remember(ctx.portalId, existingId, keys);
      const updated = await updateContact(ctx, existingId, null, values, mapping, keys);
      if (updated) return { ...updated, created: false, via: "conflict", match: null };
    }
    throw error;
  }
}

/**
 * Create the caller (batched) with the owner routing gives it. An owner HubSpot refuses (deactivated
 * since the rules were saved) must not lose the call: the contact is created without one.
 */
async function createContact(ctx: ContactContext, properties: Record<string, string>): Promise<{ id: string; ownerId: string | null }> {
  const ownerId = properties.hubspot_owner_id ? null : await ctx.ownerForNewCaller();
  if (!ownerId) return { id: await ctx.batches.create("contacts", ctx.portalId, ctx.token, ctx.client, { properties }), ownerId: properties.hubspot_owner_id ?? null };
  try {
    return { id: await ctx.batches.create("contacts", ctx.portalId, ctx.token, ctx.client, { properties: { ...properties, hubspot_owner_id: ownerId } }), ownerId };
  } catch (error) {
    if (!(error instanceof PermanentSyncError && error.failure?.kind === "invalid" && error.message.includes("hubspot_owner_id"))) throw error;
    return { id: await ctx.batches.create("contacts", ctx.portalId, ctx.token, ctx.client, { properties }), ownerId: null };
  }
}

/**
 * The contact as HubSpot has it now (batched). Batch reads know no merged-away ids: an id they miss is
 * read once more on its own, which answers a merged contact under its primary's id.
 */
async function readContact(ctx: ContactContext, contactId: string, mapping: Mapping): Promise<HubSpotContact | null> {
  const batched = await ctx.batches.readContact(ctx.portalId, ctx.token, ctx.client, contactId, mappedProperties(mapping));
  if (batched) return batched;
  try {
    const contact = await hubspotCall(() => ctx.client.crm.contacts.basicApi.getById(contactId, mappedProperties(mapping)));
    return { id: contact.id, properties: contact.properties };
  } catch (error) {
    if (error instanceof HubSpotRequestError && error.failure.kind === "not_found") return null;
    throw error;
  }
}

/**
 * Update (batched); the id HubSpot answers under. Batch updates know no merged-away ids either: a miss
 * is sent once more on its own, which follows a merge or answers 404 for a deleted contact.
 */
async function writeContact(ctx: ContactContext, contactId: string, properties: Record<string, string>): Promise<string> {
  try {
    return await ctx.batches.update("contacts", ctx.portalId, ctx.token, ctx.client, { id: contactId, properties });
  } catch (error) {
    if (!(error instanceof HubSpotRequestError && error.failure.kind === "not_found")) throw error;
    const result = await hubspotCall(() => ctx.client.crm.contacts.basicApi.update(contactId, { properties }));
    return result.id;
  }
}

/** Write the call's values to an existing contact; null when the contact no longer exists. */
async function updateContact(
  ctx: ContactContext,
  contactId: string,
  known: { filled: Set<string>; ownerId: string | null } | null,
  values: Values,
  mapping: Mapping,
  keys: IndexKey[],
): Promise<Omit<ResolvedContact, "created" | "via" | "match"> | null> {
  let state = known;
  let id = contactId;
  if (!state) {
    const current = await readContact(ctx, contactId, mapping);
    if (!current) return null;
    if (current.id !== contactId) id = await followMerge(ctx, contactId, current.id);
    state = { filled: filledOf(current), ownerId: current.properties.hubspot_owner_id ?? null };
  }
  const { properties } = contactPatch(values, mapping, state.filled);
  if (Object.keys(properties).length > 0) {
    let patch = properties;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const answeredId = await writeContact(ctx, id, patch);
        if (answeredId !== id) id = await followMerge(ctx, id, answeredId);
        break;
      } catch (error) {
        if (!(error instanceof HubSpotRequestError)) throw error;
        if (error.failure.kind === "not_found") return null;
        // The email the caller gave belongs to another contact: keep the phone match, drop the email.
        if (error.failure.kind === "conflict" && "email" in patch && attempt === 0) {
          const { email: _taken, ...rest } = patch;
          patch = rest;
          continue;
        }
        throw error;
      }
    }
  }
  await ctx.index.remember(ctx.portalId, id, keys);
  await ctx.index.saveSnapshot(ctx.portalId, id, [...state.filled, ...Object.keys(properties)], state.ownerId);
  return { contactId: id, ownerId: state.ownerId };
}

/** HubSpot answers a merged-away id with the surviving contact: repoint the index to it. */
async function followMerge(ctx: ContactContext, fromId: string, toId: string): Promise<string> {
  await ctx.index.repoint(ctx.portalId, fromId, toId);
  return toId;
}

/** What a HubSpot search needs of the context: read-only, so "Preview a call" uses it too. */
export type SearchContext = Pick<ContactContext, "portalId" | "client" | "token" | "batches" | "defaultRegion" | "ambiguityRule">;

/** The caller's contact by HubSpot's search, the criterion that found it (phone, then email, then name + zip), and how a shared number was decided. */
export async function searchCaller(ctx: SearchContext, caller: CallerIdentity, mapping: Mapping): Promise<{ contact: HubSpotContact; match: AmbiguousMatch | null; by: "phone" | "email" | "name_zip" } | null> {
  const criteria: CallerCriteria = {
    nationals: caller.phone ? [caller.phone.national] : [],
    e164s: caller.phone ? [caller.phone.e164] : [],
    emails: caller.email ? [caller.email] : [],
    nameZip: caller.firstName && caller.lastName && caller.zip ? { firstName: caller.firstName, lastName: caller.lastName, zip: caller.zip } : null,
  };
  if (!criteria.nationals.length && !criteria.emails.length && !criteria.nameZip) return null;
  // Every contact of the batch's callers comes back: this caller's matchers keep its own.
  const results = await ctx.batches.searchContacts(ctx.portalId, ctx.token, ctx.client, criteria, mappedProperties(mapping));
  const phoneMatch = (c: HubSpotContact) =>
    !!caller.phone &&
    (c.properties.hs_searchable_calculated_phone_number === caller.phone.national ||
      c.properties.hs_searchable_calculated_mobile_number === caller.phone.national ||
      [c.properties.phone, c.properties.mobilephone].some((p) => normalisePhone(p, ctx.defaultRegion)?.e164 === caller.phone!.e164));
  const emailMatch = (c: HubSpotContact) => !!caller.email && normaliseEmail(c.properties.email) === caller.email;
  const nameZipMatch = (c: HubSpotContact) => same(c.properties.firstname, caller.firstName) && same(c.properties.lastname, caller.lastName) && same(c.properties.zip, caller.zip);
  for (const [by, matches] of [["phone", phoneMatch], ["email", emailMatch], ["name_zip", nameZipMatch]] as const) {
    const equal = results.filter(matches);
    if (equal.length) return { ...pickAmong(equal, ctx.ambiguityRule), by };
  }
  return null;
}
