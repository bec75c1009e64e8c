import { randomUUID } from "node:crypto";
import { HubSpotError, notFound, validationError } from "./errors.js";
import { ENGAGEMENT_TO_CONTACT } from "./properties.js";
import type { PortalStore } from "./store.js";

// HubSpot's Meetings scheduler for one portal: scheduling pages ("meeting links"), the availability
// they offer, and booking on them, as /scheduler/v3/meetings/... (and the identical dated
// /scheduler/2026-03/meetings/...) answer. @hubspot/api-client 13.x has no scheduler client: the app
// calls these paths with `client.apiRequest`.
//
// Faithful to (checked late 2026): HubSpot's scheduler reference pages (legacy/v3 and 2026-03: list,
// get-meeting-slug, get-availability, create-meeting), the field lists of HubSpot's Stainless-generated
// SDKs (ExternalLinkMetadata, ExternalBookingInfo, ExternalLinkAvailabilityAndBusyTimes,
// ExternalMeetingBookingResponse), and what integrations saw against live portals:
// - `startTime` and `duration` are epoch milliseconds (the 2026-03 page says ISO and minutes; a live
//   portal rejects minutes with MEETING_DURATION_NOT_VALID); an ISO start is accepted too.
// - availability is keyed by duration in ms; busy blocks come separately in `allUsersBusyTimes`.
// - an unknown slug is a 404 "slug does not exist"; a start outside the availability is a 400
//   "Start time must be contained in availability settings" (subCategory
//   MeetingsBookingSchedulingError.MEETING_START_TIME_NOT_VALID). A time someone else just took is
//   no longer in the availability, so it gets the same answer (no distinct code was found).
// - an empty lastName is refused; form fields must match the page's form.
// - the booker's contact is found by email or created; an existing one is left as it is.
// - a booking whose organizer's calendar is disconnected is a 200 with `isOffline: true`, an empty
//   `calendarEventId`, a contact and no meeting.
// - bookings made by API carry hs_meeting_source INTEGRATION, bookings on the public page MEETINGS_PUBLIC.
// Not simulated because HubSpot has no such API: reschedule (its docs: "Reschedule through this API"
// is not supported) and cancel. A booked meeting is a Meeting engagement; deleting it through the
// objects API removes the CRM record only, and the organizer's calendar event (and so the busy time)
// stays, as nothing in the docs says otherwise. Round robin pools, guests, payment links, captcha and
// legal-consent checking are not simulated either: every link books on its organizer's calendar.

export type Weekday = "SUNDAY" | "MONDAY" | "TUESDAY" | "WEDNESDAY" | "THURSDAY" | "FRIDAY" | "SATURDAY";
const WEEKDAYS: readonly Weekday[] = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"];

/** A scheduling page as a test sets it up (sim.addMeetingLink). */
export interface MeetingLinkSpec {
  slug: string;
  name: string;
  /** HubSpot user id of the organizer, whose calendar the link books on. */
  organizerUserId: string;
  durationsMs: number[];
  /** The organizer's time zone: working hours are wall-clock times there. */
  timezone: string;
  /** e.g. [{ days: ["MONDAY", ..., "FRIDAY"], start: "09:00", end: "17:00" }] */
  workingHours: { days: Weekday[]; start: string; end: string }[];
  /** Free time kept before and after every busy block. Default 0. */
  bufferMs?: number;
  /** Spacing of offered start times. Default 15 (HubSpot's startTimeIncrementMinutes "FIFTEEN"). */
  startIncrementMinutes?: 15 | 30 | 60;
  /** No start sooner than this after now. Default 0. */
  minimumNoticeMs?: number;
  /** How far ahead the link offers times. Default 2. */
  weeksToAdvertise?: number;
  type?: "PERSONAL_LINK" | "GROUP_CALENDAR" | "ROUND_ROBIN_CALENDAR";
  location?: string;
  /** The page's "Meeting type", stamped as hs_activity_type on every booking. */
  meetingType?: string;
  /** Whether the page adds a video conference link. Default true. */
  webConference?: boolean;
  /** False: the organizer's calendar is disconnected and bookings are "offline". Default true. */
  calendarConnected?: boolean;
  /** Form fields beyond first name, last name and email; a booking must answer the required ones. */
  formFields?: { name: string; label?: string; required?: boolean }[];
}

