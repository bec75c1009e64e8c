import { sql, type Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import type { PortalNotifications } from "../notify/settings.js";

// Double bookings made by hand. Our own bookings never overlap each other (the exclusion constraint),
// and every booking is checked live against the staff calendar before it is written; but a person can
// still put an event in their own calendar over a booking the AI made. Sync brings that event in as
// busy time (ExternalBusy, which holds only events that are not ours); the worker's upkeep finds the
// overlaps here, shows them on the settings page until they are gone, and tells ops once per overlap.

const log = logger("booking.overlaps");

export interface OverlapDeps {
  db: Db;
  /** The portal's channels (or the operator's, where it set none): server/notify/settings.ts. */
  notifications: Pick<PortalNotifications, "overlap">;
  now?: () => Date;
}

interface FoundOverlap {
  bookingId: string;
  eventId: string;
  portalId: string;
  staffId: string;
  eventStartAt: Date;
  eventEndAt: Date;
}

const when = (instant: Date, timeZone: string) =>
  `${new Intl.DateTimeFormat("en-US", { timeZone, weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit" }).format(instant)} (${timeZone})`;

/**
 * One pass: records the overlaps of upcoming confirmed bookings with foreign calendar events that are
 * new, resolves the ones that are gone, and notifies ops of each new one. Returns what changed.
 */
export async function flagOverlaps(deps: OverlapDeps): Promise<{ found: number; resolved: number; notified: number }> {
  const now = (deps.now ?? (() => new Date()))();
  // 1. New overlaps (an upcoming confirmed booking and a foreign event of the same staff member).
  const found = await sql<FoundOverlap>(
    deps.db,
    `INSERT INTO "BookingOverlap" ("bookingId", "eventId", "portalId", "staffId", "eventStartAt", "eventEndAt", "foundAt")
     SELECT b."id", e."eventId", b."portalId", b."staffId", e."startAt", e."endAt", $1
     FROM "Booking" b JOIN "ExternalBusy" e ON e."staffId" = b."staffId" AND e."startAt" < b."endAt" AND e."endAt" > b."startAt"
     WHERE b."status" = 'confirmed' AND b."endAt" > $1
     ON CONFLICT ("bookingId", "eventId") DO UPDATE SET "resolvedAt" = NULL, "eventStartAt" = EXCLUDED."eventStartAt", "eventEndAt" = EXCLUDED."eventEndAt"
       WHERE "BookingOverlap"."resolvedAt" IS NOT NULL
     RETURNING "bookingId", "eventId", "portalId", "staffId", "eventStartAt", "eventEndAt"`,
    [now.toISOString()],
  );
  // 2. Overlaps that are gone: the event moved or went, the booking moved, was cancelled or is past.
  const resolved = await sql(
    deps.db,
    `UPDATE "BookingOverlap" o SET "resolvedAt" = $1
     WHERE o."resolvedAt" IS NULL AND NOT EXISTS (
       SELECT 1 FROM "Booking" b JOIN "ExternalBusy" e ON e."staffId" = b."staffId" AND e."eventId" = o."eventId"
       WHERE b."id" = o."bookingId" AND b."status" = 'confirmed' AND b."endAt" > $1 AND e."startAt" < b."endAt" AND e."endAt" > b."startAt")
     RETURNING o."bookingId"`,
    [now.toISOString()],
  );
  // 3. Ops hear of each new one once (a failed notification is tried again on the next pass).
  const pending = await deps.db.bookingOverlap.findMany({
    where: { resolvedAt: null, notifiedAt: null },
    include: { booking: { include: { staff: true, serviceType: true } } },
    take: 50,
  });
  let notified = 0;
  for (const overlap of pending) {
    const { booking } = overlap;
    const settings = await deps.db.bookingSettings.findUnique({ where: { portalId: overlap.portalId } });
    const zone = settings?.timezone ?? booking.staff.timezone;
    const delivered = await deps.notifications.overlap({ portalId: overlap.portalId, staff: booking.staff.name, service: booking.serviceType.name, reference: booking.reference ?? booking.id, booking: when(booking.startAt, zone), event: when(overlap.eventStartAt, zone) });
    if (delivered) {
      await deps.db.bookingOverlap.update({ where: { bookingId_eventId: { bookingId: overlap.bookingId, eventId: overlap.eventId } }, data: { notifiedAt: now } });
      notified++;
    }
  }
  if (found.length || resolved.length) log.warn({ found: found.length, resolved: resolved.length }, "double bookings in staff calendars");
  return { found: found.length, resolved: resolved.length, notified };
}
