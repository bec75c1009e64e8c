import { sql, type Db } from "../db/client.js";
import { logger, maskPhone } from "../config/logger.js";
import type { CallRecord } from "../calls/record.js";
import type { Portal } from "../generated/prisma/client.js";
import type { PortalTokens } from "../hubspot/tokens.js";
import type { HubSpotClient } from "../hubspot/client.js";
import { HubSpotRequestError } from "../hubspot/call.js";
import { PermanentSyncError, PortalNeedsReauthError, TransientSyncError } from "../hubspot/errors.js";
import { ensureProperties, provisionAppProperties } from "../hubspot/properties.js";
import { ContactIndexStore } from "../contacts/index-store.js";
import type { CallerLocks } from "../contacts/caller-lock.js";
import { callerIdentity } from "../contacts/identity.js";
import { indexKeys, upsertCaller } from "../contacts/resolve.js";
import { fieldValues, qualificationDefinition, qualificationField, qualificationProperty } from "../mapping/fields.js";
import { addQualificationRules, loadMapping } from "../mapping/store.js";
import { CALL_TO_CONTACT, TASK_TO_CONTACT, callProperties, escalationTask, outcomeLabel } from "./call-activity.js";
import type { DispositionCache } from "./dispositions.js";
import { syncLatency } from "../metrics/metrics.js";
import { archiveRecording } from "../recordings/store.js";
import type { VendorRecordingSource } from "../recordings/vendor-source.js";
import type { OutboundFetch } from "../net/outbound.js";
import { contactRollups, withRollups } from "../workflows/rollups.js";
import { outboundCallOf } from "../workflows/outbound-calls.js";
import type { PortalRequest } from "../hubspot/calling.js";
import type { HubSpotBatches } from "../hubspot/batch.js";
import { announceRecording, syncTranscript, type CallExtensionTarget } from "./call-extensions.js";
import type { PortalNotifications } from "../notify/settings.js";
import { hubspotRecordUrl } from "../hubspot/records.js";
import type { EscalationNotice } from "../notify/notifier.js";
import { routingSettings } from "../routing/settings.js";
import { ownerForNewCaller, type NewCallerFacts } from "../routing/assign.js";
import { createLead } from "../routing/leads.js";

const log = logger("sync");

export interface SyncDeps {
  db: Db;
  tokens: PortalTokens;
  locks: CallerLocks;
  dispositions: DispositionCache;
  defaultRegion: string;
  /** The guarded fetch the recording copy goes through. */
  outbound: OutboundFetch;
  /** A fresh recording link from the vendor's API when the payload's has expired (server/recordings/vendor-source.ts). */
  vendorRecordings?: VendorRecordingSource;
  /** The app's id in HubSpot (hs_call_app_id: HubSpot's player fetches recordings from this app). */
  appId: string;
  /** Portal-token JSON requests for the calling-extension endpoints the generated client lacks. */
  request: PortalRequest;
  /** The process's micro-batches of HubSpot requests (server/hubspot/batch.ts). */
  batches: HubSpotBatches;
  /** The portal's channels: an escalated call is announced there once its task exists. */
  notifications: Pick<PortalNotifications, "escalation">;
}

export type SyncOutcome = "synced" | "already_synced" | "waiting_auth";

/**
 * Sync one call to HubSpot. Re-reads the row (the database, not Redis, is the lasting guard) and
 * returns early when HubSpot already has this version. Steps, under the caller lock:
 *   1. token (refreshed if needed) and the portal's mapping; new qualification questions get a property;
 *   2. find / update / create the contact (server/contacts/resolve.ts), with the roll-ups over the
 *      caller's calls and bookings (server/workflows/rollups.ts), the portal's rule for a number
 *      several contacts share, and the owner routing gives a new caller (server/routing/);
 *   3. create the Call associated to the contact, or update the one this call already has; its
 *      transcript goes to HubSpot's viewer and, once our copy of the recording exists (copied before
 *      the lock is taken), HubSpot is told the recording is ready (call-extensions.ts);
 *   4. an escalated call gets a task with the reason for the contact owner, due by its urgency; a new
 *      caller gets a HubSpot Lead if the portal asked for one (never failing the call);
 *   5. mark the row synced at the version that was read.
 * Throws what server/queue/failures.ts classifies: TransientSyncError (retry with backoff),
 * PermanentSyncError (fallback queue, no retry), PortalNeedsReauthError (waits for a new install).
 */