interface MeetingLink extends Required<Omit<MeetingLinkSpec, "location" | "meetingType">> {
  id: string;
  location?: string;
  meetingType?: string;
  createdAt: string;
}

interface BusyBlock {
  userId: string;
  start: number;
  end: number;
}

export interface BookingRequest {
  slug?: unknown;
  firstName?: unknown;
  lastName?: unknown;
  email?: unknown;
  startTime?: unknown;
  duration?: unknown;
  timezone?: unknown;
  locale?: unknown;
  formFields?: unknown;
  legalConsentResponses?: unknown;
}

const DAY_MS = 86_400_000;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const STANDARD_FIELDS = [
  { name: "firstName", label: "First name", property: "firstname" },
  { name: "lastName", label: "Last name", property: "lastname" },
  { name: "email", label: "Email", property: "email" },
] as const;

const scheduling = (message: string, code: string) => new HubSpotError(400, { status: "error", message, correlationId: randomUUID(), category: "VALIDATION_ERROR", subCategory: `MeetingsBookingSchedulingError.${code}` });

export class PortalScheduler {
  private readonly links = new Map<string, MeetingLink>();
  private readonly busy: BusyBlock[] = [];

  constructor(
    private readonly store: PortalStore,
    private readonly nextId: () => string,
  ) {}

  addLink(spec: MeetingLinkSpec): void {
    if (this.links.has(spec.slug)) throw new Error(`addMeetingLink: slug ${spec.slug} already exists`);
    assertTimeZone(spec.timezone);
    if (!spec.durationsMs.length) throw new Error("addMeetingLink: a link offers at least one duration");
    this.links.set(spec.slug, {
      bufferMs: 0,
      startIncrementMinutes: 15,
      minimumNoticeMs: 0,
      weeksToAdvertise: 2,
      type: "PERSONAL_LINK",
      webConference: true,
      calendarConnected: true,
      formFields: [],
      ...spec,
      id: this.nextId(),
      createdAt: new Date().toISOString(),
    });
  }

  /** Time the organizer's calendar has taken outside HubSpot (another meeting, a holiday). */
  addBusy(userId: string, start: number, end: number): void {
    this.busy.push({ userId, start, end });
  }

  durations(slug: string): number[] {
    return [...this.link(slug).durationsMs];
  }

  /** GET .../meeting-links: oldest first, cursor `after` = the last id of the previous page. */
  list(query: { limit: number; after?: string; name?: string; organizerUserId?: string; type?: string }) {
    const all = [...this.links.values()].filter((l) => (!query.name || l.name === query.name) && (!query.organizerUserId || l.organizerUserId === query.organizerUserId) && (!query.type || l.type === query.type));
    const start = query.after === undefined ? 0 : all.findIndex((l) => Number(l.id) > Number(query.after));
    const page = start < 0 ? [] : all.slice(start, start + query.limit);
    const next = start >= 0 && start + query.limit < all.length ? page.at(-1)!.id : null;
    return { total: all.length, results: page.map(linkJson), ...(next ? { paging: { next: { after: next, link: `?after=${next}` } } } : {}) };
  }

  /** GET .../meeting-links/book/{slug}?timezone */
  bookingInfo(slug: string, timezone: string | undefined, now = Date.now()) {
    const link = this.link(slug);
    assertTimeZone(requireTimeZone(timezone));
    return {
      linkId: link.id,
      linkType: link.type,
      isOffline: !link.calendarConnected,
      allUsersBusyTimes: this.busyTimes(link, now, now + link.weeksToAdvertise * 7 * DAY_MS),
      customParams: {
        durations: link.durationsMs,
        meetingBufferTime: link.bufferMs,
        startTimeIncrementMinutes: { 15: "FIFTEEN", 30: "THIRTY", 60: "SIXTY" }[link.startIncrementMinutes],
        weeksToAdvertise: link.weeksToAdvertise,
        ownerPrioritized: false,
        legalConsentEnabled: false,
        guestSettings: { canAddGuests: false, maxGuestCount: 0 },
        formFields: [...STANDARD_FIELDS.map((f) => ({ name: f.name, label: f.label, isCustom: false, isRequired: true, fieldType: "text", type: "string", options: [] })), ...link.formFields.map((f) => ({ name: f.name, label: f.label ?? f.name, isCustom: true, isRequired: f.required ?? false, fieldType: "text", type: "string", options: [] }))],
        ...(link.location ? { location: link.location } : {}),
      },
    };
  }

