import type { HubSpotBatches } from "../hubspot/batch.js";
import { Worker, type Job, type Queue } from "bullmq";
import type { Env } from "../config/env.js";
import type { PortalTokens } from "../hubspot/tokens.js";
import type { CallerLocks } from "../contacts/caller-lock.js";
import type { Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import { addJob, forgetJobsOfDeletedRows, MEETING_QUEUE, meetingJob, type MeetingJobData, workerOptions, workerSettings } from "../queue/queues.js";
import { assertNever, classifyFailure, type JobFailure } from "../queue/failures.js";
import { requeueDue, requeueUnlessLive, type OutboxAges } from "../queue/outbox.js";
import { hubspotCall } from "../hubspot/call.js";
import { ContactIndexStore } from "../contacts/index-store.js";
import { normaliseEmail, normalisePhone } from "../contacts/phone.js";
import { upsertCaller } from "../contacts/resolve.js";
import { routingSettings } from "../routing/settings.js";
import { ownerForNewCaller } from "../routing/assign.js";
import { callerKey } from "../contacts/identity.js";
import { loadMapping } from "../mapping/store.js";
import { LEAD_SOURCE_VALUE } from "../mapping/fields.js";
import { escapeHtml } from "../text/html.js";
import { TransientSyncError } from "../hubspot/errors.js";
import type { HubSpotClient } from "../hubspot/client.js";
import { ownMeetingOf } from "./providers/registry.js";

const log = logger("booking.meetings");

/** What the Meeting worker uses: the database, HubSpot tokens, the per-caller locks, a few settings. */
export interface MeetingDeps {
  db: Db;
  tokens: Pick<PortalTokens, "accessToken" | "clientFor">;
  /** The sync's micro-batches: a Meeting's new caller is found or created like a call's. */
  batches: HubSpotBatches;
  locks: Pick<CallerLocks, "withLock">;
  /** The queues' Redis key prefix. */
  prefix: string;
  env: Pick<Env, "ENCRYPTION_KEY" | "WORKER_CONCURRENCY" | "WORKER_LOCK_MS" | "SYNC_BACKOFF_MS" | "SYNC_MAX_ATTEMPTS">;
}

/** What the outbox sweep uses. */
export interface MeetingSweepDeps {
  db: Db;
  meetingQueue: Queue<MeetingJobData>;
  env: Pick<Env, "SYNC_MAX_ATTEMPTS">;
}
const MEETING_TO_CONTACT = 200;
/** What the booking shows (CLI, `hubspotMeetingError`) while its Meeting waits for a new install. */
export const WAITING_FOR_AUTH = "waiting for HubSpot re-authorisation (the portal's admin must install the app again)";

/** Queue the Meeting update for the booking's latest change (the job id dedupes redelivery). */
export async function enqueueMeeting(queue: Queue<MeetingJobData>, booking: { id: string; meetingVersion: number }, attempts: number): Promise<void> {
  await addJob(queue, meetingJob(booking, attempts));
}

/**
 * Brings the HubSpot Meeting up to the booking's latest version. Idempotent: a version already synced
 * is skipped, and the Meeting id is stored the moment it exists, so a retry patches instead of creating.
 */
export async function syncMeeting(rt: MeetingDeps, bookingId: string): Promise<"synced" | "current" | "missing"> {
  const booking = await rt.db.booking.findUnique({ where: { id: bookingId } });
  if (!booking) return "missing";
  if (!booking.meetingAction || booking.meetingSyncedVersion >= booking.meetingVersion) return "current";
  const version = booking.meetingVersion;
  await logMeeting(rt, bookingId, booking.meetingAction as keyof typeof OUTCOME);
  await rt.db.booking.updateMany({ where: { id: bookingId, meetingSyncedVersion: { lt: version } }, data: { meetingSyncedVersion: version, meetingError: null, meetingWaitingAuth: false } });
  return "synced";
}

/** The worker for Meeting jobs: failures classified as the call sync's are (server/queue/failures.ts). */
export function startMeetingWorker(rt: MeetingDeps, connection: import("ioredis").Redis): Worker<MeetingJobData> {
  const worker = new Worker<MeetingJobData>(
    MEETING_QUEUE,
    async (job: Job<MeetingJobData>) => {
      try {
        return await syncMeeting(rt, job.data.bookingId);
      } catch (error) {
        return settleFailure(rt.db, job, classifyFailure(error), error);
      }
    },
    workerOptions(workerSettings(rt.env, rt.prefix, connection)),
  );
  worker.on("error", (error) => log.error({ err: error.message }, "meeting worker error"));
  forgetJobsOfDeletedRows(worker, connection, {
    rowGone: async ({ bookingId }) => !(await rt.db.booking.findUnique({ where: { id: bookingId }, select: { id: true } })),
    routine: (result) => result === "synced" || result === "current",
    onError: (error) => log.warn({ err: error.message }, "a job of a deleted booking was not removed from Redis"),
  });
  return worker;
}

/** What the booking shows for each kind of failure (docs/runbook.md, "Which failure goes where"). */
async function settleFailure(db: Db, job: Job<MeetingJobData>, failure: JobFailure, error: unknown): Promise<"waiting_auth" | "failed"> {
  const { bookingId } = job.data;
  switch (failure.kind) {
    case "wait_for_auth":
      // Like a call in waiting_auth: neither retried nor swept; the new install queues it again.
      await db.booking.update({ where: { id: bookingId }, data: { meetingWaitingAuth: true, meetingError: WAITING_FOR_AUTH } });
      log.warn({ bookingId }, "meeting waits for the portal's re-authorisation");
      return "waiting_auth";
    case "bug":
    case "permanent":
      await db.booking.update({ where: { id: bookingId }, data: { meetingError: failure.reason } }).catch(() => undefined);
      log.error({ bookingId, err: failure.reason, bug: failure.kind === "bug" }, "meeting not logged in HubSpot; the upkeep sweep tries again later");
      return "failed";
    case "retry":
      await db.booking.update({ where: { id: bookingId }, data: { meetingError: failure.reason } }).catch(() => undefined);
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        log.error({ bookingId, err: failure.reason }, "meeting retries exhausted; the upkeep sweep tries again later");
        return "failed";
      }
      throw error;
    default:
      return assertNever(failure);
  }
}

