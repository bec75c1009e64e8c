import type { CalendarErrorKind } from "./providers/errors.js";
import { speakReference } from "./reference.js";
import { speakable } from "./time.js";
import type { Service, Slot } from "./types.js";

// What happened on a tool call, as one union (like ingest's outcome), turned into what the AI says and
// the data it gets in one place, with an exhaustive switch. The words and the data's shape are what
// the voice platforms already rely on: change them here, knowingly, or not at all.

/** What the AI says, plus data it can use (slots, the booking reference). The JSON vendors receive. */
export interface ToolAnswer {
  message: string;
  data?: Record<string, unknown>;
}

/** An answer with the outcome it came from, and for a changed booking its id and the Meeting version the worker must bring HubSpot to. */
export type BookingAnswer = ToolAnswer & { outcome: BookingOutcome["kind"]; bookingId?: string; meetingVersion?: number };

type ServiceName = Pick<Service, "name" | "durationMinutes">;
type Change = { bookingId: string; meetingVersion: number };

export type BookingOutcome =
  // The tool call itself.
  | { kind: "unknown_tool"; tools: readonly string[] }
  | { kind: "bad_arguments"; reason: string }
  /** A bug or an outage of our own: nothing was confirmed to the caller. */
  | { kind: "internal" }
  // What the caller asked.
  | { kind: "not_set_up"; action: "book" | "change" }
  | { kind: "unknown_service"; asked?: string; services: ServiceName[] }
  | { kind: "bad_date"; heard: string }
  | { kind: "past_date" }
  | { kind: "bad_time_window"; heard: string }
  | { kind: "bad_start"; action: "book" | "reschedule" }
  | { kind: "past_start"; action: "book" | "reschedule" }
  // Finding the caller's booking.
  | { kind: "no_booking"; action: "reschedule" | "cancel" }
  /** `reference`: what was heard, when it has the form of a reference; `withheld`: the caller's number is. */
  | { kind: "reference_not_found"; reference: string | null; withheld: boolean }
  | { kind: "lookups_exhausted" }
  // Availability.
  | { kind: "offered"; service: ServiceName; timeZone: string; slots: Slot[] }
  | { kind: "no_openings"; service: ServiceName }
  /** The time asked for cannot be had; `slots` are alternatives near it (possibly none). */
  | { kind: "slot_taken"; why: { kind: "just_taken" } | { kind: "staff_unavailable"; staff: string }; timeZone: string; slots: Slot[] }
  /** The staff calendar could not be reached or used (`cause`: "auth" means it must be reconnected); nothing changed. */
  | { kind: "calendar_unavailable"; action: "book" | "reschedule" | "cancel"; kept?: true; cause: CalendarErrorKind }
  /** The staff calendar books only with these (Acuity, Calendly, HubSpot: an e-mail; HubSpot: a last name too); the slot stays held. */
  | { kind: "needs_details"; missing: ("email" | "lastName")[] }
  // Done.
  | ({ kind: "booked"; reference: string; service: ServiceName; staff: string; start: Date; end: Date; timeZone: string } & Change)
  /** `newConfirmation`: the provider rebooked the move, so the caller gets a new confirmation (Calendly, HubSpot). */
  | ({ kind: "rescheduled"; service: ServiceName; start: Date; end: Date; timeZone: string; newConfirmation?: true } & Change)
  /** `silent`: the provider sends the caller no cancellation (HubSpot meeting links); the team is told. */
  | ({ kind: "cancelled"; service: ServiceName; start: Date; timeZone: string; silent?: true } & Change);

/**
 * Whether a vendor's retry of the same tool call gets this answer again (stored under the call's
 * idempotency key) or runs the tool anew. A calendar outage is not remembered: the retry should try
 * the calendar again. Answers given before the tool ran (unknown tool, bad arguments) and our own
 * failures are never stored.
 */
