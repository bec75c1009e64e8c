import { randomBytes } from "node:crypto";
import { graphError, invalidRequest, itemNotFound } from "./errors.js";
import type { SimUser } from "./identity.js";
import { fromInstant, ianaZone, toInstant } from "./time.js";

// Each user's Outlook calendar: events written through the API or "directly in Outlook" by a test,
// with what Graph does around them. transactionId makes a repeated POST return the event it already
// made; PATCH moves an event in place and mails its attendees an update; only the organizer may
// cancel, which mails every attendee the comment and takes the event off the calendar. calendarView
// pages server-side (`pageSize`, whatever $top says) and keeps cancelled meetings in its answer;
// delta hands out skip and delta tokens that die when a test invalidates them (410 syncStateNotFound).

export type ShowAs = "free" | "tentative" | "busy" | "oof" | "workingElsewhere" | "unknown";
const SHOW_AS: readonly ShowAs[] = ["free", "tentative", "busy", "oof", "workingElsewhere", "unknown"];
export type ChangeType = "created" | "updated" | "deleted";

export interface SimAttendee {
  address: string;
  name: string | null;
  type: "required" | "optional" | "resource";
}

/** An event as the simulator holds it. `deleted`: no longer on the calendar (cancelled by its organizer, or deleted). */
export interface SimEvent {
  id: string;
  iCalUId: string;
  changeKey: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  subject: string;
  body: { contentType: "text" | "html"; content: string };
  start: Date;
  end: Date;
  startTimeZone: string;
  endTimeZone: string;
  showAs: ShowAs;
  isCancelled: boolean;
  deleted: boolean;
  isReminderOn: boolean;
  reminderMinutesBeforeStart: number;
  transactionId: string | null;
  isOrganizer: boolean;
  organizer: { address: string; name: string };
  attendees: SimAttendee[];
}

/** A mail Outlook sends an attendee on the organizer's behalf. */
export interface AttendeeNotification {
  type: "invite" | "update" | "cancel";
  to: string;
  from: string;
  eventId: string;
  subject: string;
  comment: string | null;
  at: number;
}

export interface ExternalEventInput {
  start: Date | string;
  end: Date | string;
  subject?: string;
  showAs?: ShowAs;
  /** A meeting its (other) organizer cancelled: Outlook keeps it on the calendar, marked cancelled, until the user removes it. */
  isCancelled?: boolean;
  /** Someone else's meeting the user was invited to; default: the user's own appointment. */
  organizer?: { address: string; name?: string };
  timeZone?: string;
}

interface StoredEvent extends SimEvent {
  /** The mailbox's change counter when this event last changed (delta's notion of "since"). */
  version: number;
}

interface Mailbox {
  user: SimUser;
  events: Map<string, StoredEvent>;
  seq: number;
}

interface DeltaState {
  userId: string;
  start: number;
  end: number;
  seq: number;
}

interface SkipState {
  userId: string;
  items: Record<string, unknown>[];
  offset: number;
  /** What the deltaLink at the end of this round will stand for. */
  next: DeltaState;
}

export interface CalendarHooks {
  pageSize: number;
  notify(notification: AttendeeNotification): void;
  changed(user: SimUser, changeType: ChangeType, event: SimEvent): void;
}

/** What a request tells a read: the query (names as sent), the Prefer header, the simulator's base URL. */
export interface ReadRequest {
  query: Record<string, string>;
  prefer: string | undefined;
  base: string;
}

const WRITABLE = new Set([
  "subject", "body", "start", "end", "attendees", "showAs", "isReminderOn", "reminderMinutesBeforeStart", "transactionId",
  "location", "locations", "importance", "sensitivity", "categories", "isAllDay", "allowNewTimeProposals", "responseRequested",
  "isOnlineMeeting", "onlineMeetingProvider", "hideAttendees", "singleValueExtendedProperties", "multiValueExtendedProperties",
]);
const READ_ONLY = new Set(["id", "createdDateTime", "lastModifiedDateTime", "changeKey", "iCalUId", "isCancelled", "isOrganizer", "organizer", "webLink", "bodyPreview", "responseStatus", "type", "seriesMasterId", "originalStartTimeZone", "originalEndTimeZone", "hasAttachments"]);
const SELECTABLE = new Set([...WRITABLE, ...READ_ONLY]);
const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/;

