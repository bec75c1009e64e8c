import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { Prisma, type Db } from "../db/client.js";
import type { CallRecord } from "../calls/record.js";
import { logger } from "../config/logger.js";
import { callerIdentity, callerKeys, callerPhones } from "../contacts/identity.js";
import { normaliseEmail, normalisePhone } from "../contacts/phone.js";
import { forgetJobs, meetingJobIdsOf, syncJobIdsOf, type MeetingJobData, type SyncJobData } from "../queue/queues.js";

const log = logger("privacy");

/** What a privacy deletion reaches: the database, and the queues (in Redis) whose jobs name the person's rows. */
export interface ForgetDeps {
  db: Db;
  /** Caller keys are keyed by it (contacts/identity.ts). */
  encryptionKey: string;
  /** For numbers of a portal that has none set. */
  defaultRegion: string;
  queue: Queue<SyncJobData>;
  meetingQueue: Queue<MeetingJobData>;
  redis: Redis;
}
const REMOVED = "(removed on the contact's request)";

/** What stays of a call after its contact asked to be forgotten: times and outcome, nothing personal. */
export function scrub(record: CallRecord): CallRecord {
  return {
    ...record,
    fromNumber: null,
    toNumber: null,
    caller: {},
    summary: null,
    transcript: null,
    utterances: null,
    recordingUrl: null,
    intent: null,
    escalation: record.escalation ? { reason: REMOVED } : null,
    qualification: {},
  };
}

/** One person as this app knows them in a portal. */
interface Person {
  contactIds: string[];
  /** E.164 numbers and their national digits (what a free-text body holds in any formatting). */
  phones: Map<string, string>;
  emails: Set<string>;
  calls: { id: string; connectionId: string; vendorCallId: string; version: number }[];
  bookings: { id: string; connectionId: string | null; vendorCallId: string | null; meetingVersion: number }[];
}

type CallRow = { id: string; connectionId: string; vendorCallId: string; version: number; hubspotContactId: string | null; callerKey: string | null; record: CallRecord };

/**
 * contact.privacyDeletion: everything the app holds about the person goes.
 *   1. Who: the contact (calls of contacts merged into it were re-pointed to it on merge), the phone
 *      numbers and emails its index entries, calls and bookings carry, and every call of those: by
 *      caller key (calls waiting for re-authorisation have no contact yet), email or number.
 *   2. In one transaction holding their call rows FOR UPDATE (storeRecording takes them FOR SHARE):
 *      calls scrubbed and never synced again, recordings, index entries, snapshots, tool answers and
 *      quarantined payloads carrying the number or email deleted, fallback reasons, last errors and
 *      bookings' caller details cleared (bookings keep their times: the calendar needs them).
 *   3. Redis: their sync and Meeting jobs, whose failure messages can quote HubSpot about them.
 */
export async function forgetContact(deps: ForgetDeps, portalId: string, contactId: string): Promise<number> {
  const portal = await deps.db.portal.findUnique({ where: { id: portalId } });
  const person = await findPerson(deps.db, deps.encryptionKey, portalId, contactId, portal?.defaultRegion ?? deps.defaultRegion);
  const callIds = person.calls.map((c) => c.id);
  const bookingIds = person.bookings.map((b) => b.id);
  const emails = [...person.emails];
  const nationals = [...person.phones.values()];
  const toolKeys = [...person.calls, ...person.bookings].filter((c) => c.connectionId && c.vendorCallId).map((c) => `${c.connectionId}:${c.vendorCallId}:`);
  const replays = await deps.db.fallbackEntry.findMany({ where: { callId: { in: callIds } }, select: { callId: true, replayCount: true } });

  await deps.db.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ id: string; record: CallRecord; status: string }[]>`
      SELECT "id", "record", "status" FROM "Call" WHERE "id" = ANY(${callIds}::text[]) ORDER BY "id" FOR UPDATE`;
    for (const call of locked) {
      // Never sent to HubSpot again (re-authorisation, replay, the outbox sweep): nothing of it is left to send.
      await tx.$executeRaw`
        UPDATE "Call" SET "record" = ${JSON.stringify(scrub(call.record))}::jsonb, "callerKey" = NULL, "lastError" = NULL,
          "syncedVersion" = GREATEST("syncedVersion", "version"), "status" = CASE WHEN "status" = 'synced' THEN 'synced' ELSE 'forgotten' END, "updatedAt" = now()
        WHERE "id" = ${call.id}`;
    }
    await tx.recording.deleteMany({ where: { callId: { in: callIds } } });
    await tx.fallbackEntry.updateMany({ where: { callId: { in: callIds } }, data: { reason: REMOVED, resolvedAt: new Date() } });
    await tx.contactIndex.deleteMany({ where: { portalId, OR: [{ contactId: { in: person.contactIds } }, { keyValue: { in: [...person.phones.keys(), ...emails] } }] } });
    await tx.contactSnapshot.deleteMany({ where: { portalId, contactId: { in: person.contactIds } } });
    // A booking's Meeting is not written again either: there is no one left to write it for.
    await tx.$executeRaw`
      UPDATE "Booking" SET "callerName" = NULL, "callerEmail" = NULL, "callerPhone" = NULL, "meetingError" = NULL, "meetingSyncedVersion" = "meetingVersion", "updatedAt" = now()
      WHERE "id" = ANY(${bookingIds}::text[])`;
    if (toolKeys.length) await tx.toolInvocation.deleteMany({ where: { OR: toolKeys.map((prefix) => ({ key: { startsWith: prefix } })) } });
    // Signed payloads that failed validation are kept whole for ops: those naming the person go.
    await tx.$executeRaw`DELETE FROM "QuarantinedPayload" WHERE "portalId" = ${portalId} AND ${mentions(Prisma.sql`"body"`, emails, nationals)}`;
    await tx.$executeRaw`UPDATE "Connection" SET "lastError" = NULL WHERE "portalId" = ${portalId} AND "lastError" IS NOT NULL AND ${mentions(Prisma.sql`"lastError"`, emails, nationals)}`;
  });

  const replayCount = new Map(replays.map((r) => [r.callId, r.replayCount]));
  await Promise.all([
    forgetJobs(deps.queue, deps.redis, person.calls.flatMap((call) => syncJobIdsOf(call, replayCount.get(call.id) ?? 0))),
    forgetJobs(deps.meetingQueue, deps.redis, person.bookings.flatMap(meetingJobIdsOf)),
  ]).catch((error: Error) => log.warn({ portalId, err: error.message }, "queued jobs not removed (they expire within 7 days)"));
  // The log says that it happened, never whom it was about.
  log.info({ portalId, calls: callIds.length, bookings: bookingIds.length }, "privacy deletion processed");
  return callIds.length;
}

