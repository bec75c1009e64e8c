import { randomUUID } from "node:crypto";
import type { CalendarAccount, CalendarOAuth, CalendarProvider, ExternalType, ProviderConfig } from "../types.js";
import { acuityClient } from "./api.js";
import { acuityDatetime, appointmentBody, dayIn, parseAcuityTime, parseAcuityWebhook, toExternalEvent, type AcuityAppointment } from "./appointments.js";
import { AcuityError } from "./errors.js";
import { acuityOAuth } from "./oauth.js";

export { AcuityError } from "./errors.js";

// Acuity Scheduling (API v1), a scheduling system rather than a plain calendar: each service type is
// one of its appointment types on the staff member's Acuity calendar, Acuity says which times are
// open (/availability/times, one request per day asked), is asked again right before a write
// (/availability/check-times) and books with POST /appointments, never with admin=true (which skips
// availability). Acuity e-mails the client its own confirmations, reschedule and cancel notices.
// Changes come back through webhooks the app subscribes to when the staff member connects.

/** Not `appointment.changed` as well: it repeats every one of these (Acuity's own warning). */
const WEBHOOK_EVENTS = ["appointment.scheduled", "appointment.rescheduled", "appointment.canceled"] as const;
/** Acuity's subscriptions do not lapse: the channel is stored as good for ten years. */
const WEBHOOK_LIFETIME_MS = 10 * 365 * 86_400_000;
/** Acuity's largest page of appointments. */
const MAX_APPOINTMENTS = 100;

interface AcuityTime {
  time: string;
}

interface AcuityType {
  id: number;
  name: string;
  duration: number;
  active?: boolean;
}

const typeQuery = (type: ExternalType) => ({ appointmentTypeID: type.typeId, ...(type.calendarId ? { calendarID: type.calendarId } : {}) });

export function createAcuityCalendar(config: ProviderConfig): CalendarProvider & CalendarOAuth {
  const call = acuityClient(config.apiBaseUrl);

  async function times(account: CalendarAccount, type: ExternalType, day: string, ignore?: string | null): Promise<Date[]> {
    const answer = await call<AcuityTime[]>(account, "availability", "/availability/times", { query: { ...typeQuery(type), date: day, ...(ignore ? { "ignoreAppointmentIDs[]": ignore } : {}) } });
    return answer.map((slot) => parseAcuityTime(slot.time)).filter((start): start is Date => start !== null);
  }

  return {
    id: "acuity",
    label: "Acuity Scheduling",
    events: "external",
    ...acuityOAuth(config),

    /** The calendar's appointments (Acuity's availability already leaves them out; used as a plain calendar's busy time). */
    async busy(account, from, to) {
      const list = await call<AcuityAppointment[]>(account, "busy", "/appointments", { query: { minDate: from.toISOString().slice(0, 10), maxDate: to.toISOString().slice(0, 10), max: String(MAX_APPOINTMENTS), direction: "ASC" } });
      return list.map(toExternalEvent).flatMap((e) => (e.start && e.end && !e.cancelled && e.start < to && e.end > from ? [{ start: e.start, end: e.end, eventId: e.id }] : []));
    },

    async create(account, event) {
      const appointment = await call<AcuityAppointment>(account, "book", "/appointments", { method: "POST", body: appointmentBody(event) });
      if (!appointment?.id) throw new AcuityError("Acuity book: the answer carries no appointment id", 200, "unexpected_answer");
      return String(appointment.id);
    },

    /** The same appointment moves (Acuity sends the client its reschedule notice); its id stays. */
    async move(account, eventId, event) {
      await call(account, "reschedule", `/appointments/${encodeURIComponent(eventId)}/reschedule`, { method: "PUT", body: { datetime: acuityDatetime(event.start), ...(event.type?.calendarId ? { calendarID: Number(event.type.calendarId) } : {}) } });
    },

    /** Acuity e-mails the client; the reason is its cancel note. Already canceled or gone is what we want. */
    async cancel(account, eventId, _event, reason) {
      try {
        await call(account, "cancel", `/appointments/${encodeURIComponent(eventId)}/cancel`, { method: "PUT", body: { cancelNote: reason ?? "" } });
      } catch (error) {
        if (error instanceof AcuityError && (error.status === 404 || error.code === "already_canceled")) return;
        throw error;
      }
    },

    /** One subscription per event, each posting to our URL with the channel id that names this connection. */
    async watch(account, notificationUrl) {
      const id = randomUUID();
      const target = `${notificationUrl}?channel=${id}`;
      const hooks: string[] = [];
      for (const event of WEBHOOK_EVENTS) hooks.push(String((await call<{ id: number }>(account, "webhook", "/webhooks", { method: "POST", body: { event, target } })).id));
      return { id, resourceId: hooks.join(","), expiresAt: new Date(Date.now() + WEBHOOK_LIFETIME_MS) };
    },

    async unwatch(account, channel) {
      for (const hook of channel.resourceId.split(",").filter(Boolean)) {
        await call(account, "remove webhook", `/webhooks/${encodeURIComponent(hook)}`, { method: "DELETE" }).catch((error: unknown) => {
          if (!(error instanceof AcuityError && error.status === 404)) throw error;
        });
      }
    },

    scheduling: {
      typeLabel: "appointment type",
      requires: ["email"],
      async types(account) {
        const list = await call<AcuityType[]>(account, "appointment types", "/appointment-types");
        return list.filter((t) => t.active !== false).map((t) => ({ id: String(t.id), name: t.name, durationMinutes: Number(t.duration) }));
      },

      openings: (account, type, day) => times(account, type, day),

      /**
       * check-times for a new booking. A move asks the day's times with the appointment itself
       * ignored, since check-times cannot ignore it and would refuse a move that overlaps its old time.
       */
      async check(account, type, start, movingEventId) {
        if (movingEventId) return (await times(account, type, dayIn(start, type.timeZone), movingEventId)).some((t) => t.getTime() === start.getTime());
        const answer = await call<{ valid?: boolean }>(account, "check", "/availability/check-times", { method: "POST", body: { appointmentTypeID: Number(type.typeId), ...(type.calendarId ? { calendarID: Number(type.calendarId) } : {}), datetime: acuityDatetime(start) } });
        return answer?.valid === true;
      },

      parseWebhook: parseAcuityWebhook,

      async event(account, eventId) {
        return toExternalEvent(await call<AcuityAppointment>(account, "appointment", `/appointments/${encodeURIComponent(eventId)}`));
      },
    },
  };
}
