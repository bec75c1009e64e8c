import type { calendar_v3 } from "@googleapis/calendar";
import { zonedInstant } from "../../time.js";
import type { CalendarEvent, ExternalEvent } from "../types.js";

// Our booking <-> Google's event. The booking id is the idempotency key: a UUID without its dashes is a
// valid Google event id (base32hex: a-v and 0-9, 5 to 1024 characters), so a retried insert meets a 409
// instead of making a second event. The id is also kept in a private extended property.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DASHLESS_UUID = /^[0-9a-f]{32}$/;
export const BOOKING_ID_PROPERTY = "bookingId";
/** Google keeps at most 5 override reminders of 0 to 40320 minutes (4 weeks). */
const MAX_REMINDERS = 5;
const MAX_REMINDER_MINUTES = 40_320;

export function eventIdFor(bookingId: string): string {
  if (!UUID.test(bookingId)) throw new Error(`booking id ${bookingId} is not a UUID`);
  return bookingId.replace(/-/g, "").toLowerCase();
}

/**
 * Our booking id when the event is one we created: from the private property, else from the id. The
 * id is needed because a deleted event in an incremental list carries little more than its id. Events
 * made in Google's own UI get 26-character ids, so a 32-hex-digit id is ours.
 */
export function bookingIdOf(event: calendar_v3.Schema$Event): string | null {
  const stored = event.extendedProperties?.private?.[BOOKING_ID_PROPERTY];
  if (stored && UUID.test(stored)) return stored.toLowerCase();
  const id = event.id ?? "";
  if (!DASHLESS_UUID.test(id)) return null;
  return `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
}

export function eventTimes(event: Pick<CalendarEvent, "start" | "end" | "timeZone">): Pick<calendar_v3.Schema$Event, "start" | "end"> {
  return {
    start: { dateTime: event.start.toISOString(), timeZone: event.timeZone },
    end: { dateTime: event.end.toISOString(), timeZone: event.timeZone },
  };
}

/** The event we insert on the staff member's primary calendar (the account is its organizer). */
export function eventBody(event: CalendarEvent): calendar_v3.Schema$Event {
  const { attendee } = event;
  const minutes = [...new Set(event.reminderMinutes)].filter((m) => Number.isInteger(m) && m >= 0 && m <= MAX_REMINDER_MINUTES).sort((a, b) => a - b);
  return {
    id: eventIdFor(event.bookingId),
    summary: event.title,
    description: description(event),
    ...eventTimes(event),
    ...(attendee.email ? { attendees: [{ email: attendee.email, ...(attendee.name ? { displayName: attendee.name } : {}) }] } : {}),
    // Google's reminders are the staff member's own pop-ups; the caller's reminders come from us.
    reminders: { useDefault: false, overrides: minutes.slice(0, MAX_REMINDERS).map((m) => ({ method: "popup", minutes: m })) },
    extendedProperties: { private: { [BOOKING_ID_PROPERTY]: event.bookingId.toLowerCase() } },
  };
}

/** The booking's text, then who called and on which number, for the staff member to call back. */
function description(event: CalendarEvent): string | undefined {
  const { name, phone } = event.attendee;
  const parts = [event.description?.trim()].filter((p): p is string => Boolean(p));
  if (phone && !parts.some((p) => p.includes(phone))) parts.push(`Caller: ${[name, phone].filter(Boolean).join(", ")}`);
  return parts.length ? parts.join("\n\n") : undefined;
}

export function sameTimes(existing: calendar_v3.Schema$Event, event: Pick<CalendarEvent, "start" | "end">): boolean {
  return instant(existing.start, "UTC")?.getTime() === event.start.getTime() && instant(existing.end, "UTC")?.getTime() === event.end.getTime();
}

/** An event time as an instant; an all-day date starts at midnight in the calendar's time zone. */
export function instant(time: calendar_v3.Schema$EventDateTime | undefined, calendarTimeZone: string): Date | null {
  if (time?.dateTime) {
    const ms = Date.parse(time.dateTime);
    return Number.isNaN(ms) ? null : new Date(ms);
  }
  if (time?.date) return zonedInstant(time.date, "00:00", time.timeZone ?? calendarTimeZone);
  return null;
}

/** Declined by the calendar's owner: Google's free/busy does not count it, neither do we. */
function declined(event: calendar_v3.Schema$Event): boolean {
  return event.attendees?.some((a) => a.self && a.responseStatus === "declined") ?? false;
}

/** Blocks the staff member's time: not deleted, not marked free ("transparent"), not declined. */
export function isBusy(event: calendar_v3.Schema$Event): boolean {
  return event.status !== "cancelled" && event.transparency !== "transparent" && !declined(event);
}

export function toExternalEvent(event: calendar_v3.Schema$Event, calendarTimeZone: string): ExternalEvent {
  const cancelled = event.status === "cancelled";
  return {
    id: event.id ?? "",
    // A deleted event in an incremental list has no times.
    start: cancelled ? null : instant(event.start, calendarTimeZone),
    end: cancelled ? null : instant(event.end, calendarTimeZone),
    cancelled,
    free: event.transparency === "transparent" || declined(event),
    bookingId: bookingIdOf(event),
  };
}
