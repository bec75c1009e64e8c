import { randomUUID } from "node:crypto";
import { minutesOf, type Directory, type SimEventType, type SimUser } from "./directory.js";
import { invalidArgument, invalidParameter, notFound, permissionDenied, type ErrorDetail } from "./errors.js";
import { paginate } from "./paging.js";
import { readAnswers, readInvitee, readLocation, type EventLocation, type QuestionAnswer } from "./invitee-input.js";
import { calendlyTime, localDay, parseInstant, zonedInstant, zonedIso } from "./time.js";

// Scheduled events and their invitees. Availability is the host's weekly hours in the host's zone,
// cut into slots one event-type duration long, minus every active event of the host (whatever its
// event type) and any busy time set by a test; only future slots are offered. A booking, through the
// API or "directly" by a person on the scheduling page, must hit one of those slots exactly: there is
// no double booking, so of two bookings of one slot exactly one wins. A reschedule cancels the old
// invitee (rescheduled: true, new_invitee) and its event and books a new one (old_invitee).

export type WebhookEventName = "invitee.created" | "invitee.canceled";

export interface SimScheduledEvent {
  uuid: string;
  uri: string;
  eventType: string;
  host: string;
  name: string;
  start: number;
  end: number;
  status: "active" | "canceled";
  location: EventLocation;
  cancellation: Cancellation | null;
  invitees: SimInvitee[];
  createdAt: number;
  updatedAt: number;
}

export interface SimInvitee {
  uuid: string;
  uri: string;
  event: string;
  email: string;
  name: string;
  firstName: string | null;
  lastName: string | null;
  timezone: string;
  textReminderNumber: string | null;
  questionsAndAnswers: QuestionAnswer[];
  status: "active" | "canceled";
  rescheduled: boolean;
  oldInvitee: string | null;
  newInvitee: string | null;
  cancellation: Cancellation | null;
  /** How it was booked: through POST /invitees, or by a person on Calendly. */
  via: "api" | "direct";
  createdAt: number;
  updatedAt: number;
}

export interface Cancellation {
  canceled_by: string;
  reason: string | null;
  canceler_type: "host" | "invitee";
  created_at: string;
}
const DAY_MS = 24 * 3600_000;
const MAX_RANGE_DAYS = 31;

export class Scheduling {
  private readonly events = new Map<string, SimScheduledEvent>();
  private readonly busy = new Map<string, { start: number; end: number }[]>();

  constructor(
    private readonly directory: Directory,
    private readonly emit: (name: WebhookEventName, invitee: SimInvitee, event: SimScheduledEvent) => void,
  ) {}

  /** Time the host is busy elsewhere (another calendar Calendly checks). */
  addBusy(user: SimUser, start: number, end: number): void {
    this.busy.set(user.uri, [...(this.busy.get(user.uri) ?? []), { start, end }]);
  }

  // ---- availability ---------------------------------------------------------------------------

  /** GET /event_type_available_times */
  availableTimes(viewer: SimUser, query: Record<string, string | undefined>) {
    const missing = (["event_type", "start_time", "end_time"] as const).filter((k) => !query[k]).map((parameter) => ({ parameter, message: "is required" }));
    if (missing.length) throw invalidArgument(...missing);
    const start = parseInstant(query.start_time);
    const end = parseInstant(query.end_time);
    const bad: ErrorDetail[] = [];
    if (start === null) bad.push({ parameter: "start_time", message: "must be a valid ISO 8601 date-time" });
    if (end === null) bad.push({ parameter: "end_time", message: "must be a valid ISO 8601 date-time" });
    if (bad.length) throw invalidArgument(...bad);
    if (start! < Date.now()) throw invalidParameter("start_time", "must be in the future");
    if (end! <= start!) throw invalidParameter("end_time", "must be after start_time");
    if (end! - start! > MAX_RANGE_DAYS * DAY_MS) throw invalidParameter("end_time", `date range can be no greater than ${MAX_RANGE_DAYS} days`);
    const eventType = this.directory.eventType(viewer, query.event_type!);
    const host = this.directory.byUri(eventType.owner)!;
    const link = `${this.directory.webUrl()}/${host.slug}/${eventType.slug}`;
    return {
      collection: this.slots(eventType, start!, end!).map((at) => ({
        status: "available",
        invitees_remaining: 1,
        start_time: calendlyTime(at),
        scheduling_url: `${link}/${zonedIso(at, host.timezone)}?month=${zonedIso(at, host.timezone).slice(0, 7)}&date=${zonedIso(at, host.timezone).slice(0, 10)}`,
      })),
    };
  }