/** The person's traces in a text column: one of the emails (any case), or a run of digits holding one of the numbers. */
function mentions(column: Prisma.Sql, emails: string[], nationals: string[]): Prisma.Sql {
  return Prisma.sql`(
    EXISTS (SELECT 1 FROM unnest(${emails}::text[]) AS e(email) WHERE position(e.email IN lower(${column})) > 0)
    OR EXISTS (SELECT 1 FROM regexp_matches(${column}, '[0-9][0-9 ().+/-]*[0-9]', 'g') AS m(run), unnest(${nationals}::text[]) AS n(digits)
               WHERE position(n.digits IN regexp_replace(m.run[1], '[^0-9]', '', 'g')) > 0))`;
}

async function findPerson(db: Db, encryptionKey: string, portalId: string, contactId: string, region: string): Promise<Person> {
  const contactIds = [contactId];
  const phones = new Map<string, string>();
  const emails = new Set<string>();
  const addPhone = (raw: string | null | undefined) => {
    const phone = normalisePhone(raw, region);
    if (phone) phones.set(phone.e164, phone.national);
  };
  const addEmail = (raw: string | null | undefined) => {
    const email = normaliseEmail(raw);
    if (email) emails.add(email);
  };

  // 1. What the app knows of the contact.
  for (const entry of await db.contactIndex.findMany({ where: { portalId, contactId: { in: contactIds } } })) (entry.keyType === "phone" ? addPhone : addEmail)(entry.keyValue);
  for (const booking of await db.booking.findMany({ where: { portalId, contactId: { in: contactIds } } })) {
    addPhone(booking.callerPhone);
    addEmail(booking.callerEmail);
  }
  const linked = await db.call.findMany({ where: { portalId, hubspotContactId: { in: contactIds } } });
  for (const call of linked) {
    const identity = callerIdentity(call.record as unknown as CallRecord, region);
    for (const phone of callerPhones(call.record as unknown as CallRecord, region)) phones.set(phone.e164, phone.national);
    addEmail(identity.email);
  }

  // 2. Every call of those numbers and addresses: candidates in SQL, confirmed with the same normalisation.
  const keys = callerKeys(encryptionKey, portalId, phones.keys(), emails);
  const candidates = await db.$queryRaw<CallRow[]>`
    SELECT "id", "connectionId", "vendorCallId", "version", "hubspotContactId", "callerKey", "record" FROM "Call"
    WHERE "portalId" = ${portalId} AND (
      "hubspotContactId" = ANY(${contactIds}::text[]) OR "callerKey" = ANY(${keys}::text[])
      OR lower(btrim("record"->'caller'->>'email')) = ANY(${[...emails]}::text[])
      OR EXISTS (SELECT 1 FROM unnest(ARRAY["record"->>'fromNumber', "record"->>'toNumber', "record"->'caller'->>'phone']) AS n(raw), unnest(${[...phones.values()]}::text[]) AS d(digits)
                 WHERE position(d.digits IN regexp_replace(n.raw, '[^0-9]', '', 'g')) > 0))`;
  const keySet = new Set(keys);
  const calls = candidates.filter(
    (call) =>
      (call.hubspotContactId !== null && contactIds.includes(call.hubspotContactId)) ||
      (call.callerKey !== null && keySet.has(call.callerKey)) ||
      emails.has(normaliseEmail(call.record.caller?.email) ?? "") ||
      callerPhones(call.record, region).some((phone) => phones.has(phone.e164)),
  );

  const bookings = await db.booking.findMany({
    where: {
      portalId,
      OR: [
        { contactId: { in: contactIds } },
        { callerPhone: { in: [...phones.keys()] } },
        ...[...emails].map((email) => ({ callerEmail: { equals: email, mode: "insensitive" as const } })),
        ...calls.map((call) => ({ connectionId: call.connectionId, vendorCallId: call.vendorCallId })),
      ],
    },
    select: { id: true, connectionId: true, vendorCallId: true, meetingVersion: true },
  });
  return { contactIds, phones, emails, calls, bookings };
}