interface EventInput {
  subject?: string;
  body?: SimEvent["body"];
  start?: { instant: Date; timeZone: string };
  end?: { instant: Date; timeZone: string };
  attendees?: SimAttendee[];
  showAs?: ShowAs;
  isReminderOn?: boolean;
  reminderMinutesBeforeStart?: number;
  transactionId?: string;
}

export class Calendar {
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly deltaTokens = new Map<string, DeltaState>();
  private readonly skipTokens = new Map<string, SkipState>();

  constructor(private readonly hooks: CalendarHooks) {}

  // ---- writes through the API -----------------------------------------------------------------

  /** POST /me/events. A transactionId already on the calendar returns that event, untouched. */
  create(user: SimUser, body: unknown): { event: SimEvent; created: boolean } {
    const input = readEventBody(body);
    if (!input.start || !input.end) throw invalidRequest("Your request can't be completed. The event must have a start and an end.");
    assertOrder(input.start.instant, input.end.instant);
    const mailbox = this.mailbox(user);
    if (input.transactionId) {
      const existing = [...mailbox.events.values()].find((e) => !e.deleted && e.transactionId === input.transactionId);
      if (existing) return { event: existing, created: false };
    }
    const now = new Date().toISOString();
    const event: StoredEvent = {
      id: newEventId(),
      iCalUId: `040000008200E00074C5B7101A82E008${randomBytes(28).toString("hex").toUpperCase()}`,
      changeKey: randomBytes(16).toString("base64"),
      createdDateTime: now,
      lastModifiedDateTime: now,
      subject: input.subject ?? "",
      body: input.body ?? { contentType: "text", content: "" },
      start: input.start.instant,
      end: input.end.instant,
      startTimeZone: input.start.timeZone,
      endTimeZone: input.end.timeZone,
      showAs: input.showAs ?? "busy",
      isCancelled: false,
      deleted: false,
      isReminderOn: input.isReminderOn ?? true,
      reminderMinutesBeforeStart: input.reminderMinutesBeforeStart ?? 15,
      transactionId: input.transactionId ?? null,
      isOrganizer: true,
      organizer: { address: user.email, name: user.displayName },
      attendees: input.attendees ?? [],
      version: 0,
    };
    this.touch(mailbox, event);
    mailbox.events.set(event.id, event);
    for (const attendee of event.attendees) this.mail("invite", event, attendee.address, null);
    this.hooks.changed(user, "created", event);
    return { event, created: true };
  }

  /** PATCH /me/events/{id}: the same event, moved or edited; attendees hear about it. */
  patch(user: SimUser, id: string, body: unknown): SimEvent {
    const event = this.live(user, id);
    const input = readEventBody(body);
    if (input.transactionId !== undefined && input.transactionId !== event.transactionId) throw invalidRequest("The transactionId of an event cannot be changed once it is set.");
    assertOrder(input.start?.instant ?? event.start, input.end?.instant ?? event.end);
    const before = { start: event.start.getTime(), end: event.end.getTime(), subject: event.subject };
    const previous = event.attendees;
    if (input.subject !== undefined) event.subject = input.subject;
    if (input.body) event.body = input.body;
    if (input.start) [event.start, event.startTimeZone] = [input.start.instant, input.start.timeZone];
    if (input.end) [event.end, event.endTimeZone] = [input.end.instant, input.end.timeZone];
    if (input.showAs) event.showAs = input.showAs;
    if (input.isReminderOn !== undefined) event.isReminderOn = input.isReminderOn;
    if (input.reminderMinutesBeforeStart !== undefined) event.reminderMinutesBeforeStart = input.reminderMinutesBeforeStart;
    if (input.attendees) event.attendees = input.attendees;
    this.touch(this.mailbox(user), event);
    if (event.isOrganizer) {
      const same = (a: SimAttendee) => (b: SimAttendee) => a.address.toLowerCase() === b.address.toLowerCase();
      const changed = before.start !== event.start.getTime() || before.end !== event.end.getTime() || before.subject !== event.subject;
      for (const attendee of event.attendees) {
        if (!previous.some(same(attendee))) this.mail("invite", event, attendee.address, null);
        else if (changed) this.mail("update", event, attendee.address, null);
      }
      for (const gone of previous.filter((a) => !event.attendees.some(same(a)))) this.mail("cancel", event, gone.address, null);
    }
    this.hooks.changed(user, "updated", event);
    return event;
  }