export const REMEMBERED = {
  unknown_tool: false,
  bad_arguments: false,
  internal: false,
  not_set_up: true,
  unknown_service: true,
  bad_date: true,
  past_date: true,
  bad_time_window: true,
  bad_start: true,
  past_start: true,
  no_booking: true,
  reference_not_found: true,
  lookups_exhausted: true,
  offered: true,
  no_openings: true,
  slot_taken: true,
  calendar_unavailable: false,
  needs_details: false,
  booked: true,
  rescheduled: true,
  cancelled: true,
} as const satisfies Record<BookingOutcome["kind"], boolean>;

/** "a, b or c". */
const spokenList = (labels: string[]) => (labels.length === 1 ? labels[0]! : `${labels.slice(0, -1).join(", ")} or ${labels.at(-1)}`);

const slotData = (slots: Slot[], labels: string[]) => slots.map((s, i) => ({ start: s.start.toISOString(), label: labels[i], staff: s.staff.name }));

const CALENDAR_UNAVAILABLE = {
  book: "I can't reach the calendar right now to confirm that time. Someone from the team will call you back to confirm.",
  reschedule: "I can't reach the calendar right now to move that. Someone from the team will call you back.",
  cancel: "I can't reach the calendar right now to cancel that. Someone from the team will call you back to confirm the cancellation.",
} as const;

function assertNever(value: never): never {
  throw new Error(`unhandled booking outcome ${JSON.stringify(value)}`);
}