/**
 * The outbox sweep for Meetings (server/queue/outbox.ts): bookings changed since HubSpot last saw
 * them, with no live job, unless they wait for a re-authorisation.
 */
export async function sweepMeetings(rt: MeetingSweepDeps, ages: OutboxAges = {}): Promise<number> {
  return requeueDue(
    rt.meetingQueue,
    {
      due: (before, limit) =>
        rt.db.booking.findMany({
          where: {
            meetingVersion: { gt: rt.db.booking.fields.meetingSyncedVersion },
            meetingWaitingAuth: false,
            OR: [{ meetingError: null, updatedAt: { lt: before.fresh } }, { updatedAt: { lt: before.failed } }],
          },
          select: { id: true, meetingVersion: true },
          take: limit,
          orderBy: { updatedAt: "asc" },
        }),
      job: (row) => meetingJob(row, rt.env.SYNC_MAX_ATTEMPTS),
    },
    ages,
  );
}

/** After the portal's new install: its Meetings that waited for it are queued again, at once. */
export async function resumeWaitingMeetings(db: Db, queue: Queue<MeetingJobData>, portalId: string, attempts: number): Promise<number> {
  const waiting = await db.booking.findMany({ where: { portalId, meetingWaitingAuth: true }, select: { id: true, meetingVersion: true } });
  for (const booking of waiting) {
    await db.booking.update({ where: { id: booking.id }, data: { meetingWaitingAuth: false, meetingError: null } });
    // With Redis down now, the upkeep sweep queues it (the booking is due again).
    await requeueUnlessLive(queue, meetingJob(booking, attempts)).catch(() => undefined);
  }
  return waiting.length;
}

/** The Meeting's body (HTML in HubSpot): service and staff names are an admin's text, so escaped. */
export function meetingBody(booking: { serviceType: { name: string; durationMinutes: number }; staff: { name: string } }): string {
  return `<p>Booked by the AI receptionist: ${escapeHtml(booking.serviceType.name)} (${booking.serviceType.durationMinutes} minutes) with ${escapeHtml(booking.staff.name)}.</p>`;
}