  /** POST /me/events/{id}/cancel: organizer only; every attendee gets the cancellation with the comment. */
  cancel(user: SimUser, id: string, body: unknown): void {
    const event = this.live(user, id);
    const fields = body === undefined ? {} : asObject(body);
    for (const key of Object.keys(fields)) if (key !== "comment") throw unknownProperty(key, "microsoft.graph.cancel");
    if (fields.comment !== undefined && fields.comment !== null && typeof fields.comment !== "string") throw invalidRequest("comment must be a string.");
    if (!event.isOrganizer) throw invalidRequest("Your request can't be completed. You need to be an organizer to cancel a meeting.");
    const comment = typeof fields.comment === "string" ? fields.comment : null;
    event.isCancelled = true;
    event.deleted = true;
    this.touch(this.mailbox(user), event);
    for (const attendee of event.attendees) this.mail("cancel", event, attendee.address, comment);
    this.hooks.changed(user, "deleted", event);
  }

  /** DELETE /me/events/{id}: an organizer's meeting is cancelled for its attendees, without a comment. */
  remove(user: SimUser, id: string): void {
    const event = this.live(user, id);
    event.deleted = true;
    this.touch(this.mailbox(user), event);
    if (event.isOrganizer) for (const attendee of event.attendees) this.mail("cancel", event, attendee.address, null);
    this.hooks.changed(user, "deleted", event);
  }

  get(user: SimUser, id: string): SimEvent {
    return this.live(user, id);
  }

  // ---- changes made directly in Outlook (tests) -----------------------------------------------

