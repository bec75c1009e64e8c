import { randomBytes } from "node:crypto";
import { apiError, badRequest, alreadyDeleted, duplicateId, fullSyncRequired, invalid, notFound, required, timeRangeEmpty } from "./errors.js";

// Each user's primary calendar, validated the way Google validates writes: event ids in base32hex
// (a-v, 0-9, 5 to 1024 characters), one id per calendar for ever (a deleted event keeps its id and
// answers 410 to a second delete), IANA time zones, no end before start. Every change bumps the
// calendar's change sequence, which sync tokens point into; deleted events stay as "cancelled"
// tombstones, and incremental lists show them with little more than their id.

export interface EventDateTime {
  date?: string;
  dateTime?: string;
  timeZone?: string;
}

export interface SimAttendee {
  email: string;
  displayName?: string;
  responseStatus: "needsAction" | "declined" | "tentative" | "accepted";
  optional?: boolean;
}

export interface SimReminders {
  useDefault: boolean;
  overrides?: { method: "email" | "popup"; minutes: number }[];
}

type Status = "confirmed" | "tentative" | "cancelled";
type Transparency = "opaque" | "transparent";

interface StoredEvent {
  id: string;
  status: Status;
  summary?: string;
  description?: string;
  location?: string;
  start: EventDateTime;
  end: EventDateTime;
  startMs: number;
  endMs: number;
  attendees: SimAttendee[];
  reminders: SimReminders;
  transparency: Transparency;
  extendedProperties: { private: Record<string, string>; shared: Record<string, string> };
  created: number;
  updated: number;
  sequence: number;
  /** The calendar's change sequence at this event's last change (what sync tokens compare). */
  changeSeq: number;
  /** Made through the API or "directly in Google Calendar" by a test. */
  origin: "api" | "external";
}

export interface SimNotification {
  type: "invite" | "update" | "cancel";
  /** The attendee Google e-mailed. */
  to: string;
  eventId: string;
  /** The organizer's calendar. */
  calendar: string;
  at: number;
}

/** An event written "directly in Google Calendar": a Date is a timed event, "YYYY-MM-DD" an all-day one. */
export interface ExternalEventInput {
  start: Date | string;
  end: Date | string;
  summary?: string;
  transparency?: Transparency;
  attendees?: { email: string; responseStatus?: SimAttendee["responseStatus"] }[];
}

type SendUpdates = "all" | "externalOnly" | "none";
type Query = Record<string, string | string[] | undefined>;
type Json = Record<string, unknown>;

class UserCalendar {
  readonly events = new Map<string, StoredEvent>();
  seq = 0;
  /** Bumped by invalidateSyncTokens: older tokens answer 410. */
  generation = 0;
  /** Google's opaque id of the watched collection, the same for every channel on it. */
  readonly resourceId = randomBytes(15).toString("base64url");

  constructor(
    readonly email: string,
    public timeZone: string,
  ) {}
}

interface ListCursor {
  email: string;
  ids: string[];
  offset: number;
  seqAtStart: number;
  generation: number;
  incremental: boolean;
  showDeleted: boolean;
  /** Whether the last page hands out a nextSyncToken. */
  syncable: boolean;
}

const ID_PATTERN = /^[a-v0-9]{5,1024}$/;
const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Google documents these as not combinable with syncToken. */
const NOT_WITH_SYNC_TOKEN = ["iCalUID", "orderBy", "privateExtendedProperty", "q", "sharedExtendedProperty", "timeMin", "timeMax", "updatedMin"];
const MAX_REMINDER_MINUTES = 40_320;
/** Longer extended-property keys are dropped without an error, as Google documents. */
const MAX_PROPERTY_KEY = 44;

export class CalendarStore {
  readonly notifications: SimNotification[] = [];
  private readonly calendars = new Map<string, UserCalendar>();
  private readonly syncTokens = new Map<string, { email: string; seq: number; generation: number }>();
  private readonly pageTokens = new Map<string, ListCursor>();

  constructor(
    private readonly options: { defaultTimeZone: string; pageSize: number; onChange: (email: string) => void },
  ) {}

  calendar(email: string): UserCalendar {
    const key = email.toLowerCase();
    let calendar = this.calendars.get(key);
    if (!calendar) {
      calendar = new UserCalendar(key, this.options.defaultTimeZone);
      this.calendars.set(key, calendar);
    }
    return calendar;
  }

