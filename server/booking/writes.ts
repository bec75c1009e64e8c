import { sql, type Db } from "../db/client.js";

// The writes that claim time. Double booking is impossible in our own data: an exclusion constraint
// on the bookings table (SQLSTATE 23P01) refuses a second booking or hold of the same staff time.

/** An error's message and driver details (Prisma puts the SQLSTATE in meta). */
const errorText = (error: unknown) => String((error as { message?: unknown })?.message ?? "") + JSON.stringify((error as { meta?: unknown })?.meta ?? {});

/** Another booking of the portal has this reference (SQLSTATE 23505 on the unique index). */
const isReferenceTaken = (error: unknown) => errorText(error).includes("Booking_portalId_reference_key");

export function isOverlapError(error: unknown): boolean {
  const text = errorText(error);
  return text.includes("23P01") || text.includes("Booking_no_overlap") || text.includes("exclusion constraint");
}

/**
 * Two transactions inserting clashing rows under an exclusion constraint can each wait for the other:
 * PostgreSQL breaks that with a deadlock error (40P01) for one of them. The other one wins the slot.
 */
export function isDeadlock(error: unknown): boolean {
  const text = errorText(error);
  return text.includes("40P01") || text.includes("deadlock detected");
}

/** Runs a write that may hit the exclusion constraint: true if it landed, false if the time is taken. */
export async function claim(write: () => Promise<unknown>): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await write();
      return true;
    } catch (error) {
      if (isOverlapError(error)) return false;
      // The deadlock victim retries once: by then the winner has committed and it sees 23P01.
      if (isDeadlock(error) && attempt === 0) {
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
        continue;
      }
      if (isDeadlock(error)) return false;
      throw error;
    }
  }
}

/** Every booking change bumps the meeting outbox; a worker brings the HubSpot Meeting up to it. */
export const meetingChange = (action: "booked" | "rescheduled" | "cancelled") => ({ meetingAction: action, meetingVersion: { increment: 1 } });

/**
 * Writes a booking under a freshly drawn reference, and under another one when the portal already
 * has it (1 in 430 million per booking, so about never, and then once more). ON CONFLICT DO NOTHING
 * does not say which constraint stopped the INSERT: no row means the slot was taken, unless the
 * reference turns out to be in use.
 */
export async function withFreshReference<T>(db: Db, portalId: string, draw: () => string, write: (reference: string) => Promise<T | null>): Promise<T | null> {
  for (let attempt = 1; ; attempt++) {
    const reference = draw();
    try {
      const written = await write(reference);
      if (written) return written;
    } catch (error) {
      if (isReferenceTaken(error) && attempt < 5) continue;
      throw error;
    }
    const [inUse] = await sql(db, `SELECT 1 FROM "Booking" WHERE "portalId" = $1 AND "reference" = $2`, [portalId, reference]);
    if (!inUse) return null;
    if (attempt >= 5) throw new Error("no free booking reference after 5 draws");
  }
}

export interface Confirmation {
  id: string;
  /** The hold being confirmed, or null for a fresh INSERT. */
  held: boolean;
  portalId: string;
  staffId: string;
  serviceTypeId: string;
  start: Date;
  end: Date;
  blockEnd: Date;
  connectionId: string;
  vendorCallId: string;
  caller: { name: string | null; email: string | null; phone: string | null };
  /** JSON of the booking's history. */
  history: string;
  now: Date;
  /** When the booking row is its own event (the built-in calendar): confirmed with its event id and Meeting at once. */
  finished: boolean;
}

/** Confirms a hold, or inserts a confirmed booking; null when the time is taken (no row). */
export async function confirm(db: Db, c: Confirmation, reference: string): Promise<{ meetingVersion: number; reference: string } | null> {
  const finish = c.finished ? [c.id, "booked", 1] : [null, null, 0];
  const rows = c.held
    ? await sql<{ meetingVersion: number; reference: string }>(
        db,
        `UPDATE "Booking" SET "status" = 'confirmed', "holdExpiresAt" = NULL, "callerName" = $2, "callerEmail" = $3, "callerPhone" = $4, "history" = $5::jsonb, "updatedAt" = $6,
           "externalEventId" = $7, "meetingAction" = $8, "meetingVersion" = "meetingVersion" + $9, "reference" = $10
         WHERE "id" = $1 AND "status" = 'held' RETURNING "meetingVersion", "reference"`,
        [c.id, c.caller.name, c.caller.email, c.caller.phone, c.history, c.now.toISOString(), ...finish, reference],
      )
    : await sql<{ meetingVersion: number; reference: string }>(
        db,
        `INSERT INTO "Booking" ("id", "portalId", "staffId", "serviceTypeId", "status", "startAt", "endAt", "blockEndAt", "connectionId", "vendorCallId", "callerName", "callerEmail", "callerPhone", "history", "updatedAt", "externalEventId", "meetingAction", "meetingVersion", "reference")
         VALUES ($1, $2, $3, $4, 'confirmed', $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15, $16, $17, $18)
         ON CONFLICT DO NOTHING RETURNING "meetingVersion", "reference"`,
        [c.id, c.portalId, c.staffId, c.serviceTypeId, c.start.toISOString(), c.end.toISOString(), c.blockEnd.toISOString(), c.connectionId, c.vendorCallId, c.caller.name, c.caller.email, c.caller.phone, c.history, c.now.toISOString(), ...finish, reference],
      );
  return rows[0] ?? null;
}

/**
 * A booking the calendar refused (its event could not be written, or a foreign event landed on it):
 * cancelled, with the reason appended to its history so the story stays whole (booked, then withdrawn).
 */
export async function withdraw(db: Db, id: string, reason: "calendar_conflict" | "calendar_error", now: Date, externalEventId?: string): Promise<void> {
  const entry = JSON.stringify([{ at: now.toISOString(), action: "withdrawn", reason }]);
  await sql(db, `UPDATE "Booking" SET "status" = 'cancelled', "externalEventId" = COALESCE($3, "externalEventId"), "history" = "history" || $2::jsonb, "updatedAt" = $4 WHERE "id" = $1`, [id, entry, externalEventId ?? null, now.toISOString()]);
}