  /** GET .../availability-page/{slug}?timezone&monthOffset: one calendar month in `timezone`. */
  availabilityPage(slug: string, timezone: string | undefined, monthOffset: number, now = Date.now()) {
    const link = this.link(slug);
    const tz = requireTimeZone(timezone);
    assertTimeZone(tz);
    const here = wallClock(now, tz);
    const monthStart = zonedToUtc(here.year, here.month + monthOffset, 1, 0, 0, tz);
    const monthEnd = zonedToUtc(here.year, here.month + monthOffset + 1, 1, 0, 0, tz);
    const advertisedUntil = now + link.weeksToAdvertise * 7 * DAY_MS;
    const byDuration: Record<string, { meetingDurationMillis: number; availabilities: { startMillisUtc: number; endMillisUtc: number }[] }> = {};
    for (const duration of link.durationsMs) {
      const starts = this.openStarts(link, duration, Math.max(monthStart, now), Math.min(monthEnd, advertisedUntil), now);
      byDuration[String(duration)] = { meetingDurationMillis: duration, availabilities: starts.map((s) => ({ startMillisUtc: s, endMillisUtc: s + duration })) };
    }
    return {
      linkAvailability: { linkAvailabilityByDuration: byDuration, hasMore: advertisedUntil > monthEnd },
      allUsersBusyTimes: this.busyTimes(link, monthStart, monthEnd),
    };
  }