export async function syncCall(deps: SyncDeps, callId: string): Promise<SyncOutcome> {
  const first = await readCallAndPortal(deps.db, callId);
  if (!first) throw new PermanentSyncError(`call ${callId} does not exist`);
  if (first.syncedVersion >= first.version) return "already_synced";
  const portal = first.portal;
  if (portal.status === "uninstalled") throw new PermanentSyncError("the app is uninstalled from this portal");

  // Copied while the vendor's link is fresh (Retell's and, from 2027-01-10, Synthflow's expire after
  // 24 h), before HubSpot is told it is ready, and also for a portal waiting to be re-authorised (that
  // can take longer than the link lasts); best effort (a failure leaves the call without a copy until
  // its next event or first playback), and outside the caller lock so a slow vendor host never holds
  // up that caller's other calls.
  if (first.recordingUrl) await archiveRecording(deps, first, first.recordingUrl);
  if (portal.status === "needs_reauth") return markWaitingForAuth(deps.db, callId);

  // Set when this run created the escalation task: announced on the portal's channels once the lock is released.
  let escalated: EscalationNotice | null = null;
  const outcome = await deps.locks.withLock(`${first.portalId}:${first.callerKey ?? callId}`, async (hold): Promise<SyncOutcome> => {
    const call = await deps.db.call.findUniqueOrThrow({ where: { id: callId } });
    if (call.syncedVersion >= call.version) return "already_synced";
    const stored = await withBookingOutcome(deps.db, call.portalId, call.vendorCallId, call.record as unknown as CallRecord);
    // A call the workflow action started rang a chosen contact: it is outbound and lands on that contact.
    const outbound = await outboundCallOf(deps.db, call);
    const record: CallRecord = outbound ? { ...stored, direction: "outbound" } : stored;
    const region = portal.defaultRegion || deps.defaultRegion;
    // A portal that must re-authorise throws PortalNeedsReauthError: the worker parks the call.
    await withFreshToken(deps.tokens, call.portalId, portal, async (client, accessToken) => {
      // 1.
      const mapping = await loadMapping(deps.db, call.portalId);
      await provisionAppProperties(deps.db, client, call.portalId);
      const keys = Object.keys(record.qualification);
      await addQualificationRules(deps.db, call.portalId, mapping, keys);
      // Created on first use; a rule an admin pointed at another property is left alone.
      const ownProperties = keys.filter((key) => mapping.get(qualificationField(key))?.property === qualificationProperty(key));
      await ensureProperties(deps.db, client, call.portalId, ownProperties.map(qualificationDefinition));
      // 2.
      const caller = callerIdentity(record, region);
      const index = new ContactIndexStore(deps.db);
      const knownContactId = outbound?.contactId ?? (await index.lookup(call.portalId, indexKeys(caller)));
      const rollups = await contactRollups(deps.db, { portalId: call.portalId, callId, callerKey: call.callerKey, contactId: knownContactId, phones: caller.phone ? [caller.phone.e164] : [], startedAt: record.startedAt ?? record.endedAt ?? null });
      const values = withRollups(fieldValues(record, caller.phone, caller.email), rollups);
      const routing = await routingSettings(deps.db, call.portalId);
      let routedOwner: string | null = null;
      const ownerOfNewCaller = async () => (routedOwner = (await ownerForNewCaller(deps.db, call.portalId, routing, newCallerFacts(record)))?.ownerId ?? null);
      const contact = await upsertCaller(
        { portalId: call.portalId, client, token: accessToken, batches: deps.batches, index, defaultRegion: region, hold, ambiguityRule: routing.ambiguityRule, ownerForNewCaller: ownerOfNewCaller },
        caller,
        values,
        mapping,
        knownContactId,
      );
      // Under the caller lock nothing else writes the row's lead state: what it is now is known here.
      const leadState = contact.created && routing.createLeads && !call.leadState ? "pending" : call.leadState;
      await deps.db.call.update({
        where: { id: callId },
        data: {
          hubspotContactId: contact.contactId,
          // How it was found (our index, a HubSpot search, created) is kept for the call log.
          matchedVia: contact.via,
          // A retry finds the contact in the index: what the first attempt learnt is kept.
          ...(contact.match ? { matchCandidates: contact.match.candidates, matchRule: contact.match.rule, needsReview: contact.match.needsReview } : {}),
          ...(contact.created ? { assignedOwnerId: contact.ownerId ?? routedOwner, ...(leadState !== call.leadState ? { leadState } : {}) } : {}),
        },
      });
      // 3.
      const dispositionId = await deps.dispositions.outcomeId(call.portalId, accessToken, outcomeLabel(record));
      const properties = callProperties(record, { dispositionId, externalId: callId, portalId: call.portalId, appId: deps.appId });
      const writer: EngagementWriter = { client, batches: deps.batches, portalId: call.portalId, token: accessToken };
      const hubspotCallId = await upsertHubSpotCall(writer, call.hubspotCallId, contact.contactId, properties, callId, call.attempts > 1);
      if (hubspotCallId !== call.hubspotCallId) await deps.db.call.update({ where: { id: callId }, data: { hubspotCallId } });
      const name = [caller.firstName, caller.lastName].filter(Boolean).join(" ") || null;
      const target: CallExtensionTarget = { callId, portalId: call.portalId, hubspotCallId, accessToken, scopes: portal.scopes, record, callerName: name };
      await syncTranscript(deps, target);
      await announceRecording(deps, target);
      // 4.
      if (record.escalation && !call.hubspotFollowUpId) {
        const timeZone = (await deps.db.bookingSettings.findUnique({ where: { portalId: call.portalId }, select: { timezone: true } }))?.timezone ?? null;
        const taskId = await deps.batches.create("tasks", call.portalId, accessToken, client, {
          properties: escalationTask(record, name, contact.ownerId, { now: new Date(), timeZone }),
          associations: [{ to: { id: contact.contactId }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: TASK_TO_CONTACT }] }],
        });
        await deps.db.call.update({ where: { id: callId }, data: { hubspotFollowUpId: taskId } });
        escalated = { portalId: call.portalId, caller: maskPhone(caller.phone?.e164 ?? null) ?? "an unknown number", reason: record.escalation.reason, urgency: record.urgency ?? null, contactUrl: hubspotRecordUrl(call.portalId, "contact", contact.contactId) };
      }
      if (leadState === "pending") {
        await createLead({ db: deps.db, batches: deps.batches, client, portalId: call.portalId, token: accessToken, scopes: portal.scopes, callId, contactId: contact.contactId, ownerId: contact.ownerId, callerName: name });
      }
    });
    // 5. One statement: a newer event that arrived while we worked leaves the row pending (its own job,
    // or the outbox sweep, syncs it), and a fallback entry of this call is resolved.
    await markSynced(deps.db, callId, call.version);
    syncLatency.observe((Date.now() - call.updatedAt.getTime()) / 1000);
    log.info({ portalId: call.portalId, callId, vendor: call.vendor, version: call.version }, "call synced to HubSpot");
    return "synced";
  });
  // Best effort: the task in HubSpot is the lasting follow-up, a lost notice never fails the call.
  const notice: EscalationNotice | null = escalated;
  if (notice) await deps.notifications.escalation(notice).catch((error: Error) => log.warn({ portalId: first.portalId, callId, err: error.message }, "escalation notification failed"));
  return outcome;
}

