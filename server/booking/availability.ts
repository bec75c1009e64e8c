import { sql, type Db } from "../db/client.js";
import type { OpenCalendar, StaffCalendars } from "./calendars.js";
import { CalendarError } from "./providers/errors.js";
import type { ExternalType } from "./providers/types.js";
import { externalTypes, type OpeningsCache } from "./scheduling.js";
import { freeSlots, type SlotQuery } from "./slots.js";
import { addDays, localDate, zonedInstant } from "./time.js";
import type { BusyTime, Service, Settings, Slot, Staff, TimeWindow } from "./types.js";

// What is free: the portal's bookings and live holds, and the synced busy time of external calendars
// (ExternalBusy), read in plain SQL (the hot query of a live call), then the slot arithmetic (slots.ts).
// Staff on a scheduling system (Acuity) are offered the openings it gives for the service's mapped
// type instead of their working hours, asked day by day until enough slots are found.

/** How far ahead availability looks, in days after the first one. */
export const SEARCH_DAYS = 14;

export interface AvailabilityDeps {
  db: Db;
  calendars: StaffCalendars;
  now: () => Date;
  openings: OpeningsCache;
}

export interface SlotSearch {
  /** First day (YYYY-MM-DD in the portal's zone); today when absent. */
  date?: string;
  window?: TimeWindow;
  /** The zone the window is read in (the caller's, else the portal's). */
  timeZone: string;
  /** A booking that does not count as taken (the one being moved). */
  exclude?: string;
  /** Each free staff member at a start, not one per start (slots.ts SlotQuery). */
  everyStaff?: boolean;
}

/** Free slots for a service, earliest first, across the portal's staff, from a date and within a time window. */
export async function findFreeSlots(deps: AvailabilityDeps, portalId: string, everyone: Staff[], settings: Settings, service: Service, search: SlotSearch, limit: number): Promise<Slot[]> {
  // Staff whose external calendar is not connected are not offered: we cannot see their calendar.
  const providers = await deps.calendars.bookable(everyone);
  const scheduled = everyone.filter((s) => providers.get(s.id)?.scheduling);
  const types = await externalTypes(deps.db, scheduled.map((s) => s.id), service.id);
  // A scheduling system offers a service only through the type mapped to it.
  const staff = everyone.filter((s) => providers.has(s.id) && (!providers.get(s.id)!.scheduling || types.has(s.id)));
  const now = deps.now();
  const earliest = new Date(now.getTime() + settings.leadMinutes * 60_000);
  const firstDay = search.date ?? localDate(now, settings.timezone);
  const horizonEnd = zonedInstant(addDays(firstDay, SEARCH_DAYS + 1), "00:00", settings.timezone);
  const taken = await sql<BusyTime>(
    deps.db,
    `SELECT "staffId", "startAt", "blockEndAt" FROM "Booking"
     WHERE "portalId" = $1 AND "startAt" < $2 AND "blockEndAt" > $3 AND "id" <> $5
       AND ("status" = 'confirmed' OR ("status" = 'held' AND "holdExpiresAt" >= $4))`,
    [portalId, horizonEnd.toISOString(), earliest.toISOString(), now.toISOString(), search.exclude ?? ""],
  );
  const externalStaff = staff.filter((s) => providers.get(s.id)!.events === "external").map((s) => s.id);
  const external = externalStaff.length
    ? await sql<{ staffId: string; startAt: Date; endAt: Date }>(deps.db, `SELECT "staffId", "startAt", "endAt" FROM "ExternalBusy" WHERE "staffId" = ANY($1) AND "startAt" < $2 AND "endAt" > $3`, [externalStaff, horizonEnd.toISOString(), earliest.toISOString()])
    : [];
  for (const event of external) taken.push({ staffId: event.staffId, startAt: event.startAt, blockEndAt: event.endAt });
  const query: SlotQuery = { staff, taken, service, stepMinutes: settings.slotStepMinutes, firstDay, days: SEARCH_DAYS, earliest, window: search.window, timeZone: search.timeZone, limit, everyStaff: search.everyStaff };
  if (!types.size) return freeSlots(query);
  return scheduledSlots(deps, staff.filter((s) => types.has(s.id)), types, query);
}

/** Day by day, each scheduling-system calendar asked for the day's openings, until `limit` slots. */
async function scheduledSlots(deps: AvailabilityDeps, scheduled: Staff[], types: Map<string, ExternalType>, query: SlotQuery): Promise<Slot[]> {
  const calendars = new Map<Staff, OpenCalendar>();
  // A calendar that cannot be opened now (not connected) is not offered; anything else is a bug.
  const open = (s: Staff) => deps.calendars.open(s).catch((error: unknown) => {
    if (error instanceof CalendarError) return null;
    throw error;
  });
  for (const [member, calendar] of await Promise.all(scheduled.map(async (s) => [s, await open(s)] as const))) if (calendar) calendars.set(member, calendar);
  let staff = query.staff.filter((s) => !types.has(s.id) || calendars.has(s));
  const slots: Slot[] = [];
  for (let offset = 0; offset <= query.days && slots.length < query.limit; offset++) {
    const day = addDays(query.firstDay, offset);
    const openings = new Map<string, Date[]>();
    await Promise.all(
      [...calendars].map(async ([member, { account, provider }]) => {
        const type = types.get(member.id)!;
        try {
          openings.set(member.id, await deps.openings.get(member.id, type, day, () => provider.scheduling!.openings(account, type, day)));
        } catch (error) {
          // A calendar that cannot answer is not offered this time (and marked when our access is gone).
          if (!(error instanceof CalendarError)) throw error;
          await deps.calendars.refused?.(member, error);
          calendars.delete(member);
          staff = staff.filter((s) => s.id !== member.id);
        }
      }),
    );
    slots.push(...freeSlots({ ...query, staff, firstDay: day, days: 0, openings, limit: query.limit - slots.length }));
  }
  return slots;
}
