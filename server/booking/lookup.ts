import { sql, type Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import type { BookingOutcome } from "./answers.js";
import { isReference, normaliseReference } from "./reference.js";
import type { CallerContext } from "./types.js";

// Finding the caller's booking for a change: by reference (or full id) from the caller's own phone,
// with a bound on failed lookups per call, or else their next booking by phone.

const log = logger("booking");
/** Failed booking-reference lookups one call gets; after that the team calls back. */
export const MAX_FAILED_LOOKUPS = 3;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const include = { staff: true, serviceType: true } as const;

type Found = NonNullable<Awaited<ReturnType<typeof findConfirmed>>>;
const findConfirmed = (db: Db, where: Record<string, unknown>, orderBy?: { startAt: "asc" }) => db.booking.findFirst({ where: { status: "confirmed", ...where }, include, ...(orderBy ? { orderBy } : {}) });

/**
 * The caller's booking. With a reference: that booking, compared exactly (or by its full id), and
 * only if it was made from this call's phone or from no known phone; a booking of another phone is
 * not found, with the same answer as a wrong reference. Each call gets MAX_FAILED_LOOKUPS failed
 * lookups. Without a reference: the caller's next confirmed booking by phone, else `none`.
 */
export async function findBooking(db: Db, now: Date, caller: CallerContext, given: string | undefined, none: BookingOutcome): Promise<{ booking: Found } | { outcome: BookingOutcome }> {
  if (!given?.trim()) {
    const next = caller.phone ? await findConfirmed(db, { portalId: caller.portalId, callerPhone: caller.phone, startAt: { gt: now } }, { startAt: "asc" }) : null;
    return next ? { booking: next } : { outcome: none };
  }
  const lookup = [caller.connectionId, caller.vendorCallId];
  const exhausted: BookingOutcome = { kind: "lookups_exhausted" };
  // 1. Take one of the call's failed lookups before looking (given back when the booking is found),
  //    so concurrent tool calls of one call cannot look up more than the bound between them.
  const [taken] = await sql<{ failures: number }>(
    db,
    `INSERT INTO "ReferenceLookup" ("connectionId", "vendorCallId", "failures", "updatedAt") VALUES ($1, $2, 1, now())
     ON CONFLICT ("connectionId", "vendorCallId") DO UPDATE SET "failures" = "ReferenceLookup"."failures" + 1, "updatedAt" = now()
     WHERE "ReferenceLookup"."failures" < $3 RETURNING "failures"`,
    [...lookup, MAX_FAILED_LOOKUPS],
  );
  if (!taken) return { outcome: exhausted };
  // 2. Exact equality, never a pattern; the phone rule in the WHERE clause.
  const reference = normaliseReference(given);
  const key = UUID.test(given.trim()) ? { id: given.trim().toLowerCase() } : isReference(reference) ? { reference } : null;
  const owner = caller.phone ? { OR: [{ callerPhone: caller.phone }, { callerPhone: null }] } : { callerPhone: null };
  const booking = key ? await findConfirmed(db, { portalId: caller.portalId, ...key, ...owner }) : null;
  if (booking) {
    await sql(db, `UPDATE "ReferenceLookup" SET "failures" = "failures" - 1 WHERE "connectionId" = $1 AND "vendorCallId" = $2`, lookup);
    return { booking };
  }
  log.info({ portalId: caller.portalId, callId: caller.vendorCallId, failures: taken.failures }, "booking reference not found");
  // 3. The last failed lookup of the call goes straight to the callback: asking again is pointless.
  if (taken.failures >= MAX_FAILED_LOOKUPS) return { outcome: exhausted };
  return { outcome: { kind: "reference_not_found", reference: isReference(reference) ? reference : null, withheld: !caller.phone } };
}

/** Failed-lookup counts of calls that ended long ago: the worker's upkeep. */
export async function purgeReferenceLookups(db: Db, now: Date): Promise<number> {
  return db.$executeRaw`DELETE FROM "ReferenceLookup" WHERE "updatedAt" < ${new Date(now.getTime() - 86_400_000)}`;
}