  hasUser(email: string): boolean {
    return this.calendars.has(email.toLowerCase());
  }

  /** "primary" or the user's own address; any other calendar is unknown to this user. */
  resolve(userEmail: string, calendarId: string): UserCalendar {
    if (calendarId === "primary" || calendarId.toLowerCase() === userEmail.toLowerCase()) return this.calendar(userEmail);
    throw notFound();
  }

  // ---- events.* ------------------------------------------------------------------------------

  insert(calendar: UserCalendar, body: Json, query: Query, origin: StoredEvent["origin"] = "api"): Json {
    let id: string;
    if (body.id !== undefined && body.id !== null) {
      if (typeof body.id !== "string" || !ID_PATTERN.test(body.id)) throw invalid("Invalid resource id value.");
      id = body.id;
    } else {
      id = base32hexId();
    }
    const mode = sendUpdates(query);
    if (calendar.events.has(id)) throw duplicateId();
    const fields = validate(body, calendar.timeZone);
    const now = Date.now();
    const event: StoredEvent = { id, ...fields, created: now, updated: now, sequence: 0, changeSeq: ++calendar.seq, origin };
    calendar.events.set(id, event);
    this.notify(calendar, mode, "invite", event, event.attendees);
    this.options.onChange(calendar.email);
    return eventJson(calendar, event, "full");
  }

  /** events.get answers deleted events too, with status "cancelled" and their details. */
  get(calendar: UserCalendar, eventId: string): Json {
    const event = calendar.events.get(eventId);
    if (!event) throw notFound();
    return eventJson(calendar, event, "full");
  }

  /**
   * Patch semantics: given fields replace, nested objects (start, end, reminders, extended properties)
   * merge, arrays replace. A deleted event can still be patched on the organizer's calendar (Google
   * keeps its details "so that they can be restored"), and `status: "confirmed"` restores it.
   */
  patch(calendar: UserCalendar, eventId: string, body: Json, query: Query): Json {
    const event = calendar.events.get(eventId);
    if (!event) throw notFound();
    const mode = sendUpdates(query);
    if (body.id !== undefined && body.id !== event.id) throw invalid("Invalid resource id value.");
    const current = eventJson(calendar, event, "full");
    const merged: Json = { ...current, ...body };
    for (const key of ["start", "end", "reminders"] as const) {
      if (isObject(body[key]) && isObject(current[key])) merged[key] = { ...(current[key] as Json), ...(body[key] as Json) };
    }
    if (isObject(body.extendedProperties)) {
      const before = (current.extendedProperties ?? {}) as Json;
      const after = body.extendedProperties as Json;
      merged.extendedProperties = {
        private: withoutNulls({ ...((before.private ?? {}) as Json), ...((after.private ?? {}) as Json) }),
        shared: withoutNulls({ ...((before.shared ?? {}) as Json), ...((after.shared ?? {}) as Json) }),
      };
    }
    const fields = validate(merged, calendar.timeZone, event.attendees);
    const was = { ...event };
    const timesChanged = fields.startMs !== event.startMs || fields.endMs !== event.endMs;
    Object.assign(event, fields, { updated: Date.now(), changeSeq: ++calendar.seq, sequence: event.sequence + (timesChanged ? 1 : 0) });

    if (was.status === "cancelled" && event.status !== "cancelled") this.notify(calendar, mode, "invite", event, event.attendees);
    else if (was.status !== "cancelled" && event.status === "cancelled") this.notify(calendar, mode, "cancel", event, was.attendees);
    else if (event.status !== "cancelled") {
      const before = new Set(was.attendees.map((a) => a.email));
      const after = new Set(event.attendees.map((a) => a.email));
      this.notify(calendar, mode, "invite", event, event.attendees.filter((a) => !before.has(a.email)));
      this.notify(calendar, mode, "update", event, event.attendees.filter((a) => before.has(a.email)));
      this.notify(calendar, mode, "cancel", event, was.attendees.filter((a) => !after.has(a.email)));
    }
    this.options.onChange(calendar.email);
    return eventJson(calendar, event, "full");
  }