/**
 * What the live tools booked, moved or cancelled during this conversation becomes the call's
 * disposition and a line of its summary (the post-call webhook knows nothing of it).
 */
async function withBookingOutcome(db: Db, portalId: string, vendorCallId: string, record: CallRecord): Promise<CallRecord> {
  const [booking] = await sql<{ id: string; startAt: Date; history: unknown; serviceName: string }>(
    db,
    `SELECT b."id", b."startAt", b."history", s."name" AS "serviceName" FROM "Booking" b JOIN "ServiceType" s ON s."id" = b."serviceTypeId"
     WHERE b."portalId" = $1 AND b."history" @> $2::jsonb ORDER BY b."updatedAt" DESC LIMIT 1`,
    [portalId, JSON.stringify([{ callId: vendorCallId }])],
    { name: "sync-booking-outcome" },
  );
  if (!booking) return record;
  const actions = (booking.history as { action: string; callId?: string }[]).filter((h) => h.callId === vendorCallId).map((h) => h.action);
  const last = actions.at(-1);
  const disposition = last === "cancelled" ? "canceled_appointment" : last === "rescheduled" ? "rescheduled" : "booked";
  const what = `${last === "cancelled" ? "Cancelled" : last === "rescheduled" ? "Rescheduled" : "Booked"}: ${booking.serviceName} on ${booking.startAt.toISOString()} (booking ${booking.id.slice(0, 8)})`;
  return { ...record, disposition, summary: record.summary ? `${record.summary}\n${what}` : what };
}

async function markSynced(db: Db, callId: string, version: number): Promise<void> {
  const now = new Date().toISOString();
  await sql(
    db,
    `WITH synced AS (
       UPDATE "Call" SET "syncedVersion" = $2, "status" = CASE WHEN "version" > $2 THEN 'pending' ELSE 'synced' END,
         "lastError" = NULL, "syncedAt" = $3::timestamp, "updatedAt" = $3::timestamp
       WHERE "id" = $1 RETURNING "id")
     UPDATE "FallbackEntry" SET "resolvedAt" = $3::timestamp, "updatedAt" = $3::timestamp
     WHERE "callId" IN (SELECT "id" FROM synced) AND "resolvedAt" IS NULL`,
    [callId, version, now],
    { name: "sync-mark-synced" },
  );
}

