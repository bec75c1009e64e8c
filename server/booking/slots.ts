import { addDays, localDate, weekdayOf, zonedInstant } from "./time.js";
import type { Breaks, BusyTime, Service, Slot, Staff, TimeWindow, WorkingHours } from "./types.js";

// Slot arithmetic, pure: which start times are free, given working hours (with breaks and days off),
// what is taken and a window.
// Working hours are wall-clock times in each staff member's zone, so a day across a DST change is
// shorter or longer in UTC (time.ts turns wall-clock times into instants).

const MINUTE = 60_000;

export const overlaps = (busy: { start: Date; end: Date }[], start: Date, end: Date) => busy.some((b) => b.start < end && b.end > start);

/** When the appointment ends, and when the staff member is free again (after the buffer). */
export function blockOf(service: Pick<Service, "durationMinutes" | "bufferMinutes">, start: Date): { end: Date; blockEnd: Date } {
  const end = new Date(start.getTime() + service.durationMinutes * MINUTE);
  return { end, blockEnd: new Date(end.getTime() + service.bufferMinutes * MINUTE) };
}

type WorkingStaff = Pick<Staff, "hours" | "timezone" | "breaks" | "daysOff">;

/** The staff member's working hours on a day (YYYY-MM-DD in their zone) as instants; null on a day off (no hours that weekday, or a date in daysOff). */
export function workingDay(staff: WorkingStaff, day: string): { open: Date; close: Date } | null {
  if (staff.daysOff?.includes(day)) return null;
  const hours = (staff.hours as WorkingHours)[weekdayOf(day)];
  return hours ? { open: zonedInstant(day, hours[0], staff.timezone), close: zonedInstant(day, hours[1], staff.timezone) } : null;
}

/** The staff member's breaks on a day, as instants. */
export function breaksOn(staff: WorkingStaff, day: string): { start: Date; end: Date }[] {
  const breaks = ((staff.breaks ?? {}) as Breaks)[weekdayOf(day)] ?? [];
  return breaks.map(([from, to]) => ({ start: zonedInstant(day, from, staff.timezone), end: zonedInstant(day, to, staff.timezone) }));
}

/** Does an appointment from start to end fall within the staff member's working hours of its day, clear of breaks? */
export function withinHours(staff: WorkingStaff, start: Date, end: Date): boolean {
  const day = localDate(start, staff.timezone);
  const hours = workingDay(staff, day);
  return !!hours && start >= hours.open && end <= hours.close && !overlaps(breaksOn(staff, day), start, end);
}

const clocks = new Map<string, Intl.DateTimeFormat>();
/** "HH:MM" (24 h) of an instant in a zone. */
function clockTime(instant: Date, timeZone: string): string {
  let format = clocks.get(timeZone);
  if (!format) clocks.set(timeZone, (format = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })));
  return format.format(instant);
}

export interface SlotQuery {
  staff: Staff[];
  /** What is taken, of any of the staff. */
  taken: BusyTime[];
  service: Pick<Service, "durationMinutes" | "bufferMinutes">;
  stepMinutes: number;
  /** The first day searched (YYYY-MM-DD) and how many days after it. */
  firstDay: string;
  days: number;
  /** No slot starts before this (now plus the portal's lead time). */
  earliest: Date;
  /** Only slots starting in this window of the day, read in timeZone. */
  window?: TimeWindow;
  timeZone: string;
  limit: number;
  /** Staff on a scheduling system: the starts it says are open, which replace their working hours. */
  openings?: Map<string, Date[]>;
  /** Every free staff member at each start, not only the first: what holds for several callers choose from. */
  everyStaff?: boolean;
}

/** A staff member's candidate starts on a day: the scheduling system's openings, else every step of their hours. */
function startsOf(member: Staff, day: string, hours: { open: Date; close: Date } | null, query: SlotQuery): number[] {
  const openings = query.openings?.get(member.id);
  if (openings) return openings.filter((start) => localDate(start, member.timezone) === day).map((start) => start.getTime());
  const starts: number[] = [];
  for (let t = hours!.open.getTime(); t + query.service.durationMinutes * MINUTE <= hours!.close.getTime(); t += query.stepMinutes * MINUTE) starts.push(t);
  return starts;
}

/**
 * Free slots, earliest first, one per start time (whichever staff member is free first in name order;
 * with `everyStaff`, each free staff member at that start, in name order):
 * every step from opening until the appointment no longer ends by closing time, skipping anything
 * whose block (appointment plus buffer) overlaps what is taken.
 */
export function freeSlots(query: SlotQuery): Slot[] {
  const { service, taken } = query;
  const blockMs = (service.durationMinutes + service.bufferMinutes) * MINUTE;
  const slots: Slot[] = [];
  for (let offset = 0; offset <= query.days && slots.length < query.limit; offset++) {
    const day = addDays(query.firstDay, offset);
    const daySlots: Slot[] = [];
    for (const member of query.staff) {
      // A scheduling system (Acuity) says itself which starts are open: no hours or breaks of ours.
      const scheduled = query.openings?.has(member.id) ?? false;
      const hours = scheduled ? null : workingDay(member, day);
      if (!hours && !scheduled) continue;
      const breaks = scheduled ? [] : breaksOn(member, day);
      const busy = taken.filter((b) => b.staffId === member.id);
      for (const t of startsOf(member, day, hours, query)) {
        const start = new Date(t);
        if (start < query.earliest) continue;
        if (query.window) {
          const local = clockTime(start, query.timeZone);
          if (local < query.window[0] || local >= query.window[1]) continue;
        }
        if (overlaps(breaks, start, new Date(t + service.durationMinutes * MINUTE))) continue;
        if (busy.some((b) => b.startAt.getTime() < t + blockMs && b.blockEndAt.getTime() > t)) continue;
        daySlots.push({ start, staff: member });
      }
    }
    daySlots.sort((a, b) => a.start.getTime() - b.start.getTime());
    // One staff member per start time is enough to offer it to one caller.
    for (const slot of daySlots) if (query.everyStaff || !slots.some((s) => s.start.getTime() === slot.start.getTime())) slots.push(slot);
  }
  return slots.slice(0, query.limit);
}

/** A slot of one staff member, as a key. */
export const slotKey = (slot: { start: Date; staff: { id: string } }) => `${slot.staff.id}@${slot.start.getTime()}`;

export function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