  delete(calendar: UserCalendar, eventId: string, query: Query): void {
    const event = calendar.events.get(eventId);
    if (!event) throw notFound();
    if (event.status === "cancelled") throw alreadyDeleted();
    const mode = sendUpdates(query);
    Object.assign(event, { status: "cancelled", updated: Date.now(), changeSeq: ++calendar.seq });
    this.notify(calendar, mode, "cancel", event, event.attendees);
    this.options.onChange(calendar.email);
  }

  /**
   * events.list, a full list or (syncToken) the changes since a token. Pages hold at most the
   * simulator's page size whatever maxResults asks (Google may always return fewer); the last page of
   * a list that can be continued incrementally carries nextSyncToken. Google documents which
   * parameters cannot come with a syncToken, not whether a list filtered by them earns one: being
   * unkind, the simulator gives such lists no token.
   */
  list(calendar: UserCalendar, query: Query): Json {
    const maxResults = query.maxResults === undefined ? 250 : Number(one(query.maxResults));
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 2500) throw invalid(`Invalid value '${one(query.maxResults)}'. Values must be within the range: [1, 2500]`);
    const pageSize = Math.min(maxResults, this.options.pageSize);

    let cursor: ListCursor;
    const pageToken = one(query.pageToken);
    if (pageToken) {
      const found = this.pageTokens.get(pageToken);
      if (!found || found.email !== calendar.email) throw invalid("Invalid page token value.");
      cursor = found;
    } else if (query.syncToken !== undefined) {
      const combined = NOT_WITH_SYNC_TOKEN.find((name) => query[name] !== undefined);
      if (combined) throw invalid(`The request parameter ${combined} cannot be used together with syncToken.`);
      const token = this.syncTokens.get(one(query.syncToken) ?? "");
      // An unknown token is answered like an expired one: the client can only start over.
      if (!token || token.email !== calendar.email || token.generation !== calendar.generation) throw fullSyncRequired();
      const changed = [...calendar.events.values()].filter((e) => e.changeSeq > token.seq).sort((a, b) => a.changeSeq - b.changeSeq);
      cursor = this.cursor(calendar, changed, { incremental: true, showDeleted: one(query.showDeleted) === "true", syncable: true });
    } else {
      cursor = this.cursor(calendar, this.fullList(calendar, query), {
        incremental: false,
        showDeleted: one(query.showDeleted) === "true",
        syncable: NOT_WITH_SYNC_TOKEN.every((name) => query[name] === undefined),
      });
    }