  /**
   * POST .../meeting-links/book, or a customer on the public page (`source` MEETINGS_PUBLIC). The
   * check and the write run in one turn of the event loop, so of two bookings of one instant exactly
   * one finds it free.
   */
  book(raw: BookingRequest, options: { source: "INTEGRATION" | "MEETINGS_PUBLIC"; queryTimezone?: string; now?: number }) {
    const now = options.now ?? Date.now();
    if (typeof raw.slug !== "string" || !raw.slug) throw validationError("slug is required", "MISSING_REQUIRED_FIELD");
    const link = this.link(raw.slug);
    const names = { firstName: text(raw.firstName), lastName: text(raw.lastName), email: text(raw.email).toLowerCase() };
    for (const field of STANDARD_FIELDS) if (!names[field.name]) throw validationError(`${field.name} is required and may not be empty`, "MISSING_REQUIRED_FIELD");
    if (!EMAIL_PATTERN.test(names.email)) throw validationError(`Email address ${names.email} is invalid`, "INVALID_EMAIL");
    const duration = raw.duration;
    if (typeof duration !== "number" || !link.durationsMs.includes(duration)) throw scheduling("Duration is not accepted by link", "MEETING_DURATION_NOT_VALID");
    const start = typeof raw.startTime === "number" ? raw.startTime : typeof raw.startTime === "string" ? Date.parse(raw.startTime) : NaN;
    if (!Number.isFinite(start)) throw validationError("startTime must be epoch milliseconds or an ISO 8601 date-time", "INVALID_DATE");
    const timezone = typeof raw.timezone === "string" && raw.timezone ? raw.timezone : (options.queryTimezone ?? link.timezone);
    assertTimeZone(timezone);
    const answers = this.formAnswers(link, raw.formFields);
    if (!this.isOpen(link, start, duration, now)) throw scheduling("Start time must be contained in availability settings", "MEETING_START_TIME_NOT_VALID");

    // The booker becomes a contact (or is found by email); form answers that name contact properties
    // are written to a new contact.
    const existing = this.store.findByUnique("contacts", "email", names.email);
    const known = new Set(this.store.properties("contacts").map((p) => p.name));
    const extra = Object.fromEntries(answers.filter((a) => known.has(a.name)).map((a) => [a.name, a.value]));
    const contact = existing ?? this.store.create("contacts", { properties: { ...extra, firstname: names.firstName, lastname: names.lastName, email: names.email } });
    const end = start + duration;
    const subject = `${link.name} (${names.firstName} ${names.lastName})`;
    const calendarEventId = link.calendarConnected ? randomUUID().replace(/-/g, "") : "";
    const webConferenceUrl = link.webConference && link.calendarConnected ? `https://meet.hubspot-sim.test/${calendarEventId}` : undefined;
    if (link.calendarConnected) {
      this.busy.push({ userId: link.organizerUserId, start, end });
      const owner = this.store.owners.find((o) => String(o.userId) === link.organizerUserId && !o.archived);
      const properties: Record<string, string> = {
        hs_timestamp: new Date(start).toISOString(),
        hs_meeting_title: subject,
        hs_meeting_start_time: new Date(start).toISOString(),
        hs_meeting_end_time: new Date(end).toISOString(),
        hs_meeting_outcome: "SCHEDULED",
        hs_meeting_source: options.source,
        ...(owner ? { hubspot_owner_id: owner.id } : {}),
        ...(link.location ? { hs_meeting_location: link.location } : {}),
        ...(link.meetingType ? { hs_activity_type: link.meetingType } : {}),
        ...(webConferenceUrl ? { hs_meeting_external_url: webConferenceUrl } : {}),
      };
      const associations = [{ to: { id: contact.id }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: ENGAGEMENT_TO_CONTACT.meetings }] }];
      this.store.create("meetings", { properties, associations }, "seed");
    }
    return {
      calendarEventId,
      contactId: contact.id,
      bookingTimezone: timezone,
      duration,
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      subject,
      isOffline: !link.calendarConnected,
      guestEmails: [],
      formFields: [
        ...STANDARD_FIELDS.map((f) => ({ name: f.name, label: f.label, value: names[f.name], isCustom: false, fieldType: "text" })),
        ...answers.map((a) => ({ name: a.name, label: a.label, value: a.value, isCustom: true, fieldType: "text" })),
      ],
      legalConsentResponses: Array.isArray(raw.legalConsentResponses) ? raw.legalConsentResponses : [],
      ...(typeof raw.locale === "string" ? { locale: raw.locale } : {}),
      ...(link.location ? { location: link.location } : {}),
      ...(webConferenceUrl ? { webConferenceUrl, webConferenceMeetingId: calendarEventId } : {}),
    };
  }

  private link(slug: string): MeetingLink {
    const link = this.links.get(slug);
    if (!link) throw notFound("slug does not exist");
    return link;
  }

  /** The form's custom fields: every required one answered, none the form does not have. */
  private formAnswers(link: MeetingLink, raw: unknown): { name: string; label: string; value: string }[] {
    if (raw !== undefined && raw !== null && !Array.isArray(raw)) throw validationError("formFields must be an array of {name, value}", "INVALID_INPUT");
    const given = ((raw ?? []) as { name?: unknown; value?: unknown }[]).filter((f) => !STANDARD_FIELDS.some((s) => s.name === f?.name));
    const answers = given.map((f) => {
      const field = link.formFields.find((d) => d.name === f?.name);
      if (!field) throw validationError(`form field ${String(f?.name)} is not part of this meeting link's form`, "INVALID_FORM_FIELD");
      return { name: field.name, label: field.label ?? field.name, value: text(f.value) };
    });
    for (const field of link.formFields) {
      if (field.required && !answers.some((a) => a.name === field.name && a.value)) throw validationError(`required form field ${field.name} does not have a corresponding value`, "MISSING_REQUIRED_FORM_FIELD");
    }
    return answers;
  }

  private isOpen(link: MeetingLink, start: number, duration: number, now: number): boolean {
    return this.openStarts(link, duration, start - DAY_MS, start + DAY_MS, now).includes(start);
  }

  /**
   * Starts in [from, to) a link offers for one duration: inside working hours (organizer's time zone),
   * on the increment from the start of each working-hours block, after the minimum notice, before the
   * advertised horizon, and clear of every busy block of the organizer by the buffer.
   */
  private openStarts(link: MeetingLink, duration: number, from: number, to: number, now: number): number[] {
    const earliest = Math.max(from, now + link.minimumNoticeMs);
    const latest = Math.min(to, now + link.weeksToAdvertise * 7 * DAY_MS);
    const step = link.startIncrementMinutes * 60_000;
    const busy = this.busy.filter((b) => b.userId === link.organizerUserId);
    const first = wallClock(earliest, link.timezone);
    const starts: number[] = [];
    for (let offset = -1; ; offset++) {
      const day = new Date(Date.UTC(first.year, first.month, first.day + offset));
      if (zonedToUtc(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 0, 0, link.timezone) >= latest) break;
      for (const hours of link.workingHours.filter((h) => h.days.includes(WEEKDAYS[day.getUTCDay()]!))) {
        const [open, close] = [hours.start, hours.end].map((hhmm) => zonedToUtc(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), ...clock(hhmm), link.timezone)) as [number, number];
        for (let s = open; s + duration <= close; s += step) {
          if (s < earliest || s >= latest) continue;
          if (busy.some((b) => s < b.end + link.bufferMs && s + duration > b.start - link.bufferMs)) continue;
          starts.push(s);
        }
      }
    }
    return starts.sort((a, b) => a - b);
  }

  private busyTimes(link: MeetingLink, from: number, to: number) {
    const user = this.store.users.find((u) => u.id === link.organizerUserId);
    const blocks = link.calendarConnected ? this.busy.filter((b) => b.userId === link.organizerUserId && b.end > from && b.start < to) : [];
    return [
      {
        isOffline: !link.calendarConnected,
        busyTimes: blocks.map((b) => ({ start: b.start, end: b.end })),
        meetingsUser: {
          id: link.organizerUserId,
          userId: link.organizerUserId,
          isSalesStarter: false,
          calendarProvider: "GOOGLE",
          userProfile: { email: user?.email ?? "", firstName: user?.firstName ?? "", lastName: user?.lastName ?? "", fullName: user ? `${user.firstName} ${user.lastName}`.trim() : "" },
        },
      },
    ];
  }
}

