import { randomBytes, randomUUID } from "node:crypto";
import { logger } from "../../../config/logger.js";
import { addDays, zonedInstant } from "../../time.js";
import type { CalendarAccount, CalendarOAuth, CalendarProvider, ExternalEvent, ExternalType, ProviderConfig } from "../types.js";
import { calendlyClient } from "./api.js";
import { CalendlyError } from "./errors.js";
import { calendlyInstant, inviteeBody, parseCalendlyTime, parseCalendlyWebhook, toExternalEvent, uuidOf, WEBHOOK_EVENTS, type CalendlyInvitee, type CalendlyScheduledEvent } from "./events.js";
import { calendlyOAuth, type CalendlyUser } from "./oauth.js";

export { CalendlyError } from "./errors.js";

// Calendly (API v2), a scheduling system: each service type is one of the staff member's Calendly
// event types (its duration is the service's), Calendly says which times are open
// (GET /event_type_available_times, one request for a couple of weeks, read again for the exact start
// right before a booking) and books with POST /invitees, which sends Calendly's own confirmation.
// Calendly cannot move a booking: a move books the new time first and only then cancels the old one,
// so a failure never leaves the caller with nothing. Changes come back through a webhook
// subscription made when the staff member connects, signed with a key we choose.

const log = logger("booking.calendly");
/** One availability request covers this many days from the day asked (Calendly allows 31). */
const WINDOW_DAYS = 15;
/** Openings read for a window are reused this long (as OpeningsCache does per day). */
const WINDOW_TTL_MS = 15_000;
/** Calendly's subscriptions do not lapse: stored as good for ten years. */
const WEBHOOK_LIFETIME_MS = 10 * 365 * 86_400_000;
/** A reschedule made in Calendly names the invitee that replaces the old one; at most this many in a row are followed. */
const MAX_REPLACEMENTS = 3;

interface CalendlyEventType {
  uri: string;
  name: string;
  duration: number;
  active: boolean;
}

type Page<T> = { collection: T[]; pagination?: { next_page?: string | null } };