    const ids = cursor.ids.slice(cursor.offset, cursor.offset + pageSize);
    const items = ids.map((id) => {
      const event = calendar.events.get(id)!;
      const tombstone = event.status === "cancelled" && cursor.incremental && !cursor.showDeleted;
      return eventJson(calendar, event, tombstone ? "tombstone" : "full");
    });
    const more = cursor.offset + pageSize < cursor.ids.length;
    let nextPageToken: string | undefined;
    let nextSyncToken: string | undefined;
    if (more) {
      nextPageToken = randomBytes(24).toString("base64url");
      this.pageTokens.set(nextPageToken, { ...cursor, offset: cursor.offset + pageSize });
    } else if (cursor.syncable && cursor.generation === calendar.generation) {
      nextSyncToken = `C${randomBytes(18).toString("base64url")}`;
      this.syncTokens.set(nextSyncToken, { email: calendar.email, seq: cursor.seqAtStart, generation: calendar.generation });
    }
    return {
      kind: "calendar#events",
      etag: `"${calendar.seq}"`,
      summary: calendar.email,
      description: "",
      updated: new Date().toISOString(),
      timeZone: calendar.timeZone,
      accessRole: "owner",
      defaultReminders: [{ method: "popup", minutes: 10 }],
      ...(nextPageToken ? { nextPageToken } : {}),
      ...(nextSyncToken ? { nextSyncToken } : {}),
      items,
    };
  }

  /** POST /freeBusy: merged busy intervals of the asking user's own calendar; others are notFound. */
  freeBusy(userEmail: string, body: Json): Json {
    if (typeof body.timeMin !== "string") throw required("Missing timeMin parameter.");
    if (typeof body.timeMax !== "string") throw required("Missing timeMax parameter.");
    const from = rfc3339(body.timeMin);
    const to = rfc3339(body.timeMax);
    if (to < from) throw timeRangeEmpty();
    const items = Array.isArray(body.items) ? (body.items as Json[]) : [];
    if (items.length > 50) throw apiError(400, "tooManyCalendarsRequested", "Too many calendars requested.");
    const calendars: Json = {};
    for (const item of items) {
      const id = String(item?.id ?? "");
      if (id !== "primary" && id.toLowerCase() !== userEmail.toLowerCase()) {
        calendars[id] = { errors: [{ domain: "global", reason: "notFound" }], busy: [] };
        continue;
      }
      const calendar = this.calendar(userEmail);
      const intervals = [...calendar.events.values()]
        .filter((e) => blocks(calendar, e) && e.endMs > from && e.startMs < to)
        .map((e) => [Math.max(e.startMs, from), Math.min(e.endMs, to)] as [number, number])
        .sort((a, b) => a[0] - b[0]);
      const merged: [number, number][] = [];
      for (const interval of intervals) {
        const last = merged.at(-1);
        if (last && interval[0] <= last[1]) last[1] = Math.max(last[1], interval[1]);
        else merged.push([...interval]);
      }
      calendars[id] = { busy: merged.map(([s, e]) => ({ start: utc(s), end: utc(e) })) };
    }
    return { kind: "calendar#freeBusy", timeMin: utc(from), timeMax: utc(to), calendars };
  }

  // ---- changes made outside the API ------------------------------------------------------------

  insertExternal(email: string, input: ExternalEventInput): Json {
    const calendar = this.calendar(email);
    return this.insert(calendar, externalBody(input), {}, "external");
  }

  updateExternal(email: string, eventId: string, input: Partial<ExternalEventInput>): Json {
    return this.patch(this.calendar(email), eventId, externalBody(input), {});
  }

  deleteExternal(email: string, eventId: string): void {
    this.delete(this.calendar(email), eventId, {});
  }

  /** Every event of the user's calendar, deleted ones included, in creation order, as events.get shows them. */
  events(email: string): Json[] {
    const calendar = this.calendar(email);
    return [...calendar.events.values()].map((e) => eventJson(calendar, e, "full"));
  }

  invalidateSyncTokens(email?: string): void {
    for (const calendar of this.calendars.values()) if (!email || calendar.email === email.toLowerCase()) calendar.generation++;
  }

  private cursor(calendar: UserCalendar, events: StoredEvent[], flags: Pick<ListCursor, "incremental" | "showDeleted" | "syncable">): ListCursor {
    return { email: calendar.email, ids: events.map((e) => e.id), offset: 0, seqAtStart: calendar.seq, generation: calendar.generation, ...flags };
  }

  private fullList(calendar: UserCalendar, query: Query): StoredEvent[] {
    const singleEvents = one(query.singleEvents) === "true";
    const orderBy = one(query.orderBy);
    if (orderBy !== undefined && orderBy !== "startTime" && orderBy !== "updated") throw badRequest(`Invalid value for orderBy: ${orderBy}`);
    if (orderBy === "startTime" && !singleEvents) throw badRequest("The requested ordering is not available for the particular query.");
    const timeMin = query.timeMin === undefined ? null : rfc3339(one(query.timeMin) ?? "");
    const timeMax = query.timeMax === undefined ? null : rfc3339(one(query.timeMax) ?? "");
    if (timeMin !== null && timeMax !== null && timeMax < timeMin) throw timeRangeEmpty();
    const updatedMin = query.updatedMin === undefined ? null : rfc3339(one(query.updatedMin) ?? "");
    const showDeleted = one(query.showDeleted) === "true";
    const q = one(query.q)?.toLowerCase();
    const iCalUID = one(query.iCalUID);
    const properties = many(query.privateExtendedProperty).map((p) => p.split("=", 2) as [string, string | undefined]);

    const events = [...calendar.events.values()].filter((e) => {
      // updatedMin always includes deletions since then, whatever showDeleted says.
      if (e.status === "cancelled" && !showDeleted && updatedMin === null) return false;
      if (updatedMin !== null && e.updated < updatedMin) return false;
      if (timeMin !== null && e.endMs <= timeMin) return false;
      if (timeMax !== null && e.startMs >= timeMax) return false;
      if (iCalUID !== undefined && `${e.id}@google.com` !== iCalUID) return false;
      if (q && ![e.summary, e.description, e.location].some((text) => text?.toLowerCase().includes(q))) return false;
      return properties.every(([key, value]) => e.extendedProperties.private[key] === value);
    });
    if (orderBy === "startTime") events.sort((a, b) => a.startMs - b.startMs);
    if (orderBy === "updated") events.sort((a, b) => a.updated - b.updated);
    return events;
  }

  private notify(calendar: UserCalendar, mode: SendUpdates, type: SimNotification["type"], event: StoredEvent, recipients: SimAttendee[]): void {
    if (mode === "none") return;
    for (const attendee of recipients) {
      if (attendee.email === calendar.email) continue;
      if (mode === "externalOnly" && this.hasUser(attendee.email)) continue;
      this.notifications.push({ type, to: attendee.email, eventId: event.id, calendar: calendar.email, at: Date.now() });
    }
  }
}