  /** Open slot starts in [from, to) for `eventType`, ignoring the events in `ignore`. */
  slots(eventType: SimEventType, from: number, to: number, ignore?: SimScheduledEvent): number[] {
    if (!eventType.active) return [];
    const host = this.directory.byUri(eventType.owner)!;
    const length = eventType.duration * 60_000;
    const taken = [
      ...[...this.events.values()].filter((e) => e.host === host.uri && e.status === "active" && e !== ignore),
      ...(this.busy.get(host.uri) ?? []),
    ];
    const first = localDay(from, host.timezone);
    const now = Date.now();
    const open: number[] = [];
    for (let d = -1; d <= Math.ceil((to - from) / DAY_MS) + 1; d++) {
      const date = new Date(Date.UTC(first.year, first.month - 1, first.day + d));
      const ranges = host.hours[date.getUTCDay() as 0] ?? [];
      for (const range of ranges) {
        for (let m = minutesOf(range.from); m + eventType.duration <= minutesOf(range.to); m += eventType.duration) {
          const at = zonedInstant(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), m, host.timezone);
          if (at < from || at >= to || at <= now) continue;
          if (taken.some((t) => at < t.end && t.start < at + length)) continue;
          open.push(at);
        }
      }
    }
    return [...new Set(open)].sort((a, b) => a - b);
  }

  isOpen(eventType: SimEventType, start: number, ignore?: SimScheduledEvent): boolean {
    return this.slots(eventType, start - DAY_MS, start + DAY_MS, ignore).includes(start);
  }

  // ---- booking --------------------------------------------------------------------------------

  /** POST /invitees, and a person booking on the scheduling page (`via: "direct"`). */
  book(viewer: SimUser, body: Record<string, unknown>, via: SimInvitee["via"] = "api"): SimInvitee {
    const problems: ErrorDetail[] = [];
    if (typeof body.event_type !== "string" || !body.event_type) problems.push({ parameter: "event_type", message: "is required" });
    const start = parseInstant(body.start_time);
    if (body.start_time === undefined) problems.push({ parameter: "start_time", message: "is required" });
    else if (start === null) problems.push({ parameter: "start_time", message: "must be a valid ISO 8601 date-time in UTC" });
    const invitee = readInvitee(body.invitee, problems);
    const location = readLocation(body.location, problems);
    const answers = readAnswers(body.questions_and_answers, problems);
    if (problems.length) throw invalidArgument(...problems);
    const eventType = this.directory.eventType(viewer, body.event_type as string);
    if (!eventType.active) throw invalidParameter("event_type", "is not active");
    if (location && eventType.locationKinds.length && !eventType.locationKinds.includes(location.type)) {
      throw invalidParameter("location.kind", `must be one of the event type's locations: ${eventType.locationKinds.join(", ")}`);
    }
    if (!this.isOpen(eventType, start!)) throw invalidParameter("start_time", "The selected time is not available. Please select another time.");
    const event = this.newEvent(eventType, start!, location);
    const created = this.newInvitee(event, { ...invitee, questionsAndAnswers: answers, via });
    this.emit("invitee.created", created, event);
    return created;
  }

  /** POST /scheduled_events/{uuid}/cancellation: the host (or an admin) cancels the whole event. */
  cancelEvent(viewer: SimUser, uuid: string, reason: unknown): Cancellation {
    const event = this.event(viewer, uuid);
    const admin = (viewer.role === "owner" || viewer.role === "admin") && this.directory.byUri(event.host)?.organization === viewer.organization;
    if (event.host !== viewer.uri && !admin) throw permissionDenied();
    if (reason !== undefined && reason !== null && (typeof reason !== "string" || reason.length > 10_000)) throw invalidParameter("reason", "must be a string of at most 10000 characters");
    if (event.status === "canceled") throw permissionDenied("Event has already been canceled");
    if (event.start <= Date.now()) throw permissionDenied("Event in the past");
    return this.cancel(event, { canceled_by: viewer.name, reason: (reason as string | undefined) ?? null, canceler_type: "host", created_at: calendlyTime(Date.now()) });
  }

  /** A person cancels on Calendly: the invitee through their cancel link, or the host in the app. */
  cancelDirect(inviteeUri: string, options: { by?: "invitee" | "host"; reason?: string } = {}): SimInvitee {
    const { invitee, event } = this.findInvitee(inviteeUri);
    if (event.status === "canceled") throw new Error(`cancelDirect: event ${event.uri} is already canceled`);
    const by = options.by ?? "invitee";
    const name = by === "invitee" ? invitee.name : this.directory.byUri(event.host)!.name;
    this.cancel(event, { canceled_by: name, reason: options.reason ?? null, canceler_type: by, created_at: calendlyTime(Date.now()) });
    return invitee;
  }

  /** The invitee picks a new time through their reschedule link: invitee.canceled (rescheduled) then invitee.created. */
  rescheduleDirect(inviteeUri: string, newStart: number): SimInvitee {
    const { invitee: old, event: oldEvent } = this.findInvitee(inviteeUri);
    if (old.status !== "active") throw new Error(`rescheduleDirect: invitee ${old.uri} is not active`);
    const eventType = this.directory.eventType(this.directory.byUri(oldEvent.host)!, oldEvent.eventType);
    if (!this.isOpen(eventType, newStart, oldEvent)) throw invalidParameter("start_time", "The selected time is not available. Please select another time.");
    const event = this.newEvent(eventType, newStart, oldEvent.location);
    const created = this.newInvitee(event, { ...old, via: "direct", oldInvitee: old.uri });
    const now = Date.now();
    Object.assign(old, { status: "canceled", rescheduled: true, newInvitee: created.uri, updatedAt: now });
    old.cancellation = { canceled_by: old.name, reason: null, canceler_type: "invitee", created_at: calendlyTime(now) };
    Object.assign(oldEvent, { status: "canceled", cancellation: old.cancellation, updatedAt: now });
    this.emit("invitee.canceled", old, oldEvent);
    this.emit("invitee.created", created, event);
    return created;
  }

  // ---- reading --------------------------------------------------------------------------------

  /** GET /scheduled_events */
  list(viewer: SimUser, query: Record<string, string | undefined>, pageUrl: string) {
    const { users } = this.directory.scopeOf(viewer, query);
    const hosts = new Set(users.map((u) => u.uri));
    if (query.status !== undefined && query.status !== "active" && query.status !== "canceled") throw invalidParameter("status", "must be one of active, canceled");
    const bound = (name: "min_start_time" | "max_start_time") => {
      if (query[name] === undefined) return null;
      const at = parseInstant(query[name]);
      if (at === null) throw invalidParameter(name, "must be a valid ISO 8601 date-time");
      return at;
    };
    const min = bound("min_start_time");
    const max = bound("max_start_time");
    const sort = query.sort ?? "start_time:asc";
    if (sort !== "start_time:asc" && sort !== "start_time:desc") throw invalidParameter("sort", "must be start_time:asc or start_time:desc");
    const email = query.invitee_email?.toLowerCase();
    const items = [...this.events.values()]
      .filter((e) => hosts.has(e.host) && (!query.status || e.status === query.status) && (min === null || e.start >= min) && (max === null || e.start < max))
      .filter((e) => !email || e.invitees.some((i) => i.email === email))
      .sort((a, b) => (sort === "start_time:asc" ? a.start - b.start : b.start - a.start) || a.createdAt - b.createdAt);
    return paginate(items, query, pageUrl, (e) => this.eventJson(e));
  }

  /** A scheduled event by uuid: 404 when unknown, 403 when it is another organization's. */
  event(viewer: SimUser, uuid: string): SimScheduledEvent {
    const event = this.events.get(uuid);
    if (!event) throw notFound();
    if (this.directory.byUri(event.host)?.organization !== viewer.organization) throw permissionDenied();
    return event;
  }

  /** GET /scheduled_events/{uuid}/invitees */
  invitees(viewer: SimUser, uuid: string, query: Record<string, string | undefined>, pageUrl: string) {
    const event = this.event(viewer, uuid);
    if (query.status !== undefined && query.status !== "active" && query.status !== "canceled") throw invalidParameter("status", "must be one of active, canceled");
    const sort = query.sort ?? "created_at:asc";
    if (sort !== "created_at:asc" && sort !== "created_at:desc") throw invalidParameter("sort", "must be created_at:asc or created_at:desc");
    const items = event.invitees
      .filter((i) => (!query.status || i.status === query.status) && (!query.email || i.email === query.email.toLowerCase()))
      .sort((a, b) => (sort === "created_at:asc" ? a.createdAt - b.createdAt : b.createdAt - a.createdAt));
    return paginate(items, query, pageUrl, (i) => this.inviteeJson(i));
  }

  findInvitee(uri: string): { invitee: SimInvitee; event: SimScheduledEvent } {
    for (const event of this.events.values()) {
      const invitee = event.invitees.find((i) => i.uri === uri || i.uuid === uri);
      if (invitee) return { invitee, event };
    }
    throw notFound();
  }

  all(hostUri?: string): SimScheduledEvent[] {
    return [...this.events.values()].filter((e) => !hostUri || e.host === hostUri);
  }

  eventJson(event: SimScheduledEvent) {
    const host = this.directory.byUri(event.host)!;
    const active = event.invitees.filter((i) => i.status === "active").length;
    return {
      uri: event.uri,
      name: event.name,
      meeting_notes_plain: null,
      meeting_notes_html: null,
      status: event.status,
      start_time: calendlyTime(event.start),
      end_time: calendlyTime(event.end),
      event_type: event.eventType,
      location: event.location,
      invitees_counter: { total: event.invitees.length, active, limit: 1 },
      created_at: calendlyTime(event.createdAt),
      updated_at: calendlyTime(event.updatedAt),
      event_memberships: [{ user: host.uri, user_email: host.email, user_name: host.name }],
      event_guests: [],
      ...(event.cancellation ? { cancellation: event.cancellation } : {}),
    };
  }

  inviteeJson(invitee: SimInvitee) {
    return {
      uri: invitee.uri,
      email: invitee.email,
      first_name: invitee.firstName,
      last_name: invitee.lastName,
      name: invitee.name,
      status: invitee.status,
      questions_and_answers: invitee.questionsAndAnswers,
      timezone: invitee.timezone,
      event: invitee.event,
      created_at: calendlyTime(invitee.createdAt),
      updated_at: calendlyTime(invitee.updatedAt),
      tracking: { utm_campaign: null, utm_source: null, utm_medium: null, utm_content: null, utm_term: null, salesforce_uuid: null },
      text_reminder_number: invitee.textReminderNumber,
      rescheduled: invitee.rescheduled,
      old_invitee: invitee.oldInvitee,
      new_invitee: invitee.newInvitee,
      cancel_url: `${this.directory.webUrl()}/cancellations/${invitee.uuid}`,
      reschedule_url: `${this.directory.webUrl()}/reschedulings/${invitee.uuid}`,
      routing_form_submission: null,
      payment: null,
      no_show: null,
      reconfirmation: null,
      scheduling_method: invitee.via === "api" ? "instant_book" : null,
      invitee_scheduled_by: null,
      ...(invitee.cancellation ? { cancellation: invitee.cancellation } : {}),
    };
  }

  private cancel(event: SimScheduledEvent, cancellation: Cancellation): Cancellation {
    const now = Date.now();
    Object.assign(event, { status: "canceled", cancellation, updatedAt: now });
    for (const invitee of event.invitees.filter((i) => i.status === "active")) {
      Object.assign(invitee, { status: "canceled", cancellation, updatedAt: now });
      this.emit("invitee.canceled", invitee, event);
    }
    return cancellation;
  }

  private newEvent(eventType: SimEventType, start: number, location: EventLocation): SimScheduledEvent {
    const uuid = randomUUID();
    const now = Date.now();
    const event: SimScheduledEvent = {
      uuid,
      uri: `${this.directory.apiUrl()}/scheduled_events/${uuid}`,
      eventType: eventType.uri,
      host: eventType.owner,
      name: eventType.name,
      start,
      end: start + eventType.duration * 60_000,
      status: "active",
      location,
      cancellation: null,
      invitees: [],
      createdAt: now,
      updatedAt: now,
    };
    this.events.set(uuid, event);
    return event;
  }

  private newInvitee(event: SimScheduledEvent, input: Omit<SimInvitee, "uuid" | "uri" | "event" | "status" | "rescheduled" | "oldInvitee" | "newInvitee" | "cancellation" | "createdAt" | "updatedAt"> & { oldInvitee?: string }): SimInvitee {
    const uuid = randomUUID();
    const now = Date.now();
    const invitee: SimInvitee = {
      uuid,
      uri: `${event.uri}/invitees/${uuid}`,
      event: event.uri,
      email: input.email,
      name: input.name,
      firstName: input.firstName,
      lastName: input.lastName,
      timezone: input.timezone,
      textReminderNumber: input.textReminderNumber,
      questionsAndAnswers: input.questionsAndAnswers,
      status: "active",
      rescheduled: false,
      oldInvitee: input.oldInvitee ?? null,
      newInvitee: null,
      cancellation: null,
      via: input.via,
      createdAt: now,
      updatedAt: now,
    };
    event.invitees.push(invitee);
    return invitee;
  }
}
