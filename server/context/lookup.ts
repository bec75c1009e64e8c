import { sql, type Db } from "../db/client.js";
import type { HubSpotClient } from "../hubspot/client.js";
import { logger } from "../config/logger.js";
import { callerKey } from "../contacts/identity.js";
import { normalisePhone, type NormalisedPhone } from "../contacts/phone.js";
import { settingsOf, type ContextSettings, type ContextSettingsRow } from "./settings.js";
import type { OwnerNames } from "./owners.js";

// Who is calling, from our own data: the caller's stored calls (by their caller key), the app-side
// contact index and snapshot (their HubSpot contact and its owner), their next confirmed booking, and
// the portal's settings, all in one statement. A caller we know costs no HubSpot request; for one we
// do not, one HubSpot read (a contact search by phone) runs under a deadline well inside the vendor's
// (Vapi drops an assistant-request after 7.5 s, Retell its inbound webhook after 10 s): a slow or
// down HubSpot means the answer says what we have, never an error.

const log = logger("context");

export interface CallerFacts {
  known: boolean;
  firstName: string | null;
  booking: { service: string; start: Date; timeZone: string; reference: string | null } | null;
  lastCall: { intent: string | null; summary: string | null } | null;
  ownerFirstName: string | null;
}

export interface CallerLookup {
  facts: CallerFacts;
  settings: ContextSettings;
  /** HubSpot requests made for this answer (0 or 1). */
  hubspotRequests: number;
  /** Time spent waiting for HubSpot (and its rate limit), for Server-Timing and the benchmark. */
  hubspotMs: number;
}

export interface LookupDeps {
  db: Db;
  encryptionKey: string;
  /** A HubSpot client for the portal (token refreshed as needed), through the shared rate limit. */
  hubspot(portalId: string): Promise<HubSpotClient>;
  /** How long the one HubSpot read may take before the answer goes without it. */
  deadlineMs: number;
  owners: OwnerNames;
}

type StoredCaller = { firstName?: string | null; fullName?: string | null } | null;
interface Row {
  settings: ContextSettingsRow | null;
  calls: { caller: StoredCaller; intent: string | null; summary: string | null }[] | null;
  contactId: string | null;
  ownerId: string | null;
  ownerStaffName: string | null;
  booking: { service: string; startMs: number; reference: string | null; callerName: string | null; timeZone: string } | null;
}

// $1 portal, $2 caller key, $3 the caller's E.164 number, $4 now (ISO, UTC like every timestamp column).
// A stored record carries the call's transcript twice (text and turns), tens of kB kept compressed out
// of line: each `record->'x'` would decompress all of it again, so each of the 5 latest rows is read
// once, by jsonb_to_record, after the LIMIT. Every lookup is by an index: Call (portalId, callerKey),
// the ContactIndex and ContactSnapshot keys, Booking (portalId, callerPhone), the settings' key. It
// runs as a prepared statement (sql()'s `name`): planning it anew cost more than running it.
const CALLER_SQL = `
WITH latest AS (
  SELECT "record", "hubspotContactId", COALESCE("startedAt", "createdAt") AS "at" FROM "Call"
  WHERE "portalId" = $1 AND "callerKey" = $2 AND "status" <> 'forgotten'
  ORDER BY COALESCE("startedAt", "createdAt") DESC LIMIT 5
), calls AS (
  SELECT r."caller", r."intent", r."summary", l."hubspotContactId", l."at"
  FROM latest l CROSS JOIN LATERAL jsonb_to_record(l."record") AS r("caller" jsonb, "intent" text, "summary" text)
), contact AS (
  SELECT COALESCE(
    (SELECT "contactId" FROM "ContactIndex" WHERE "portalId" = $1 AND "keyType" = 'phone' AND "keyValue" = $3),
    (SELECT "hubspotContactId" FROM calls WHERE "hubspotContactId" IS NOT NULL ORDER BY "at" DESC LIMIT 1)) AS "contactId"
), owner AS (
  SELECT s."ownerId", (SELECT m."name" FROM "StaffMember" m WHERE m."portalId" = $1 AND m."hubspotOwnerId" = s."ownerId" LIMIT 1) AS "staffName"
  FROM "ContactSnapshot" s JOIN contact c ON s."contactId" = c."contactId" WHERE s."portalId" = $1
)
SELECT
  (SELECT row_to_json(x) FROM (SELECT "shareFirstName", "shareUpcomingBooking", "shareLastCall", "shareOwnerName", "vapiAssistants" FROM "CallerContextSettings" WHERE "portalId" = $1) x) AS "settings",
  (SELECT json_agg(json_build_object('caller', "caller", 'intent', "intent", 'summary', "summary") ORDER BY "at" DESC) FROM calls) AS "calls",
  (SELECT "contactId" FROM contact) AS "contactId",
  (SELECT "ownerId" FROM owner) AS "ownerId",
  (SELECT "staffName" FROM owner) AS "ownerStaffName",
  (SELECT row_to_json(b) FROM (
     SELECT st."name" AS "service", (extract(epoch FROM bk."startAt") * 1000)::float8 AS "startMs", bk."reference", bk."callerName", COALESCE(bs."timezone", sm."timezone") AS "timeZone"
     FROM "Booking" bk JOIN "ServiceType" st ON st."id" = bk."serviceTypeId" JOIN "StaffMember" sm ON sm."id" = bk."staffId"
     LEFT JOIN "BookingSettings" bs ON bs."portalId" = bk."portalId"
     WHERE bk."portalId" = $1 AND bk."callerPhone" = $3 AND bk."status" = 'confirmed' AND bk."startAt" > $4
     ORDER BY bk."startAt" LIMIT 1) b) AS "booking"`;