// ---- validation --------------------------------------------------------------------------------

type EventFields = Omit<StoredEvent, "id" | "created" | "updated" | "sequence" | "changeSeq" | "origin">;

function validate(body: Json, calendarTimeZone: string, previousAttendees: SimAttendee[] = []): EventFields {
  const start = eventTime(body.start, "start", calendarTimeZone);
  const end = eventTime(body.end, "end", calendarTimeZone);
  if (start.allDay !== end.allDay) throw invalid("Start and end times must either both be date or both be dateTime.");
  if (end.ms < start.ms || (start.allDay && end.ms === start.ms)) throw timeRangeEmpty();
  const status = body.status ?? "confirmed";
  if (status !== "confirmed" && status !== "tentative" && status !== "cancelled") throw badRequest(`Invalid value for status: ${String(status)}`);
  const transparency = body.transparency ?? "opaque";
  if (transparency !== "opaque" && transparency !== "transparent") throw badRequest(`Invalid value for transparency: ${String(transparency)}`);
  const text = (name: string) => {
    const value = body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") throw badRequest(`Invalid value for ${name}`);
    return value;
  };
  return {
    status,
    summary: text("summary"),
    description: text("description"),
    location: text("location"),
    start: start.value,
    end: end.value,
    startMs: start.ms,
    endMs: end.ms,
    attendees: attendees(body.attendees, previousAttendees),
    reminders: reminders(body.reminders),
    transparency,
    extendedProperties: extendedProperties(body.extendedProperties),
  };
}

function eventTime(raw: unknown, which: "start" | "end", calendarTimeZone: string): { value: EventDateTime; ms: number; allDay: boolean } {
  if (!isObject(raw)) throw required(`Missing ${which} time.`);
  const { date, dateTime, timeZone } = raw as { date?: unknown; dateTime?: unknown; timeZone?: unknown };
  if (timeZone !== undefined && timeZone !== null && (typeof timeZone !== "string" || !isTimeZone(timeZone))) throw invalid(`Invalid time zone definition for ${which} time.`);
  const zone = typeof timeZone === "string" ? timeZone : undefined;
  const hasDate = date !== undefined && date !== null;
  const hasDateTime = dateTime !== undefined && dateTime !== null;
  if (hasDate && hasDateTime) throw badRequest(`Invalid ${which} time: date and dateTime both set.`);
  if (hasDate) {
    if (typeof date !== "string" || !DATE.test(date) || Number.isNaN(Date.parse(date))) throw badRequest(`Invalid value for: Invalid format: "${String(date)}"`);
    return { value: { date, ...(zone ? { timeZone: zone } : {}) }, ms: zonedToUtc(`${date}T00:00:00`, zone ?? calendarTimeZone), allDay: true };
  }
  if (!hasDateTime) throw required(`Missing ${which} time.`);
  if (typeof dateTime !== "string") throw badRequest(`Invalid value for: Invalid format: "${String(dateTime)}"`);
  let ms: number;
  if (RFC3339.test(dateTime)) ms = Date.parse(dateTime);
  else if (LOCAL_DATE_TIME.test(dateTime)) {
    if (!zone) throw badRequest(`Missing time zone definition for ${which} time.`);
    ms = zonedToUtc(dateTime, zone);
  } else throw badRequest(`Invalid value for: Invalid format: "${dateTime}"`);
  if (Number.isNaN(ms)) throw badRequest(`Invalid value for: Invalid format: "${dateTime}"`);
  return { value: { dateTime, ...(zone ? { timeZone: zone } : {}) }, ms, allDay: false };
}

