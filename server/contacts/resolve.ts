import type { HubSpotClient } from "../hubspot/client.js";
import { hubspotCall, HubSpotRequestError } from "../hubspot/call.js";
import { TransientSyncError } from "../hubspot/errors.js";
import { contactPatch, type Mapping } from "../mapping/store.js";
import type { fieldValues } from "../mapping/fields.js";
import { normaliseEmail, normalisePhone } from "./phone.js";
import type { ContactIndexStore, IndexKey } from "./index-store.js";
import type { CallerIdentity } from "./identity.js";

export interface ContactContext {
  portalId: string;
  client: HubSpotClient;
  index: ContactIndexStore;
  defaultRegion: string;
}

export interface ResolvedContact {
  contactId: string;
  ownerId: string | null;
  created: boolean;
  /** How it was found, for logs and tests: index | search | created | conflict */
  via: "index" | "search" | "created" | "conflict";
}

type Values = ReturnType<typeof fieldValues>;
type HubSpotContact = { id: string; properties: Record<string, string | null> };

const IDENTITY_PROPERTIES = ["firstname", "lastname", "email", "phone", "mobilephone", "zip", "hubspot_owner_id", "createdate", "hs_searchable_calculated_phone_number", "hs_searchable_calculated_mobile_number"];

export function indexKeys(caller: CallerIdentity): IndexKey[] {
  const keys: IndexKey[] = [];
  if (caller.phone) keys.push({ type: "phone", value: caller.phone.e164 });
  if (caller.email) keys.push({ type: "email", value: caller.email });
  return keys;
}

const mappedProperties = (mapping: Mapping) => [...new Set([...IDENTITY_PROPERTIES, ...[...mapping.values()].map((r) => r.property)])];
const filledOf = (contact: HubSpotContact) => new Set(Object.entries(contact.properties).filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k]) => k));
const same = (a: string | null | undefined, b: string | null | undefined) => !!a && !!b && a.trim().toLowerCase() === b.trim().toLowerCase();

/**
 * Find the caller's contact (phone first, then email, then name + zip), update it, or create it.
 * Must run under the caller lock (CallerLocks) so concurrent calls of one caller never both create.
 *   1. The contact the call was made to, if known, else the app-side index (no HubSpot request for a
 *      caller we have seen).
 *   2. One HubSpot search over the calculated phone properties, the phone as given, email and
 *      name + zip (one filter group each), the best match picked in that priority order.
 *   3. Create; a 409 "Existing ID" (the email is taken) turns into an update of that contact.
 * A contact deleted or merged in HubSpot since it was indexed is forgotten and looked up again.
 */
export async function upsertCaller(ctx: ContactContext, caller: CallerIdentity, values: Values, mapping: Mapping, knownContactId: string | null = null): Promise<ResolvedContact> {
  const keys = indexKeys(caller);
  // A call made to a chosen contact (the workflow action) lands on that contact, even when another
  // contact shares the number.
  const indexedId = knownContactId ?? (await ctx.index.lookup(ctx.portalId, keys));
  if (indexedId) {
    const known = await ctx.index.snapshot(ctx.portalId, indexedId);
    const updated = await updateContact(ctx, indexedId, known, values, mapping, keys);
    if (updated) return { ...updated, created: false, via: "index" };
    await ctx.index.forgetContact(ctx.portalId, indexedId);
  }

  const found = await searchCaller(ctx, caller, mapping);
  if (found) {
    await ctx.index.remember(ctx.portalId, found.id, keys);
    const updated = await updateContact(ctx, found.id, { filled: filledOf(found), ownerId: found.properties.hubspot_owner_id ?? null }, values, mapping, keys);
    if (updated) return { ...updated, created: false, via: "search" };
    // Found by search, gone by the time we wrote: let the retry look again.
    await ctx.index.forgetContact(ctx.portalId, found.id);
    throw new TransientSyncError("contact disappeared between search and update");
  }

  const { properties } = contactPatch(values, mapping, null);
  try {
    const created = await hubspotCall(() => ctx.client.crm.contacts.basicApi.create({ properties, associations: [] }));
    await ctx.index.remember(ctx.portalId, created.id, keys);
    await ctx.index.saveSnapshot(ctx.portalId, created.id, Object.keys(properties), null);
    return { contactId: created.id, ownerId: null, created: true, via: "created" };
  } catch (error) {
    if (error instanceof HubSpotRequestError && error.failure.kind === "conflict" && error.failure.existingId) {
      const existingId = error.failure.existingId;
      await ctx.index.remember(ctx.portalId, existingId, keys);
      const updated = await updateContact(ctx, existingId, null, values, mapping, keys);
      if (updated) return { ...updated, created: false, via: "conflict" };
    }
    throw error;
  }
}

