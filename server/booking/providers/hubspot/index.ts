import { localDate } from "../../time.js";
import { CalendarError } from "../errors.js";
import type { CalendarAccount, CalendarEvent, CalendarProvider, ExternalType, ExternalTypeInfo } from "../types.js";
import { MeetingLinkError, readFailure } from "./errors.js";

export { MeetingLinkError } from "./errors.js";

// A HubSpot meeting link (a scheduling page of the portal's Meetings tool) as a staff member's
// calendar, reached on the portal's own install (scope scheduler.meetings.meeting-link.read, asked as
// an optional scope) through the Meetings scheduler API, v3 (../../../../docs/booking-calendars.md):
// - each service is one of the portal's links, booked for the service's length (a link offers a few);
// - open times are the link's availability page for the month, in the staff member's zone, asked
//   again right before every write; HubSpot's own booking refuses a time no longer open (400
//   MEETING_START_TIME_NOT_VALID: taken), so of two bookings of one instant exactly one lands;
// - booking goes through the link's book endpoint: HubSpot finds the contact by e-mail (or creates
//   it), logs the Meeting on it, puts the event on the organizer's calendar and e-mails the booker,
//   as for a booking on the public page. Our Meeting outbox adopts that Meeting (`ownMeeting`);
// - HubSpot has no reschedule or cancel endpoint. A move books the new time (a new Meeting and a new
//   confirmation), and a cancel writes nothing here: the outbox marks the Meetings RESCHEDULED or
//   CANCELED and tells the organizer, in the Meeting, that the calendar event is theirs to delete;
// - there are no webhooks: a booking made on the public page is seen at the next availability read
//   (at most 15 s old while offering, live when writing).

const API = "/scheduler/v3/meetings/meeting-links";
const MINUTE_MS = 60_000;
/** Links listed, and asked for their lengths, when a staff member maps their services. */
const MAX_LINKS = 100;

interface LinkPage {
  results?: { slug?: string; name?: string }[];
  paging?: { next?: { after?: string } };
}

interface BookingInfo {
  isOffline?: boolean;
  customParams?: { durations?: number[] };
}

interface AvailabilityPage {
  linkAvailability?: { linkAvailabilityByDuration?: Record<string, { availabilities?: { startMillisUtc?: number }[] }> };
  allUsersBusyTimes?: { isOffline?: boolean }[];
}

interface BookAnswer {
  calendarEventId?: string;
  contactId?: string;
  isOffline?: boolean;
}

/** The event id we keep for a booking on a link: the contact HubSpot booked it for, and its calendar event. */
const eventIdOf = (contactId: string, calendarEventId: string) => `${contactId}:${calendarEventId}`;

async function call<T>(account: CalendarAccount, operation: string, method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  if (!account.hubspot) throw new CalendarError("a HubSpot meeting link needs the portal's HubSpot install", "auth");
  try {
    return (await account.hubspot(method, path, body)) as T;
  } catch (error) {
    throw new MeetingLinkError(operation, readFailure(error));
  }
}

/** Months since year 0 of a YYYY-MM-DD day: the availability page's monthOffset is the difference of two. */
const monthIndex = (day: string) => Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7)) - 1;

/** "Riley Chen" -> Riley / Chen; "Mary Ann de Vries" -> "Mary Ann de" / "Vries" (the last word is the last name). */
function nameParts(name: string | null): { firstName: string; lastName: string } {
  const parts = (name ?? "").trim().split(/\s+/).filter(Boolean);
  return { firstName: parts.slice(0, -1).join(" ") || (parts[0] ?? ""), lastName: parts.length > 1 ? parts.at(-1)! : "" };
}