function attendees(raw: unknown, previous: SimAttendee[]): SimAttendee[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badRequest("Invalid value for attendees");
  const seen = new Map<string, SimAttendee>();
  for (const item of raw as Json[]) {
    if (!isObject(item) || item.email === undefined || item.email === null || item.email === "") throw required("Missing attendee email.");
    if (typeof item.email !== "string" || !EMAIL_PATTERN.test(item.email)) throw invalid("Invalid attendee email.");
    const email = item.email.toLowerCase();
    if (seen.has(email)) continue;
    const before = previous.find((a) => a.email === email);
    const status = item.responseStatus ?? before?.responseStatus ?? "needsAction";
    if (!["needsAction", "declined", "tentative", "accepted"].includes(String(status))) throw badRequest(`Invalid value for responseStatus: ${String(status)}`);
    seen.set(email, {
      email,
      responseStatus: status as SimAttendee["responseStatus"],
      ...(typeof item.displayName === "string" ? { displayName: item.displayName } : {}),
      ...(item.optional === true ? { optional: true } : {}),
    });
  }
  return [...seen.values()];
}

function reminders(raw: unknown): SimReminders {
  if (raw === undefined || raw === null) return { useDefault: true };
  if (!isObject(raw)) throw badRequest("Invalid value for reminders");
  const { useDefault, overrides } = raw as { useDefault?: unknown; overrides?: unknown };
  const list = overrides === undefined || overrides === null ? [] : overrides;
  if (!Array.isArray(list)) throw badRequest("Invalid value for reminders.overrides");
  if (useDefault === true && list.length) throw apiError(400, "cannotUseDefaultRemindersAndSpecifyOverride", "Cannot specify both default reminders and overrides at the same time.");
  if (list.length > 5) throw invalid("Cannot specify more than 5 override reminders.");
  const parsed = list.map((item: Json) => {
    if (item?.method !== "email" && item?.method !== "popup") throw invalid("Invalid reminder method.");
    const minutes = item.minutes;
    if (typeof minutes !== "number" || !Number.isInteger(minutes) || minutes < 0 || minutes > MAX_REMINDER_MINUTES) throw invalid("Invalid reminder minutes.");
    return { method: item.method, minutes } as { method: "email" | "popup"; minutes: number };
  });
  return useDefault === true ? { useDefault: true } : { useDefault: false, overrides: parsed };
}

function extendedProperties(raw: unknown): StoredEvent["extendedProperties"] {
  const result = { private: {} as Record<string, string>, shared: {} as Record<string, string> };
  if (raw === undefined || raw === null) return result;
  if (!isObject(raw)) throw badRequest("Invalid value for extendedProperties");
  for (const kind of ["private", "shared"] as const) {
    const values = (raw as Json)[kind];
    if (values === undefined || values === null) continue;
    if (!isObject(values)) throw badRequest(`Invalid value for extendedProperties.${kind}`);
    for (const [key, value] of Object.entries(values as Json)) {
      if (typeof value !== "string") throw badRequest(`Invalid value for extendedProperties.${kind}.${key}`);
      if (key.length <= MAX_PROPERTY_KEY) result[kind][key] = value;
    }
  }
  return result;
}

function sendUpdates(query: Query): SendUpdates {
  const value = one(query.sendUpdates);
  if (value === undefined) return one(query.sendNotifications) === "true" ? "all" : "none";
  if (value !== "all" && value !== "externalOnly" && value !== "none") throw badRequest(`Invalid value for sendUpdates: ${value}`);
  return value;
}

// ---- the JSON Google answers -------------------------------------------------------------------