const OUTCOME = { booked: "SCHEDULED", rescheduled: "RESCHEDULED", cancelled: "CANCELED" } as const;

/**
 * The booking as a Meeting on the caller's HubSpot contact: created on booking (SCHEDULED, owner =
 * the staff member's HubSpot owner), patched on reschedule (RESCHEDULED, new times) and cancel
 * (CANCELED). The caller is matched with the sync's rules, under the same per-caller lock.
 */
async function logMeeting(rt: MeetingDeps, bookingId: string, action: keyof typeof OUTCOME): Promise<void> {
  const booking = await rt.db.booking.findUniqueOrThrow({ where: { id: bookingId }, include: { staff: true, serviceType: true } });
  const token = await rt.tokens.accessToken(booking.portalId);
  const client = rt.tokens.clientFor(booking.portalId, token);
  const own = ownMeetingOf(booking.staff.calendar);
  if (own && booking.externalEventId) return adoptMeeting(rt, client, booking, own.contactId(booking.externalEventId), action);
  const portal = await rt.db.portal.findUniqueOrThrow({ where: { id: booking.portalId } });
  const phone = normalisePhone(booking.callerPhone, portal.defaultRegion);
  const email = normaliseEmail(booking.callerEmail);
  let contactId = booking.contactId;
  if (!contactId) {
    const [firstName, ...rest] = (booking.callerName ?? "").trim().split(/\s+/).filter(Boolean);
    const values = new Map<string, string>([["leadSource", LEAD_SOURCE_VALUE]]);
    if (phone) values.set("phone", phone.e164);
    if (email) values.set("email", email);
    if (firstName) values.set("firstName", firstName);
    if (rest.length) values.set("lastName", rest.join(" "));
    const mapping = await loadMapping(rt.db, booking.portalId);
    // The sync's caller key: a Meeting and a call of one new caller never both create the contact.
    const key = callerKey(rt.env.ENCRYPTION_KEY, booking.portalId, { phone, email }) ?? `booking:${booking.id}`;
    // The portal's rules apply as for a call: a shared number, and the owner of a new caller (by the service booked).
    const routing = await routingSettings(rt.db, booking.portalId);
    const ownerOfNewCaller = async () => (await ownerForNewCaller(rt.db, booking.portalId, routing, { zip: null, intent: null, service: booking.serviceType.name }))?.ownerId ?? null;
    const resolved = await rt.locks.withLock(`${booking.portalId}:${key}`, (hold) =>
      upsertCaller(
        { portalId: booking.portalId, client, token, batches: rt.batches, index: new ContactIndexStore(rt.db), defaultRegion: portal.defaultRegion, hold, ambiguityRule: routing.ambiguityRule, ownerForNewCaller: ownerOfNewCaller },
        { phone, email, firstName, lastName: rest.join(" ") || null },
        values,
        mapping,
      ),
    );
    contactId = resolved.contactId;
    await rt.db.booking.update({ where: { id: booking.id }, data: { contactId } });
  }
  const properties: Record<string, string> = {
    hs_timestamp: booking.startAt.toISOString(),
    hs_meeting_title: `${booking.serviceType.name} with ${booking.staff.name}`,
    hs_meeting_body: meetingBody(booking),
    hs_meeting_start_time: booking.startAt.toISOString(),
    hs_meeting_end_time: booking.endAt.toISOString(),
    hs_meeting_outcome: OUTCOME[action],
  };
  if (booking.staff.hubspotOwnerId) properties.hubspot_owner_id = booking.staff.hubspotOwnerId;
  // Batched with the portal's other Meetings and Calls of the moment (server/hubspot/batch.ts).
  if (booking.hubspotMeetingId) {
    await rt.batches.update("meetings", booking.portalId, token, client, { id: booking.hubspotMeetingId, properties });
    return;
  }
  const meetingId = await rt.batches.create("meetings", booking.portalId, token, client, {
    properties,
    associations: [{ to: { id: contactId! }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: MEETING_TO_CONTACT }] }],
  });
  await rt.db.booking.update({ where: { id: booking.id }, data: { hubspotMeetingId: meetingId } });
}

