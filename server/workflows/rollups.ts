import { sql, type Db } from "../db/client.js";
import type { fieldValues } from "../mapping/fields.js";

// The contact properties a RevOps admin filters, reports and triggers workflows on that no single call
// holds: how many AI calls the contact has had, when the latest was, and their next booking. They are
// computed from our own rows at every sync, never incremented, so a redelivered event, a retried job or
// a later event of the same call writes the same numbers again (idempotent per call, not per delivery).

export interface CallerOfCall {
  portalId: string;
  callId: string;
  /** Call.callerKey: every call of this caller carries it (server/contacts/identity.ts). */
  callerKey: string | null;
  /** The contact the app-side index already binds this caller to, if any. */
  contactId: string | null;
  /** The caller's numbers, E.164 (bookings keep the number the caller booked with). */
  phones: string[];
  /** This call's own time, in case the row has none yet. */
  startedAt: string | null;
}

export interface ContactRollups {
  callCount: number;
  /** The latest of the caller's calls, so a late event of an older call never moves it back. */
  lastCallAt: string | null;
  /** The next confirmed booking ahead, or null: the property is cleared. */
  nextBookingAt: string | null;
}

/** A caller's calls are those with their key, those already logged on their contact, and this one. */
export async function contactRollups(db: Db, caller: CallerOfCall, now = new Date()): Promise<ContactRollups> {
  const [calls] = await sql<{ count: string; latest: Date | null }>(
    db,
    `SELECT count(*) AS count, max("startedAt") AS latest FROM "Call"
      WHERE "portalId" = $1 AND "status" <> 'forgotten'
        AND ("id" = $2 OR ($3::text IS NOT NULL AND "callerKey" = $3) OR ($4::text IS NOT NULL AND "hubspotContactId" = $4))`,
    [caller.portalId, caller.callId, caller.callerKey, caller.contactId],
  );
  const [booking] = await sql<{ startAt: Date }>(
    db,
    `SELECT "startAt" FROM "Booking"
      WHERE "portalId" = $1 AND "status" = 'confirmed' AND "startAt" > $2::timestamp
        AND ("callerPhone" = ANY($3::text[]) OR ($4::text IS NOT NULL AND "contactId" = $4))
      ORDER BY "startAt" ASC LIMIT 1`,
    [caller.portalId, now.toISOString(), caller.phones, caller.contactId],
  );
  const latest = [calls?.latest?.toISOString() ?? null, caller.startedAt ? new Date(caller.startedAt).toISOString() : null].filter((t): t is string => t !== null).sort().at(-1) ?? null;
  return { callCount: Number(calls?.count ?? 1), lastCallAt: latest, nextBookingAt: booking?.startAt.toISOString() ?? null };
}

/** The roll-ups as mapping values: an empty next booking clears the property. */
export function withRollups(values: ReturnType<typeof fieldValues>, rollups: ContactRollups): ReturnType<typeof fieldValues> {
  values.set("callCount", rollups.callCount);
  if (rollups.lastCallAt) values.set("lastCallAt", rollups.lastCallAt);
  values.set("nextBookingAt", rollups.nextBookingAt ?? "");
  return values;
}