function eventJson(calendar: UserCalendar, event: StoredEvent, detail: "full" | "tombstone"): Json {
  const etag = `"${event.updated}${String(event.sequence).padStart(3, "0")}"`;
  // An incremental list shows a deleted event with only its id guaranteed.
  if (detail === "tombstone") return { kind: "calendar#event", etag, id: event.id, status: "cancelled" };
  const time = (value: EventDateTime, ms: number) =>
    value.date ? { date: value.date } : { dateTime: formatInZone(ms, value.timeZone ?? calendar.timeZone), ...(value.timeZone ? { timeZone: value.timeZone } : {}) };
  const hasProperties = Object.keys(event.extendedProperties.private).length || Object.keys(event.extendedProperties.shared).length;
  return {
    kind: "calendar#event",
    etag,
    id: event.id,
    status: event.status,
    htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${event.id} ${calendar.email}`).toString("base64url")}`,
    created: new Date(event.created).toISOString(),
    updated: new Date(event.updated).toISOString(),
    ...(event.summary !== undefined ? { summary: event.summary } : {}),
    ...(event.description !== undefined ? { description: event.description } : {}),
    ...(event.location !== undefined ? { location: event.location } : {}),
    creator: { email: calendar.email, self: true },
    organizer: { email: calendar.email, self: true },
    start: time(event.start, event.startMs),
    end: time(event.end, event.endMs),
    // Google leaves out the default ("opaque"): a missing transparency means busy.
    ...(event.transparency === "transparent" ? { transparency: "transparent" } : {}),
    iCalUID: `${event.id}@google.com`,
    sequence: event.sequence,
    ...(event.attendees.length ? { attendees: event.attendees.map((a) => ({ ...a, ...(a.email === calendar.email ? { self: true } : {}) })) } : {}),
    ...(hasProperties
      ? {
          extendedProperties: {
            ...(Object.keys(event.extendedProperties.private).length ? { private: { ...event.extendedProperties.private } } : {}),
            ...(Object.keys(event.extendedProperties.shared).length ? { shared: { ...event.extendedProperties.shared } } : {}),
          },
        }
      : {}),
    reminders: event.reminders.useDefault ? { useDefault: true } : { useDefault: false, overrides: event.reminders.overrides?.map((o) => ({ ...o })) ?? [] },
    eventType: "default",
  };
}

/** Busy for free/busy: not deleted, not marked free, not declined by the calendar's owner. */
function blocks(calendar: UserCalendar, event: StoredEvent): boolean {
  if (event.status === "cancelled" || event.transparency === "transparent") return false;
  return event.attendees.find((a) => a.email === calendar.email)?.responseStatus !== "declined";
}

function externalBody(input: Partial<ExternalEventInput>): Json {
  const time = (value: Date | string) => (typeof value === "string" && DATE.test(value) ? { date: value } : { dateTime: new Date(value).toISOString() });
  return {
    ...(input.start !== undefined ? { start: time(input.start) } : {}),
    ...(input.end !== undefined ? { end: time(input.end) } : {}),
    ...(input.summary !== undefined ? { summary: input.summary } : {}),
    ...(input.transparency !== undefined ? { transparency: input.transparency } : {}),
    ...(input.attendees !== undefined ? { attendees: input.attendees } : {}),
  };
}

// ---- small helpers -----------------------------------------------------------------------------

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";

/** Ids like the ones Google makes for events created in its UI: 26 base32hex characters. */
function base32hexId(): string {
  return [...randomBytes(26)].map((b) => BASE32HEX[b & 31]).join("");
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function withoutNulls(values: Json): Json {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null && v !== undefined));
}

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function many(value: string | string[] | undefined): string[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** An RFC 3339 instant with its offset, or Google's 400. */
function rfc3339(value: string): number {
  const ms = RFC3339.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw badRequest();
  return ms;
}

const utc = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, "Z");

export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Minutes east of UTC of `timeZone` at the instant `ms`. */
function offsetMinutes(ms: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** The instant a wall-clock "YYYY-MM-DDTHH:MM[:SS]" in `timeZone` names. */
function zonedToUtc(local: string, timeZone: string): number {
  const wall = Date.parse(`${local}Z`);
  const first = wall - offsetMinutes(wall, timeZone) * 60_000;
  return wall - offsetMinutes(first, timeZone) * 60_000;
}

/** "2030-01-15T09:00:00-05:00": Google answers times in the event's zone, not in UTC. */
function formatInZone(ms: number, timeZone: string): string {
  const offset = offsetMinutes(ms, timeZone);
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, 19);
  if (offset === 0) return `${local}Z`;
  const abs = Math.abs(offset);
  return `${local}${offset < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}