  /** Returns a copy, as every public read does. */
  insertExternal(user: SimUser, input: ExternalEventInput): SimEvent {
    const timeZone = input.timeZone ?? "UTC";
    const start = new Date(input.start);
    const end = new Date(input.end);
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) || end < start) throw new Error("insertExternal: start and end must be valid, end not before start");
    const body = { subject: input.subject ?? "Busy", start: fromInstant(start, timeZone), end: fromInstant(end, timeZone), showAs: input.showAs ?? "busy" };
    const { event } = this.create(user, body);
    const stored = event as StoredEvent;
    if (input.organizer && input.organizer.address.toLowerCase() !== user.email) {
      stored.isOrganizer = false;
      stored.organizer = { address: input.organizer.address.toLowerCase(), name: input.organizer.name ?? input.organizer.address };
    }
    if (input.isCancelled) stored.isCancelled = true;
    return copy(stored);
  }

  updateExternal(user: SimUser, id: string, patch: Partial<Pick<ExternalEventInput, "start" | "end" | "subject" | "showAs" | "isCancelled">>): SimEvent {
    const event = this.live(user, id);
    if (patch.start !== undefined) event.start = new Date(patch.start);
    if (patch.end !== undefined) event.end = new Date(patch.end);
    if (patch.subject !== undefined) event.subject = patch.subject;
    if (patch.showAs !== undefined) event.showAs = patch.showAs;
    if (patch.isCancelled !== undefined) event.isCancelled = patch.isCancelled;
    this.touch(this.mailbox(user), event);
    this.hooks.changed(user, "updated", event);
    return copy(event);
  }

  deleteExternal(user: SimUser, id: string): void {
    const event = this.live(user, id);
    event.deleted = true;
    this.touch(this.mailbox(user), event);
    this.hooks.changed(user, "deleted", event);
  }

  /** Every event the user's mailbox holds, deleted ones included, in creation order (copies). */
  list(user: SimUser): SimEvent[] {
    return [...this.mailbox(user).events.values()].map(copy);
  }

  /** Every delta and skip token handed out so far answers 410 syncStateNotFound. */
  invalidateDeltaTokens(): void {
    this.deltaTokens.clear();
    this.skipTokens.clear();
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** GET /me/calendarView: events overlapping the window, cancelled meetings included, server-paged. */
  view(user: SimUser, request: ReadRequest): Record<string, unknown> {
    const { start, end } = timeWindow(request.query);
    const top = intParam(request.query, "$top", 1, 1000);
    const skip = intParam(request.query, "$skip", 0, Number.MAX_SAFE_INTEGER) ?? 0;
    const select = selectList(request.query);
    const zone = preferredZone(request.prefer) ?? "UTC";
    const all = this.inWindow(user, start, end);
    // Server-driven paging: a page never holds more than pageSize, whatever $top asks for.
    const size = Math.min(top ?? this.hooks.pageSize, this.hooks.pageSize);
    const page = all.slice(skip, skip + size);
    const answer: Record<string, unknown> = {
      "@odata.context": `${request.base}/v1.0/$metadata#users('${user.id}')/calendarView`,
      value: page.map((e) => eventJson(e, zone, select)),
    };
    if (skip + size < all.length) answer["@odata.nextLink"] = link(request.base, "me/calendarView", { ...request.query, $skip: String(skip + size) });
    return answer;
  }

  /** GET /me/calendarView/delta: a full round (window given), or the changes since a delta token. */
  delta(user: SimUser, request: ReadRequest): Record<string, unknown> {
    const zone = preferredZone(request.prefer) ?? "UTC";
    const maxPageSize = /odata\.maxpagesize=(\d+)/i.exec(request.prefer ?? "")?.[1];
    const size = Math.min(Number(maxPageSize ?? this.hooks.pageSize) || this.hooks.pageSize, this.hooks.pageSize);
    const skipToken = param(request.query, "$skiptoken");
    const deltaToken = param(request.query, "$deltatoken");
    let state: SkipState;
    if (skipToken !== undefined) {
      const found = this.skipTokens.get(skipToken);
      if (!found || found.userId !== user.id) throw syncStateNotFound();
      state = found;
      this.skipTokens.delete(skipToken);
    } else {
      const mailbox = this.mailbox(user);
      let since: DeltaState | null = null;
      let window: { start: number; end: number };
      if (deltaToken !== undefined) {
        since = this.deltaTokens.get(deltaToken) ?? null;
        if (!since || since.userId !== user.id) throw syncStateNotFound();
        window = { start: since.start, end: since.end };
      } else {
        const w = timeWindow(request.query);
        window = { start: w.start.getTime(), end: w.end.getTime() };
      }
      const overlaps = (e: StoredEvent) => !e.deleted && e.start.getTime() < window.end && e.end.getTime() > window.start;
      const changed = [...mailbox.events.values()].filter((e) => (since ? e.version > since.seq : overlaps(e)));
      const items = changed.map((e) => (overlaps(e) ? eventJson(e, zone, null) : { "@odata.type": "#microsoft.graph.event", id: e.id, "@removed": { reason: "deleted" } }));
      state = { userId: user.id, items, offset: 0, next: { userId: user.id, ...window, seq: mailbox.seq } };
    }
    const page = state.items.slice(state.offset, state.offset + size);
    const answer: Record<string, unknown> = { "@odata.context": `${request.base}/v1.0/$metadata#Collection(event)`, value: page };
    if (state.offset + size < state.items.length) {
      const token = randomBytes(24).toString("base64url");
      this.skipTokens.set(token, { ...state, offset: state.offset + size });
      answer["@odata.nextLink"] = link(request.base, "me/calendarView/delta", { $skiptoken: token });
    } else {
      const token = randomBytes(24).toString("base64url");
      this.deltaTokens.set(token, state.next);
      answer["@odata.deltaLink"] = link(request.base, "me/calendarView/delta", { $deltatoken: token });
    }
    return answer;
  }

  // ---- internals ------------------------------------------------------------------------------

  private inWindow(user: SimUser, start: Date, end: Date): StoredEvent[] {
    return [...this.mailbox(user).events.values()]
      .filter((e) => !e.deleted && e.start < end && e.end > start)
      .sort((a, b) => a.start.getTime() - b.start.getTime() || a.id.localeCompare(b.id));
  }

  private live(user: SimUser, id: string): StoredEvent {
    const event = this.mailbox(user).events.get(id);
    if (!event || event.deleted) throw itemNotFound();
    return event;
  }

  private mailbox(user: SimUser): Mailbox {
    let mailbox = this.mailboxes.get(user.id);
    if (!mailbox) {
      mailbox = { user, events: new Map(), seq: 0 };
      this.mailboxes.set(user.id, mailbox);
    }
    return mailbox;
  }

  private touch(mailbox: Mailbox, event: StoredEvent): void {
    event.version = ++mailbox.seq;
    event.changeKey = randomBytes(16).toString("base64");
    event.lastModifiedDateTime = new Date().toISOString();
  }

  private mail(type: AttendeeNotification["type"], event: SimEvent, to: string, comment: string | null): void {
    this.hooks.notify({ type, to, from: event.organizer.address, eventId: event.id, subject: event.subject, comment, at: Date.now() });
  }
}