/** The outcome as the AI's words and data; `now` makes "today" and "tomorrow" of the labels. */
export function answer(outcome: BookingOutcome, now: Date): BookingAnswer {
  const said = (message: string, data?: Record<string, unknown>): BookingAnswer => ({ message, ...(data ? { data } : {}), outcome: outcome.kind });
  switch (outcome.kind) {
    case "unknown_tool":
      return said("Sorry, I can't do that on this line.", { error: "unknown_tool", tools: outcome.tools });
    case "bad_arguments":
      return said("Sorry, I didn't catch that. Could you say it again?", { error: "bad_arguments", reason: outcome.reason });
    case "internal":
      return said("Sorry, I'm having trouble with the schedule right now. Someone from the team will call you back to sort it out.", { error: "internal" });
    case "not_set_up":
      return said(outcome.action === "book" ? "I can't book appointments on this line yet. Someone from the team will call you back to schedule." : "I can't change appointments on this line yet.", { error: "booking_not_set_up" });
    case "unknown_service": {
      const list = outcome.services.map((s) => `${s.name} (${s.durationMinutes} minutes)`).join(", ");
      return said(`${outcome.asked ? `I can't book "${outcome.asked}". ` : ""}Which service would you like: ${list}?`, { error: "unknown_service", services: outcome.services.map((s) => s.name) });
    }
    case "bad_date":
      return said(`I didn't understand the date "${outcome.heard}". Which day works for you?`, { error: "bad_date" });
    case "past_date":
      return said("That date has already passed. Which upcoming day works for you?", { error: "bad_date" });
    case "bad_time_window":
      return said(`I didn't understand the time "${outcome.heard}". Morning or afternoon?`, { error: "bad_time_window" });
    case "bad_start":
      return said(outcome.action === "book" ? "Which time would you like? I need a day and a time." : "Which new day and time would you like?", { error: "bad_start" });
    case "past_start":
      return said(outcome.action === "book" ? "That time has already passed. Shall I look for the next openings?" : "That time has already passed. Which upcoming time works for you?", { error: "past_start" });
    case "no_booking":
      return said(outcome.action === "reschedule" ? "I couldn't find an upcoming appointment for you. Would you like to book one?" : "I couldn't find an upcoming appointment for you to cancel.", { error: "no_booking" });
    case "reference_not_found": {
      const heard = outcome.reference ? `a booking with reference ${speakReference(outcome.reference)}` : "a booking with that reference: a reference has 8 letters and numbers";
      // Said on every miss of a withheld number, found or not, so it reveals nothing.
      const withheld = outcome.withheld ? " Your number is withheld on this call, and a booking made from a phone number can only be changed when you call from that number." : "";
      return said(`I couldn't find ${heard}.${withheld} Could you read it to me again?`, { error: "reference_not_found" });
    }
    case "lookups_exhausted":
      return said("I can't find that booking. Someone from the team will call you back to help.", { error: "lookups_exhausted" });
    case "offered": {
      const labels = outcome.slots.map((s) => speakable(s.start, outcome.timeZone, now));
      const { service } = outcome;
      return said(`For a ${service.name} (${service.durationMinutes} minutes) I have ${spokenList(labels)}. Which works best?`, { service: service.name, durationMinutes: service.durationMinutes, timeZone: outcome.timeZone, slots: slotData(outcome.slots, labels) });
    }
    case "no_openings":
      return said(`I don't have an opening for a ${outcome.service.name} then. Would another day work?`, { slots: [] });
    case "slot_taken": {
      const prefix = outcome.why.kind === "just_taken" ? "That time was just taken." : `${outcome.why.staff} isn't available then.`;
      if (outcome.slots.length === 0) return said(`${prefix} I don't have another opening in the next two weeks; someone from the team will call you back.`, { error: "slot_taken", slots: [] });
      const labels = outcome.slots.map((s) => speakable(s.start, outcome.timeZone, now));
      return said(`${prefix} I can offer ${spokenList(labels)}. Would one of those work?`, { error: "slot_taken", slots: slotData(outcome.slots, labels) });
    }
    case "calendar_unavailable":
      if (outcome.kept) return said("I can't reach the calendar right now to move that; your appointment stays as it was. Someone from the team will call you back.", { error: "calendar_unavailable" });
      // The calendar is up but limits bookings (Calendly: 10 a minute per user): say so, not "can't reach".
      if (outcome.cause === "rate_limited" && outcome.action === "book") return said("The calendar can't take another booking this minute. Someone from the team will call you back to confirm a time.", { error: "calendar_unavailable", cause: "rate_limited" });
      return said(CALENDAR_UNAVAILABLE[outcome.action], { error: "calendar_unavailable" });
    case "needs_details": {
      const asks = outcome.missing.map((field) => (field === "email" ? "your e-mail address" : "your last name"));
      return said(`To book that I need ${asks.join(" and ")}; the confirmation is sent there. What ${asks.length > 1 ? "are they" : "is it"}?`, { error: "needs_details", missing: outcome.missing });
    }
    case "booked": {
      const { bookingId, meetingVersion } = outcome;
      const message = `You're booked for a ${outcome.service.name} ${speakable(outcome.start, outcome.timeZone, now)} with ${outcome.staff}. Your booking reference is ${speakReference(outcome.reference)}.`;
      return { ...said(message, { bookingId, reference: outcome.reference, start: outcome.start.toISOString(), end: outcome.end.toISOString(), staff: outcome.staff }), bookingId, meetingVersion };
    }
    case "rescheduled": {
      const { bookingId, meetingVersion } = outcome;
      const notice = outcome.newConfirmation ? " You'll get a new confirmation by e-mail for the new time." : "";
      return { ...said(`Done: your ${outcome.service.name} is moved to ${speakable(outcome.start, outcome.timeZone, now)}.${notice}`, { bookingId, start: outcome.start.toISOString(), end: outcome.end.toISOString() }), bookingId, meetingVersion };
    }
    case "cancelled": {
      const { bookingId, meetingVersion } = outcome;
      const notice = outcome.silent ? " No cancellation e-mail goes out automatically; the team has been told." : "";
      return { ...said(`Your ${outcome.service.name} ${speakable(outcome.start, outcome.timeZone, now)} is cancelled.${notice}`, { bookingId }), bookingId, meetingVersion };
    }
    default:
      return assertNever(outcome);
  }
}