function linkJson(link: MeetingLink) {
  return { id: link.id, slug: link.slug, link: `https://meetings.hubspot.com/${link.slug}`, name: link.name, type: link.type, organizerUserId: link.organizerUserId, userIdsOfLinkMembers: [link.organizerUserId], defaultLink: false, createdAt: link.createdAt, updatedAt: link.createdAt };
}

const text = (value: unknown) => (typeof value === "string" ? value.trim() : "");

function requireTimeZone(timezone: string | undefined): string {
  if (!timezone) throw validationError("timezone is required", "MISSING_REQUIRED_FIELD", { timezone: ["required"] });
  return timezone;
}

function assertTimeZone(timezone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    throw validationError(`${timezone} is not a valid time zone`, "INVALID_TIMEZONE", { timezone: [timezone] });
  }
}

function clock(hhmm: string): [number, number] {
  const match = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!match) throw new Error(`working hours are "HH:MM", got ${hhmm}`);
  return [Number(match[1]), Number(match[2])];
}

/** The calendar date and time an instant shows in a time zone (month 0-based). */
function wallClock(ms: number, timeZone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" }).formatToParts(ms).map((p) => [p.type, Number(p.value)]),
  ) as Record<string, number>;
  return { year: parts.year!, month: parts.month! - 1, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** The instant a wall-clock time in a time zone names (month 0-based and allowed to overflow). */
function zonedToUtc(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const asUtc = Date.UTC(year, month, day, hour, minute);
  const offsetAt = (ms: number) => {
    const w = wallClock(ms, timeZone);
    return Date.UTC(w.year, w.month, w.day, w.hour, w.minute, w.second) - ms;
  };
  const guess = asUtc - offsetAt(asUtc);
  return asUtc - offsetAt(guess);
}