function copy({ version: _version, ...event }: StoredEvent): SimEvent {
  return structuredClone(event);
}

/** Graph event ids: long, base64 with "-" and "_", ending in "=" (callers must escape them in paths). */
function newEventId(): string {
  return `AAMkAGVmMDEzMTM4LTZmYWUtNDdkNC1hMDZiLTU1OGY5OTZhYmY4OABGAAAAAAAiQ8W967B7TKBjgx9rVEURBwAiIsqMbYjsT5e-T7KzowPTAAAAAAENAAAiIsqMbYjsT5e-T7KzowPTAA${randomBytes(12).toString("base64url")}AAA=`;
}

function eventJson(event: SimEvent, zone: string | null, select: Set<string> | null): Record<string, unknown> {
  const full: Record<string, unknown> = {
    "@odata.etag": `W/"${event.changeKey}"`,
    id: event.id,
    createdDateTime: event.createdDateTime,
    lastModifiedDateTime: event.lastModifiedDateTime,
    changeKey: event.changeKey,
    categories: [],
    // Graph returns transactionId only on events an app set it on.
    ...(event.transactionId ? { transactionId: event.transactionId } : {}),
    originalStartTimeZone: event.startTimeZone,
    originalEndTimeZone: event.endTimeZone,
    iCalUId: event.iCalUId,
    reminderMinutesBeforeStart: event.reminderMinutesBeforeStart,
    isReminderOn: event.isReminderOn,
    hasAttachments: false,
    subject: event.subject,
    bodyPreview: event.body.content.slice(0, 255),
    importance: "normal",
    sensitivity: "normal",
    isAllDay: false,
    isCancelled: event.isCancelled,
    isOrganizer: event.isOrganizer,
    responseRequested: true,
    seriesMasterId: null,
    showAs: event.showAs,
    type: "singleInstance",
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(event.id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: false,
    allowNewTimeProposals: true,
    isDraft: false,
    hideAttendees: false,
    responseStatus: { response: event.isOrganizer ? "organizer" : "notResponded", time: "0001-01-01T00:00:00Z" },
    body: event.body,
    // Reads answer in the Prefer zone (UTC by default); writes answer in the zone the event was written in.
    start: fromInstant(event.start, zone ?? event.startTimeZone),
    end: fromInstant(event.end, zone ?? event.endTimeZone),
    location: { displayName: "", locationType: "default", uniqueIdType: "unknown", address: {}, coordinates: {} },
    locations: [],
    recurrence: null,
    attendees: event.attendees.map((a) => ({ type: a.type, status: { response: "none", time: "0001-01-01T00:00:00Z" }, emailAddress: { name: a.name ?? a.address, address: a.address } })),
    organizer: { emailAddress: { name: event.organizer.name, address: event.organizer.address } },
  };
  if (!select) return full;
  return Object.fromEntries(Object.entries(full).filter(([key]) => key === "@odata.etag" || key === "id" || select.has(key)));
}

/** The JSON a write answers with: the zones the event was written in. */
export function writtenEventJson(event: SimEvent): Record<string, unknown> {
  return eventJson(event, null, null);
}

export function readEventJson(event: SimEvent, prefer: string | undefined): Record<string, unknown> {
  return eventJson(event, preferredZone(prefer) ?? "UTC", null);
}

function readEventBody(body: unknown): EventInput {
  const fields = asObject(body);
  const input: EventInput = {};
  for (const [key, value] of Object.entries(fields)) {
    if (key.startsWith("@odata.")) continue;
    if (READ_ONLY.has(key)) throw invalidRequest(`The property '${key}' is read-only and cannot be set.`);
    if (!WRITABLE.has(key)) throw unknownProperty(key, "microsoft.graph.event");
    switch (key) {
      case "subject":
        if (value !== null && typeof value !== "string") throw badValue(key, value);
        input.subject = value ?? "";
        break;
      case "body": {
        const b = value as { contentType?: unknown; content?: unknown } | null;
        const contentType = typeof b?.contentType === "string" ? b.contentType.toLowerCase() : "";
        if (!b || (contentType !== "text" && contentType !== "html") || typeof b.content !== "string") throw badValue(key, value);
        input.body = { contentType, content: b.content };
        break;
      }
      case "start":
      case "end":
        input[key] = toInstant(value, key);
        break;
      case "showAs":
        if (!SHOW_AS.includes(value as ShowAs)) throw badValue(key, value);
        input.showAs = value as ShowAs;
        break;
      case "isReminderOn":
        if (typeof value !== "boolean") throw badValue(key, value);
        input.isReminderOn = value;
        break;
      case "reminderMinutesBeforeStart":
        if (!Number.isInteger(value) || (value as number) < 0) throw badValue(key, value);
        input.reminderMinutesBeforeStart = value as number;
        break;
      case "transactionId":
        if (typeof value !== "string" || !value) throw badValue(key, value);
        input.transactionId = value;
        break;
      case "attendees":
        if (!Array.isArray(value)) throw badValue(key, value);
        input.attendees = value.map(readAttendee);
        break;
    }
  }
  return input;
}

function readAttendee(raw: unknown): SimAttendee {
  const a = raw as { emailAddress?: { address?: unknown; name?: unknown }; type?: unknown } | null;
  const address = a?.emailAddress?.address;
  if (typeof address !== "string" || !EMAIL.test(address)) throw graphError(400, "ErrorInvalidRecipients", "At least one recipient isn't valid.");
  const type = a?.type ?? "required";
  if (type !== "required" && type !== "optional" && type !== "resource") throw badValue("attendees.type", type);
  return { address: address.toLowerCase(), name: typeof a?.emailAddress?.name === "string" ? a.emailAddress.name : null, type };
}

function assertOrder(start: Date, end: Date): void {
  if (end < start) throw invalidRequest("Your request can't be completed. The end time of the event must be after the start time.");
}

function asObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) throw graphError(400, "BadRequest", "Empty Payload. JSON content expected.");
  if (typeof body !== "object" || Array.isArray(body)) throw graphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.");
  return body as Record<string, unknown>;
}