export function createCalendlyCalendar(config: ProviderConfig): CalendarProvider & CalendarOAuth {
  const base = config.apiBaseUrl.replace(/\/+$/, "");
  const call = calendlyClient(base);
  const users = new Map<string, Promise<CalendlyUser>>();
  const windows = new Map<string, { at: number; from: number; to: number; openings: Promise<Date[]> }>();

  const eventTypeUri = (typeId: string) => (typeId.startsWith("http") ? typeId : `${base}/event_types/${encodeURIComponent(typeId)}`);
  const forget = (account: CalendarAccount) => {
    for (const key of windows.keys()) if (key.startsWith(`${account.email}|`)) windows.delete(key);
  };

  function user(account: CalendarAccount): Promise<CalendlyUser> {
    let known = users.get(account.email);
    if (!known) {
      known = call<{ resource: CalendlyUser }>(account, "user", "/users/me").then((answer) => answer.resource);
      users.set(account.email, known);
      known.catch(() => users.delete(account.email));
    }
    return known;
  }

  async function all<T>(account: CalendarAccount, operation: string, path: string, query: Record<string, string>): Promise<T[]> {
    const items: T[] = [];
    let page = await call<Page<T>>(account, operation, path, { query: { ...query, count: "100" } });
    for (let pages = 1; ; pages++) {
      items.push(...page.collection);
      if (!page.pagination?.next_page || pages >= 20) return items;
      page = await call<Page<T>>(account, operation, page.pagination.next_page);
    }
  }

  async function availableTimes(account: CalendarAccount, type: ExternalType, from: Date, to: Date): Promise<Date[]> {
    const answer = await call<{ collection: { status: string; start_time: string }[] }>(account, "available times", "/event_type_available_times", { query: { event_type: eventTypeUri(type.typeId), start_time: calendlyInstant(from), end_time: calendlyInstant(to) } });
    return answer.collection.filter((slot) => slot.status === "available").map((slot) => parseCalendlyTime(slot.start_time)).filter((at): at is Date => at !== null);
  }

  async function create(account: CalendarAccount, event: Parameters<CalendarProvider["create"]>[1]): Promise<string> {
    if (!event.type) throw new Error("a Calendly booking needs its event type (event.type)");
    try {
      const answer = await call<{ resource?: { event?: string } }>(account, "book", "/invitees", { method: "POST", body: inviteeBody(event, eventTypeUri(event.type.typeId)) });
      if (!answer?.resource?.event) throw new CalendlyError("book", { status: 201, code: "unexpected_answer", message: "the answer names no scheduled event", parameters: [] });
      forget(account);
      return uuidOf(answer.resource.event);
    } catch (error) {
      if (error instanceof CalendlyError && error.kind === "taken") forget(account);
      throw error;
    }
  }

  async function cancel(account: CalendarAccount, eventId: string, reason: string | null): Promise<void> {
    try {
      await call(account, "cancel", `/scheduled_events/${encodeURIComponent(eventId)}/cancellation`, { method: "POST", body: { reason: reason ?? "" } });
      forget(account);
    } catch (error) {
      // Already canceled (Calendly's 403) or gone is what we want.
      if (error instanceof CalendlyError && (error.status === 404 || (error.status === 403 && /already been canceled/i.test(error.message)))) return;
      throw error;
    }
  }

  /** A scheduled event as it is now; a canceled one that was rescheduled names the event that replaced it. */
  async function current(account: CalendarAccount, eventId: string, hops = 0): Promise<ExternalEvent> {
    const { resource } = await call<{ resource: CalendlyScheduledEvent }>(account, "scheduled event", `/scheduled_events/${encodeURIComponent(eventId)}`);
    if (resource.status !== "canceled" || hops >= MAX_REPLACEMENTS) return toExternalEvent(resource);
    const invitees = await all<CalendlyInvitee>(account, "invitees", `/scheduled_events/${encodeURIComponent(eventId)}/invitees`, {});
    const next = invitees.find((i) => i.rescheduled && i.new_invitee)?.new_invitee;
    if (!next) return toExternalEvent(resource);
    const { resource: invitee } = await call<{ resource: CalendlyInvitee }>(account, "new invitee", next);
    const replacement = await current(account, uuidOf(invitee.event), hops + 1);
    // Rescheduled again since: the last one that still stands; rescheduled and then canceled: none.
    const final = replacement.cancelled ? replacement.replacedBy : replacement.start && replacement.end ? { id: replacement.id, start: replacement.start, end: replacement.end } : undefined;
    return toExternalEvent(resource, final);
  }

  return {
    id: "calendly",
    label: "Calendly",
    events: "external",
    ...calendlyOAuth(config),

    /** The user's scheduled events (Calendly's availability already leaves them out). */
    async busy(account, from, to) {
      const list = await all<CalendlyScheduledEvent>(account, "busy", "/scheduled_events", { user: (await user(account)).uri, status: "active", min_start_time: calendlyInstant(new Date(from.getTime() - 86_400_000)), max_start_time: calendlyInstant(to) });
      return list.map((e) => toExternalEvent(e)).flatMap((e) => (e.start && e.end && e.start < to && e.end > from ? [{ start: e.start, end: e.end, eventId: e.id }] : []));
    },

    create,

    /**
     * Calendly has no reschedule: the new time is booked first (Calendly confirms it to the invitee),
     * the booking follows the new event at once, and only then is the old event canceled. If that
     * cancel fails the booking is still moved, and the old event is left for ops (logged as an error).
     */
    async move(account, eventId, event, replaced) {
      const newEventId = await create(account, event);
      await replaced?.(newEventId);
      await cancel(account, eventId, `Rescheduled to ${event.start.toISOString()}: a new confirmation follows`).catch((error: unknown) => {
        log.error({ bookingId: event.bookingId, oldEventId: eventId, newEventId, err: (error as Error).message }, "a Calendly booking was moved but its old event could not be canceled: cancel it in Calendly");
      });
      return newEventId;
    },

    /** Calendly e-mails the invitee; the reason is its cancellation reason. */
    cancel: (account, eventId, _event, reason) => cancel(account, eventId, reason),

    /** One user-scoped subscription, posting to our URL with the channel id, signed with a key we choose. */
    async watch(account, notificationUrl) {
      const id = randomUUID();
      const signingKey = randomBytes(32).toString("base64url");
      const me = await user(account);
      const body = { url: `${notificationUrl}?channel=${id}`, events: WEBHOOK_EVENTS, organization: me.current_organization, user: me.uri, scope: "user", signing_key: signingKey };
      const { resource } = await call<{ resource: { uri: string } }>(account, "webhook", "/webhook_subscriptions", { method: "POST", body });
      return { id, resourceId: resource.uri, expiresAt: new Date(Date.now() + WEBHOOK_LIFETIME_MS), signingKey };
    },

    async unwatch(account, channel) {
      await call(account, "remove webhook", channel.resourceId, { method: "DELETE" }).catch((error: unknown) => {
        if (!(error instanceof CalendlyError && error.status === 404)) throw error;
      });
    },

    tells: { move: "new_confirmation", cancel: "cancellation" },

    scheduling: {
      typeLabel: "event type",
      requires: ["email"],
      async types(account) {
        const list = await all<CalendlyEventType>(account, "event types", "/event_types", { user: (await user(account)).uri, active: "true" });
        return list.filter((t) => t.active).map((t) => ({ id: uuidOf(t.uri), name: t.name, durationMinutes: Number(t.duration) }));
      },

      /** The day's openings out of one request for WINDOW_DAYS from it (reused while fresh). */
      async openings(account, type, day) {
        const dayStart = zonedInstant(day, "00:00", type.timeZone).getTime();
        const dayEnd = zonedInstant(addDays(day, 1), "00:00", type.timeZone).getTime();
        const earliest = Date.now() + 60_000;
        if (dayEnd <= earliest) return [];
        const key = `${account.email}|${type.typeId}`;
        let window = windows.get(key);
        if (!window || Date.now() - window.at > WINDOW_TTL_MS || window.from > Math.max(dayStart, earliest) || window.to < dayEnd) {
          const from = Math.max(dayStart, earliest);
          const to = zonedInstant(addDays(day, WINDOW_DAYS), "00:00", type.timeZone).getTime();
          const entry = { at: Date.now(), from, to, openings: availableTimes(account, type, new Date(from), new Date(to)) };
          windows.set(key, (window = entry));
          entry.openings.catch(() => windows.get(key) === entry && windows.delete(key));
        }
        return (await window.openings).filter((at) => at.getTime() >= dayStart && at.getTime() < dayEnd);
      },

      /** Asked afresh for the exact start. Calendly counts a booking's own event too, so a move cannot overlap its current time. */
      async check(account, type, start) {
        const open = (await availableTimes(account, type, start, new Date(start.getTime() + 60_000))).some((at) => at.getTime() === start.getTime());
        if (!open) forget(account);
        return open;
      },

      parseWebhook: (request) => parseCalendlyWebhook(request),

      event: (account, eventId) => current(account, eventId),
    },
  };
}