const firstWord = (name: string | null | undefined) => name?.trim().split(/\s+/)[0] || null;
const firstNameOf = (caller: StoredCaller) => firstWord(caller?.firstName) ?? firstWord(caller?.fullName);

/** A stored summary as one line the AI can say: its first sentence, at most 200 characters. */
export function oneLine(text: string | null | undefined): string | null {
  const line = text?.replace(/\s+/g, " ").trim();
  if (!line) return null;
  const sentence = /^(.+?[.!?])(\s|$)/.exec(line)?.[1] ?? line;
  return sentence.length > 200 ? `${sentence.slice(0, 199).trimEnd()}…` : sentence;
}

/** The caller's facts and the portal's settings; `phone` as the vendor sent it (read in the portal's region). */
export async function lookupCaller(deps: LookupDeps, request: { portalId: string; phone: string | null; region: string; now: Date }): Promise<CallerLookup> {
  const phone = normalisePhone(request.phone, request.region);
  const key = phone ? callerKey(deps.encryptionKey, request.portalId, { phone, email: null }) : null;
  const [row] = await sql<Row>(deps.db, CALLER_SQL, [request.portalId, key, phone?.e164 ?? null, request.now.toISOString()], { name: "caller-context" });
  const settings = settingsOf(row?.settings);
  const calls = row?.calls ?? [];
  const last = calls[0];
  const booking = row?.booking ?? null;
  const facts: CallerFacts = {
    known: !!phone && (!!row?.contactId || calls.length > 0 || !!booking),
    firstName: calls.map((c) => firstNameOf(c.caller)).find(Boolean) ?? firstWord(booking?.callerName),
    booking: booking ? { service: booking.service, start: new Date(booking.startMs), timeZone: booking.timeZone, reference: booking.reference } : null,
    lastCall: last && (last.intent || last.summary) ? { intent: last.intent, summary: oneLine(last.summary) } : null,
    ownerFirstName: firstWord(row?.ownerStaffName) ?? (row?.ownerId ? deps.owners.get(request.portalId, row.ownerId) : null),
  };
  const result: CallerLookup = { facts, settings, hubspotRequests: 0, hubspotMs: 0 };
  if (!phone) return result;

  // At most one HubSpot read, and only for what the portal shares and we lack.
  const shared = settings.shared;
  if (!facts.known && (shared.firstName || shared.ownerName)) {
    await readHubSpot(deps, request.portalId, result, (client) => searchByPhone(client, phone), (found) => {
      if (!found) return;
      facts.known = true;
      facts.firstName = firstWord(found.firstName);
      if (found.ownerId) facts.ownerFirstName = deps.owners.get(request.portalId, found.ownerId);
    });
  } else if (facts.known && shared.ownerName && row?.ownerId && !facts.ownerFirstName) {
    const ownerId = row.ownerId;
    await readHubSpot(deps, request.portalId, result, (client) => ownerName(client, ownerId), (name) => {
      if (name === undefined) return;
      deps.owners.set(request.portalId, ownerId, name);
      facts.ownerFirstName = firstWord(name);
    });
  }
  return result;
}

/** One HubSpot request under the deadline; on time it is applied, else (slow, down, refused) the answer goes without it. */
async function readHubSpot<T>(deps: LookupDeps, portalId: string, result: CallerLookup, read: (client: HubSpotClient) => Promise<T>, apply: (value: T) => void): Promise<void> {
  const started = performance.now();
  result.hubspotRequests = 1;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), deps.deadlineMs);
  });
  const attempt = (async () => read(await deps.hubspot(portalId)))();
  attempt.catch(() => undefined); // a late failure has nobody waiting for it
  try {
    const outcome = await Promise.race([attempt.then((value) => ({ value })), deadline]);
    if (outcome === "late") log.warn({ portalId, deadlineMs: deps.deadlineMs }, "HubSpot did not answer in time: caller context without it");
    else apply(outcome.value);
  } catch (error) {
    log.warn({ portalId, err: (error as Error).message }, "HubSpot read failed: caller context without it");
  } finally {
    clearTimeout(timer);
    result.hubspotMs = performance.now() - started;
  }
}

type FoundContact = { firstName: string | null; ownerId: string | null } | null;

async function searchByPhone(client: HubSpotClient, phone: NormalisedPhone): Promise<FoundContact> {
  const eq = (propertyName: string, value: string) => ({ filters: [{ propertyName, operator: "EQ", value }] });
  // `phone` is free text: only HubSpot's calculated properties match every formatting (contacts/resolve.ts).
  const response = await client.crm.contacts.searchApi.doSearch({
    filterGroups: [eq("hs_searchable_calculated_phone_number", phone.national), eq("hs_searchable_calculated_mobile_number", phone.national), eq("phone", phone.e164)] as never,
    properties: ["firstname", "hubspot_owner_id"],
    sorts: ["createdate"] as never,
    limit: 10,
    after: undefined as never,
  });
  // The oldest contact with this number, as the sync's own search picks it.
  const [oldest] = response.results.sort((a, b) => Number(a.id) - Number(b.id));
  return oldest ? { firstName: oldest.properties.firstname ?? null, ownerId: oldest.properties.hubspot_owner_id ?? null } : null;
}

/** The owner's first name; undefined when HubSpot has no such owner. */
async function ownerName(client: HubSpotClient, ownerId: string): Promise<string | undefined> {
  const owner = await client.crm.owners.ownersApi.getById(Number(ownerId), "id", false);
  return owner.firstName ?? undefined;
}