export function createHubSpotMeetings(now: () => Date = () => new Date()): CalendarProvider {
  async function openings(account: CalendarAccount, type: ExternalType, day: string): Promise<Date[]> {
    const offset = monthIndex(day) - monthIndex(localDate(now(), type.timeZone));
    if (offset < 0) return [];
    const page = await call<AvailabilityPage>(account, "availability", "GET", `${API}/book/availability-page/${encodeURIComponent(type.typeId)}?timezone=${encodeURIComponent(type.timeZone)}&monthOffset=${offset}`);
    // The organizer's calendar is disconnected in HubSpot: a booking would be "offline" (no event).
    if (page.allUsersBusyTimes?.some((u) => u.isOffline)) return [];
    const byDuration = page.linkAvailability?.linkAvailabilityByDuration ?? {};
    const slots = byDuration[String(type.durationMinutes * MINUTE_MS)];
    if (!slots) throw new CalendarError(`the meeting link ${type.typeId} does not offer ${type.durationMinutes} minutes (it offers ${Object.keys(byDuration).map((ms) => Number(ms) / MINUTE_MS).join(", ") || "none"})`, "bad_request");
    return (slots.availabilities ?? []).flatMap((a) => (typeof a.startMillisUtc === "number" ? [new Date(a.startMillisUtc)] : [])).filter((start) => localDate(start, type.timeZone) === day);
  }

  async function book(account: CalendarAccount, event: CalendarEvent): Promise<string> {
    if (!event.type) throw new Error("a meeting-link booking needs its link (event.type)");
    const { firstName, lastName } = nameParts(event.attendee.name);
    if (!event.attendee.email || !firstName || !lastName) throw new CalendarError("a HubSpot meeting link books only with the booker's first name, last name and e-mail", "bad_request");
    const answer = await call<BookAnswer>(account, "book", "POST", `${API}/book`, {
      slug: event.type.typeId,
      firstName,
      lastName,
      email: event.attendee.email,
      startTime: event.start.getTime(),
      duration: event.end.getTime() - event.start.getTime(),
      timezone: event.timeZone,
      locale: "en-us",
      formFields: [],
      legalConsentResponses: [],
    });
    if (!answer?.contactId) throw new CalendarError("HubSpot meeting link book: the answer names no contact", "unexpected");
    // HubSpot took the contact but, with the organizer's calendar disconnected, booked nothing.
    if (answer.isOffline || !answer.calendarEventId) throw new CalendarError(`the meeting link ${event.type.typeId}'s organizer has no calendar connected in HubSpot: nothing was booked`, "auth");
    return eventIdOf(answer.contactId, answer.calendarEventId);
  }

  return {
    id: "hubspot",
    label: "HubSpot meeting link",
    events: "external",

    /** Open times come from the link itself (openings); it has no busy-time read of its own. */
    async busy() {
      return [];
    },

    create: book,

    /** No reschedule endpoint: the new time is booked (a new Meeting and confirmation); the old event stays with the organizer. */
    async move(account, _eventId, event, replaced) {
      const newEventId = await book(account, event);
      await replaced?.(newEventId);
      return newEventId;
    },

    /** No cancel endpoint: nothing to write here; the Meeting outbox marks HubSpot's Meeting CANCELED. */
    async cancel() {},

    scheduling: {
      typeLabel: "meeting link",
      requires: ["email", "lastName"],

      async types(account) {
        const links: { slug: string; name: string }[] = [];
        let after: string | undefined;
        do {
          const page = await call<LinkPage>(account, "links", "GET", `${API}?limit=100${after ? `&after=${encodeURIComponent(after)}` : ""}`);
          for (const link of page.results ?? []) if (link.slug) links.push({ slug: link.slug, name: link.name ?? link.slug });
          after = page.paging?.next?.after;
        } while (after && links.length < MAX_LINKS);
        const types: ExternalTypeInfo[] = [];
        for (const link of links.slice(0, MAX_LINKS)) {
          const info = await call<BookingInfo>(account, "link", "GET", `${API}/book/${encodeURIComponent(link.slug)}?timezone=UTC`);
          const minutes = (info.customParams?.durations ?? []).map((ms) => ms / MINUTE_MS).filter((m) => Number.isInteger(m) && m > 0);
          if (minutes.length) types.push({ id: link.slug, name: link.name, durationMinutes: minutes[0]!, durationsMinutes: minutes });
        }
        return types;
      },

      openings,

      /** The day's open times again, live. HubSpot cannot leave the booking being moved out: a move onto its own old time is refused. */
      async check(account, type, start) {
        return (await openings(account, type, localDate(start, type.timeZone))).some((t) => t.getTime() === start.getTime());
      },

      parseWebhook: () => null,

      async event() {
        throw new CalendarError("HubSpot meeting links send no webhooks", "not_found");
      },
    },

    tells: { move: "new_confirmation", cancel: "nothing" },

    ownMeeting: {
      contactId: (eventId) => /^(\d+):/.exec(eventId)?.[1] ?? null,
    },
  };
}