function unknownProperty(key: string, type: string) {
  return graphError(400, "RequestBodyRead", `The property '${key}' does not exist on type '${type}'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
}

function badValue(key: string, value: unknown) {
  return graphError(400, "RequestBodyRead", `Cannot convert the literal '${JSON.stringify(value)}' to the expected type of '${key}'.`);
}

function syncStateNotFound() {
  return graphError(410, "syncStateNotFound", "The sync state generation is not found. Please re-sync.");
}

/** Query parameter names are case-insensitive in Graph. */
function param(query: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(query).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : query[key];
}

function timeWindow(query: Record<string, string>): { start: Date; end: Date } {
  const parse = (raw: string | undefined) => (raw && /^\d{4}-\d{2}-\d{2}T/.test(raw) ? new Date(/[zZ]|[+-]\d{2}:?\d{2}$/.test(raw) ? raw : `${raw}Z`) : null);
  const start = parse(param(query, "startDateTime"));
  const end = parse(param(query, "endDateTime"));
  if (!start || !end || Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) {
    throw graphError(400, "ErrorInvalidParameter", "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.");
  }
  if (end <= start) throw graphError(400, "ErrorInvalidParameter", "The parameter 'EndDateTime' must be later than 'StartDateTime'.");
  return { start, end };
}

function intParam(query: Record<string, string>, name: string, min: number, max: number): number | undefined {
  const raw = param(query, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw graphError(400, "BadRequest", `Invalid ${name} value '${raw}'.`);
  return n;
}

function selectList(query: Record<string, string>): Set<string> | null {
  const raw = param(query, "$select");
  if (raw === undefined) return null;
  const names = raw.split(",").map((s) => s.trim()).filter(Boolean);
  for (const name of names) if (!SELECTABLE.has(name)) throw graphError(400, "RequestBroker--ParseUri", `Could not find a property named '${name}' on type 'microsoft.graph.event'.`);
  return new Set(names);
}

/** `Prefer: outlook.timezone="Pacific Standard Time"`; a zone Graph does not know falls back to UTC. */
function preferredZone(prefer: string | undefined): string | null {
  const name = /outlook\.timezone\s*=\s*"([^"]+)"/i.exec(prefer ?? "")?.[1];
  if (!name) return null;
  return ianaZone(name) ? name : "UTC";
}

/** A nextLink / deltaLink: `$` names stay literal, values are escaped, as Graph writes them. */
function link(base: string, path: string, query: Record<string, string>): string {
  const search = Object.entries(query).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
  return `${base}/v1.0/${path}?${search}`;
}

