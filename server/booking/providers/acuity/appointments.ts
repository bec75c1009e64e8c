import { createHmac, timingSafeEqual } from "node:crypto";
import type { CalendarEvent, ExternalEvent, WebhookDelivery } from "../types.js";

// Acuity's shapes, pure: its datetimes ("2016-02-04T13:00:00-0800"), an appointment as we book it and
// as it comes back, and a webhook delivery (form-encoded `action`, `id`, ..., signed in
// X-Acuity-Signature: base64 HMAC-SHA256 of the raw body keyed with the account's API key).

export interface AcuityAppointment {
  id: number;
  datetime: string;
  duration: string | number;
  calendarID: number;
  appointmentTypeID: number;
  canceled?: boolean;
  /** Acuity adds noShow once an appointment is canceled. */
  noShow?: boolean;
}

/** Acuity writes offsets without a colon, which Date does not read everywhere. */
export function parseAcuityTime(value: string): Date | null {
  const iso = value.trim().replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** An instant as Acuity reads it: ISO 8601 in UTC, whole seconds. */
export const acuityDatetime = (instant: Date) => instant.toISOString().replace(/\.\d{3}Z$/, "Z");

/** A caller's name in Acuity's two required parts. */
export function nameParts(name: string | null): { firstName: string; lastName: string } {
  const parts = (name ?? "").trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return { firstName: "Phone", lastName: "Caller" };
  if (parts.length === 1) return { firstName: parts[0]!, lastName: "-" };
  return { firstName: parts.slice(0, -1).join(" "), lastName: parts.at(-1)! };
}

/** POST /appointments, as a client books (never admin=true: it skips availability). */
export function appointmentBody(event: CalendarEvent): Record<string, unknown> {
  if (!event.type) throw new Error("an Acuity booking needs its appointment type (event.type)");
  return {
    appointmentTypeID: Number(event.type.typeId),
    ...(event.type.calendarId ? { calendarID: Number(event.type.calendarId) } : {}),
    datetime: acuityDatetime(event.start),
    ...nameParts(event.attendee.name),
    email: event.attendee.email ?? "",
    ...(event.attendee.phone ? { phone: event.attendee.phone } : {}),
    timezone: event.timeZone,
  };
}

export function toExternalEvent(appointment: AcuityAppointment): ExternalEvent {
  const start = parseAcuityTime(appointment.datetime);
  const end = start ? new Date(start.getTime() + Number(appointment.duration) * 60_000) : null;
  const cancelled = appointment.canceled === true || appointment.noShow !== undefined;
  return { id: String(appointment.id), start, end, cancelled, free: false, bookingId: null, calendarId: String(appointment.calendarID) };
}

export function acuitySignature(rawBody: Buffer, apiKey: string): string {
  return createHmac("sha256", apiKey).update(rawBody).digest("base64");
}

/** A delivery at /calendar/webhooks/acuity?channel=<our subscription id> (null without one); eventId is null when it is not about an appointment. */
export function parseAcuityWebhook(request: { headers: Record<string, string | undefined>; query: Record<string, string | undefined>; rawBody: Buffer }): WebhookDelivery | null {
  const channelId = request.query.channel;
  if (!channelId) return null;
  const form = new URLSearchParams(request.rawBody.toString("utf8"));
  const id = form.get("id");
  const action = (form.get("action") ?? "").replace(/^appointment\./, "");
  const appointment = !!id && /^\d+$/.test(id) && ["scheduled", "rescheduled", "canceled", "changed"].includes(action);
  const signature = Buffer.from(request.headers["x-acuity-signature"] ?? "", "utf8");
  return {
    channelId,
    eventId: appointment ? id : null,
    action,
    verify(apiKey) {
      const expected = Buffer.from(acuitySignature(request.rawBody, apiKey), "utf8");
      return signature.length === expected.length && timingSafeEqual(signature, expected);
    },
  };
}

const days = new Map<string, Intl.DateTimeFormat>();
/** YYYY-MM-DD of an instant in a zone (the day Acuity's `date` parameter names). */
export function dayIn(instant: Date, timeZone: string): string {
  let format = days.get(timeZone);
  if (!format) days.set(timeZone, (format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })));
  return format.format(instant);
}