/** What routing reads of a new caller's call: the zip they gave, the intent, the service they asked for. */
function newCallerFacts(record: CallRecord): NewCallerFacts {
  const service = record.qualification.service ?? record.qualification.service_type;
  return { zip: record.caller.zip ?? null, intent: record.intent ?? null, service: typeof service === "string" ? service : null };
}

/** The call waits for the portal's new install (the OAuth callback queues it again). */
export async function markWaitingForAuth(db: Db, callId: string): Promise<SyncOutcome> {
  await db.call.update({ where: { id: callId }, data: { status: "waiting_auth", lastError: "the portal must re-authorise the app" } });
  return "waiting_auth";
}

interface CallAndPortal {
  id: string;
  portalId: string;
  connectionId: string;
  vendor: string;
  vendorCallId: string;
  version: number;
  syncedVersion: number;
  callerKey: string | null;
  recordingUrl: string | null;
  portal: Pick<Portal, "status" | "statusReason" | "accessTokenEnc" | "accessExpiresAt" | "defaultRegion" | "scopes">;
}

/**
 * The call as the sync first reads it, with its portal (the token comes from this row): one prepared
 * statement, where Prisma's include made three (bench/sync.ts: Prisma was 35 % of the worker's CPU).
 * Of the record only the recording link: the whole record is read again under the caller lock.
 */
async function readCallAndPortal(db: Db, callId: string): Promise<CallAndPortal | null> {
  const [row] = await sql<Omit<CallAndPortal, "portal"> & CallAndPortal["portal"]>(
    db,
    `SELECT c."id", c."portalId", c."connectionId", c."vendor", c."vendorCallId", c."version", c."syncedVersion", c."callerKey",
            c."record"->>'recordingUrl' AS "recordingUrl",
            p."status", p."statusReason", p."accessTokenEnc", p."accessExpiresAt", p."defaultRegion", p."scopes"
       FROM "Call" c JOIN "Portal" p ON p."id" = c."portalId" WHERE c."id" = $1`,
    [callId],
    { name: "sync-read-call-and-portal" },
  );
  if (!row) return null;
  const { status, statusReason, accessTokenEnc, accessExpiresAt, defaultRegion, scopes, ...call } = row;
  return { ...call, portal: { status, statusReason, accessTokenEnc, accessExpiresAt, defaultRegion, scopes } };
}

/** Run HubSpot work with the portal's token; on a 401, refresh once and run it again. */
async function withFreshToken(tokens: PortalTokens, portalId: string, portal: Parameters<PortalTokens["accessTokenFrom"]>[1], work: (client: HubSpotClient, accessToken: string) => Promise<void>): Promise<void> {
  // The portal row read with the call: no second read for the token.
  const token = await tokens.accessTokenFrom(portalId, portal);
  try {
    await work(tokens.clientFor(portalId, token), token);
  } catch (error) {
    if (!(error instanceof HubSpotRequestError && error.failure.kind === "unauthorized")) throw error;
    const fresh = await tokens.refresh(portalId);
    try {
      await work(tokens.clientFor(portalId, fresh), fresh);
    } catch (retryError) {
      if (retryError instanceof HubSpotRequestError && retryError.failure.kind === "unauthorized") {
        await tokens.markNeedsReauth(portalId, "HubSpot refused a freshly refreshed token");
        throw new PortalNeedsReauthError(portalId, "HubSpot refused a freshly refreshed token");
      }
      throw retryError;
    }
  }
}

interface EngagementWriter {
  client: HubSpotClient;
  batches: HubSpotBatches;
  portalId: string;
  token: string;
}

/**
 * Create the HubSpot Call once per call; later events update it (both batched). After a failed
 * attempt whose result we never stored (worker killed between HubSpot's answer and our write), look for
 * a Call carrying our id in hs_call_external_id before creating another.
 */
async function upsertHubSpotCall(writer: EngagementWriter, existingId: string | null, contactId: string, properties: Record<string, string>, callId: string, isRetry: boolean): Promise<string> {
  const { client, batches, portalId, token } = writer;
  let id = existingId;
  if (!id && isRetry) id = await batches.findCallByExternalId(portalId, token, client, callId);
  if (id) {
    try {
      return await batches.update("calls", portalId, token, client, { id, properties });
    } catch (error) {
      // Deleted by a user in HubSpot: log the call again rather than lose it.
      if (!(error instanceof HubSpotRequestError && error.failure.kind === "not_found")) throw error;
    }
  }
  return batches.create("calls", portalId, token, client, {
    properties,
    associations: [{ to: { id: contactId }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: CALL_TO_CONTACT }] }],
  });
}

export { TransientSyncError, PermanentSyncError };