async function readContact(ctx: ContactContext, contactId: string, mapping: Mapping): Promise<HubSpotContact | null> {
  try {
    const contact = await hubspotCall(() => ctx.client.crm.contacts.basicApi.getById(contactId, mappedProperties(mapping)));
    return { id: contact.id, properties: contact.properties };
  } catch (error) {
    if (error instanceof HubSpotRequestError && error.failure.kind === "not_found") return null;
    throw error;
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
): Promise<Omit<ResolvedContact, "created" | "via"> | null> {
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
        const result = await hubspotCall(() => ctx.client.crm.contacts.basicApi.update(id, { properties: patch }));
        if (result.id !== id) id = await followMerge(ctx, id, result.id);
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

async function searchCaller(ctx: ContactContext, caller: CallerIdentity, mapping: Mapping): Promise<HubSpotContact | null> {
  const eq = (propertyName: string, value: string) => ({ propertyName, operator: "EQ", value });
  const groups: { filters: ReturnType<typeof eq>[] }[] = [];
  if (caller.phone) {
    // `phone` is free text: only HubSpot's calculated properties match every formatting.
    groups.push({ filters: [eq("hs_searchable_calculated_phone_number", caller.phone.national)] });
    groups.push({ filters: [eq("hs_searchable_calculated_mobile_number", caller.phone.national)] });
    groups.push({ filters: [eq("phone", caller.phone.e164)] });
  }
  if (caller.email) groups.push({ filters: [eq("email", caller.email)] });
  if (caller.firstName && caller.lastName && caller.zip) {
    groups.push({ filters: [eq("firstname", caller.firstName), eq("lastname", caller.lastName), eq("zip", caller.zip)] });
  }
  if (groups.length === 0) return null;
  const response = await hubspotCall(() =>
    ctx.client.crm.contacts.searchApi.doSearch({
      filterGroups: groups as never,
      properties: mappedProperties(mapping),
      sorts: ["createdate"] as never,
      limit: 20,
      after: undefined as never,
    }),
  );
  const results: HubSpotContact[] = response.results.map((r) => ({ id: r.id, properties: r.properties }));
  const byAge = (a: HubSpotContact, b: HubSpotContact) => Number(a.id) - Number(b.id);
  const phoneMatch = (c: HubSpotContact) =>
    !!caller.phone &&
    (c.properties.hs_searchable_calculated_phone_number === caller.phone.national ||
      c.properties.hs_searchable_calculated_mobile_number === caller.phone.national ||
      [c.properties.phone, c.properties.mobilephone].some((p) => normalisePhone(p, ctx.defaultRegion)?.e164 === caller.phone!.e164));
  const emailMatch = (c: HubSpotContact) => !!caller.email && normaliseEmail(c.properties.email) === caller.email;
  const nameZipMatch = (c: HubSpotContact) => same(c.properties.firstname, caller.firstName) && same(c.properties.lastname, caller.lastName) && same(c.properties.zip, caller.zip);
  for (const matches of [phoneMatch, emailMatch, nameZipMatch]) {
    const best = results.filter(matches).sort(byAge)[0];
    if (best) return best;
  }
  return null;
}