type MeetingBooking = Awaited<ReturnType<Db["booking"]["findUniqueOrThrow"]>> & { staff: { name: string; hubspotOwnerId: string | null }; serviceType: { name: string; durationMinutes: number } };

/** How long HubSpot's search can take to show a new object (seconds, its docs say). */
const SEARCH_LAG_MS = 2_000;

const sameInstant = (iso: unknown, at: Date) => typeof iso === "string" && Date.parse(iso) === at.getTime();

/**
 * A booking on a HubSpot meeting link: HubSpot logged the Meeting itself (on the contact it found or
 * made by e-mail), so it is found there and updated, never created twice. A move booked a new time,
 * and so a new Meeting: the old one is marked RESCHEDULED and its body tells the organizer that the
 * old calendar event is still theirs to delete (HubSpot has no API to remove it). A cancel marks the
 * Meeting CANCELED with the same note. Every step is a PATCH of the same values: a retry repeats it.
 */
async function adoptMeeting(rt: MeetingDeps, client: HubSpotClient, booking: MeetingBooking, contactId: string | null, action: keyof typeof OUTCOME): Promise<void> {
  if (!contactId) throw new Error(`booking ${booking.id}: its meeting-link event id names no contact`);
  const when = (at: Date) => at.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  const note = (what: string) => `<p><strong>${escapeHtml(what)}</strong> HubSpot has no API to remove the calendar event: delete it from ${escapeHtml(booking.staff.name)}'s calendar so the time is free again and the invitee's copy goes away.</p>`;
  if (booking.hubspotMeetingId && action !== "cancelled") {
    const current = await hubspotCall(() => client.crm.objects.basicApi.getById("meetings", booking.hubspotMeetingId!, ["hs_meeting_start_time"]));
    if (!sameInstant(current.properties.hs_meeting_start_time, booking.startAt)) {
      await hubspotCall(() => client.crm.objects.basicApi.update("meetings", booking.hubspotMeetingId!, { properties: { hs_meeting_outcome: "RESCHEDULED", hs_meeting_body: `${meetingBody(booking)}${note(`Moved by the caller to ${when(booking.startAt)}; the new time is its own Meeting.`)}` } }));
    }
  }
  const meetingId = action === "cancelled" && booking.hubspotMeetingId ? booking.hubspotMeetingId : await findLinkMeeting(client, contactId, booking.startAt);
  const properties: Record<string, string> = {
    hs_meeting_body: action === "cancelled" ? `${meetingBody(booking)}${note("Cancelled by the caller on an AI call.")}` : meetingBody(booking),
    hs_meeting_outcome: OUTCOME[action === "cancelled" ? "cancelled" : "booked"],
  };
  if (booking.staff.hubspotOwnerId) properties.hubspot_owner_id = booking.staff.hubspotOwnerId;
  await hubspotCall(() => client.crm.objects.basicApi.update("meetings", meetingId, { properties }));
  await rt.db.booking.update({ where: { id: booking.id }, data: { hubspotMeetingId: meetingId, contactId } });
}

/** The Meeting HubSpot logged for a meeting-link booking: on its contact, at its start. HubSpot's search lags: not there yet is retried. */
async function findLinkMeeting(client: HubSpotClient, contactId: string, start: Date): Promise<string> {
  let after: string | undefined;
  for (let page = 0; page < 5; page++) {
    const found = await hubspotCall(() =>
      client.crm.objects.searchApi.doSearch("meetings", {
        filterGroups: [{ filters: [{ propertyName: "associations.contact", operator: "EQ" as never, value: contactId }] }],
        properties: ["hs_meeting_start_time"],
        limit: 100,
        ...(after ? { after } : {}),
      }),
    );
    const meeting = found.results.find((m) => sameInstant(m.properties.hs_meeting_start_time, start));
    if (meeting) return meeting.id;
    after = found.paging?.next?.after;
    if (!after) break;
  }
  // HubSpot's search shows a new object after a few seconds: wait that long before asking again,
  // whatever the queue's own backoff, so the retries outlast the lag.
  throw new TransientSyncError(`HubSpot does not show the meeting link's Meeting on contact ${contactId} yet`, SEARCH_LAG_MS);
}
