import type { DateTimeTimeZone, Event as GraphEvent, FreeBusyStatus } from "@microsoft/microsoft-graph-types";
import { isValidTimeZone, localDate, wallClock, zonedInstant } from "../../time.js";
import type { BusyInterval, CalendarEvent, ExternalEvent } from "../types.js";

// Our bookings as Graph events and Graph events as busy time. Times go out as the wall clock of the
// booking's zone (Outlook then shows the appointment in the zone it was booked in) and come back in
// UTC (we ask with `Prefer: outlook.timezone="UTC"`).

export const PREFER_UTC = 'outlook.timezone="UTC"';

/** Outlook's "free" and "working elsewhere" leave the person available. */
const AVAILABLE: ReadonlySet<FreeBusyStatus> = new Set<FreeBusyStatus>(["free", "workingElsewhere"]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A delta item: an event, or `{id, "@removed": {...}}` for one that left the calendar. */
export type DeltaItem = GraphEvent & { "@removed"?: { reason?: string } };

/** The body of POST /me/events. transactionId makes a retried create return the first event. */
export function newGraphEvent(event: CalendarEvent): GraphEvent {
  const reminder = event.reminderMinutes.length ? Math.max(...event.reminderMinutes) : null;
  return {
    transactionId: event.bookingId,
    subject: event.title,
    body: { contentType: "text", content: eventBody(event) },
    ...graphTimes(event),
    showAs: "busy",
    isReminderOn: reminder !== null,
    ...(reminder !== null ? { reminderMinutesBeforeStart: reminder } : {}),
    attendees: event.attendee.email ? [{ emailAddress: { address: event.attendee.email, ...(event.attendee.name ? { name: event.attendee.name } : {}) }, type: "required" }] : [],
  };
}

/** start / end of an event, for a create or a move. */
export function graphTimes(event: Pick<CalendarEvent, "start" | "end" | "timeZone">): Pick<GraphEvent, "start" | "end"> {
  return { start: toDateTimeTimeZone(event.start, event.timeZone), end: toDateTimeTimeZone(event.end, event.timeZone) };
}

function eventBody(event: CalendarEvent): string {
  const { name, phone, email } = event.attendee;
  return [event.description, name && `Caller: ${name}`, phone && `Phone: ${phone}`, email && `E-mail: ${email}`].filter(Boolean).join("\n");
}

export function toDateTimeTimeZone(instant: Date, timeZone: string): DateTimeTimeZone {
  if (!isValidTimeZone(timeZone)) throw new Error(`unknown time zone ${timeZone}: the booking cannot be written to Outlook`);
  const w = wallClock(instant, timeZone);
  const pad = (n: number) => String(n).padStart(2, "0");
  // Seconds do not depend on the zone (every zone in use is a whole number of minutes off UTC).
  return { dateTime: `${localDate(instant, timeZone)}T${pad(w.hour)}:${pad(w.minute)}:${pad(instant.getUTCSeconds())}`, timeZone };
}

/** `{dateTime, timeZone}` as Graph answers it; UTC when we asked for it, an IANA zone otherwise. */
export function fromDateTimeTimeZone(value: DateTimeTimeZone | null | undefined): Date | null {
  if (!value?.dateTime) return null;
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2})(?:\.(\d+))?)?/.exec(value.dateTime);
  if (!m) throw new Error(`Graph sent an unreadable dateTime: ${value.dateTime}`);
  const [, date, time, seconds = "00", fraction = "0"] = m;
  const zone = value.timeZone ?? "UTC";
  const extraMs = Number(seconds) * 1000 + Math.floor(Number(`0.${fraction}`) * 1000);
  if (/^(utc|etc\/utc|gmt|etc\/gmt)$/i.test(zone)) return new Date(Date.parse(`${date}T${time}:00Z`) + extraMs);
  if (isValidTimeZone(zone)) return new Date(zonedInstant(date!, time!, zone).getTime() + extraMs);
  throw new Error(`Graph sent a time zone we cannot convert: ${zone}`);
}

/** Busy time of one calendarView event, or null when it leaves the person available. */
export function busyInterval(event: GraphEvent): BusyInterval | null {
  if (event.isCancelled || (event.showAs && AVAILABLE.has(event.showAs))) return null;
  const start = fromDateTimeTimeZone(event.start);
  const end = fromDateTimeTimeZone(event.end);
  return start && end ? { start, end, eventId: event.id ?? null } : null;
}

export function externalEvent(item: DeltaItem): ExternalEvent {
  if (item["@removed"]) return { id: item.id!, start: null, end: null, cancelled: true, free: false, bookingId: null };
  return {
    id: item.id!,
    start: fromDateTimeTimeZone(item.start),
    end: fromDateTimeTimeZone(item.end),
    cancelled: item.isCancelled === true,
    free: item.showAs ? AVAILABLE.has(item.showAs) : false,
    bookingId: bookingIdOf(item),
  };
}

/** Our events carry the booking id as transactionId; another app's transactionId is not a UUID of ours. */
function bookingIdOf(event: GraphEvent): string | null {
  return event.transactionId && UUID.test(event.transactionId) ? event.transactionId : null;
}
