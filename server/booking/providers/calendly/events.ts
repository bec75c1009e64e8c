import { createHmac, timingSafeEqual } from "node:crypto";
import type { CalendarEvent, ExternalEvent, WebhookDelivery } from "../types.js";

// The pure parts of Calendly: URIs and uuids, the POST /invitees body, a scheduled event as sync
// reports events, and the webhook deliveries, signed `Calendly-Webhook-Signature: t=<unix s>,v1=<hex
// HMAC-SHA256 of "t.body">` with the signing key we chose for the subscription.

/** Deliveries signed longer ago than this are refused (a replay), as Calendly advises. */
export const SIGNATURE_TOLERANCE_MS = 3 * 60_000;
export const WEBHOOK_EVENTS = ["invitee.created", "invitee.canceled"] as const;

export interface CalendlyScheduledEvent {
  uri: string;
  status: "active" | "canceled";
  start_time: string;
  end_time: string;
  event_type?: string;
}

export interface CalendlyInvitee {
  uri: string;
  event: string;
  status: "active" | "canceled";
  rescheduled?: boolean;
  new_invitee?: string | null;
}

/** The last path segment of a Calendly URI (a uuid is returned as it is). */
export function uuidOf(uriOrUuid: string): string {
  return uriOrUuid.replace(/\/+$/, "").split("/").at(-1) ?? uriOrUuid;
}

export function parseCalendlyTime(value: string | null | undefined): Date | null {
  if (!value) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at;
}

/** Calendly reads UTC instants: ISO 8601 with a Z. */
export const calendlyInstant = (instant: Date) => instant.toISOString().replace(/\.\d{3}Z$/, ".000000Z");

/** POST /invitees, booked as the invitee would (Calendly sends its own confirmation). */
export function inviteeBody(event: CalendarEvent, eventTypeUri: string): Record<string, unknown> {
  return {
    event_type: eventTypeUri,
    start_time: calendlyInstant(event.start),
    invitee: {
      name: event.attendee.name?.trim() || "Phone caller",
      email: event.attendee.email ?? "",
      timezone: event.timeZone,
      ...(event.attendee.phone ? { text_reminder_number: event.attendee.phone } : {}),
    },
  };
}

export function toExternalEvent(event: CalendlyScheduledEvent, replacedBy?: ExternalEvent["replacedBy"]): ExternalEvent {
  return {
    id: uuidOf(event.uri),
    start: parseCalendlyTime(event.start_time),
    end: parseCalendlyTime(event.end_time),
    cancelled: event.status === "canceled",
    free: false,
    bookingId: null,
    ...(replacedBy ? { replacedBy } : {}),
  };
}

export function calendlySignature(rawBody: Buffer | string, signingKey: string, t: number): string {
  return `t=${t},v1=${createHmac("sha256", signingKey).update(`${t}.${rawBody.toString()}`).digest("hex")}`;
}

/** Does `Calendly-Webhook-Signature` hold for this body and key, signed within the tolerance of `now`? */
export function verifySignature(header: string | undefined, rawBody: Buffer, signingKey: string, now: number): boolean {
  const parts = Object.fromEntries((header ?? "").split(",").map((part) => part.trim().split("=", 2) as [string, string]));
  const t = Number(parts.t);
  const v1 = parts.v1 ?? "";
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(v1)) return false;
  if (Math.abs(now - t * 1000) > SIGNATURE_TOLERANCE_MS) return false;
  const expected = Buffer.from(hexOf(calendlySignature(rawBody, signingKey, t)), "utf8");
  const given = Buffer.from(v1, "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const hexOf = (signature: string) => signature.split("v1=")[1]!;

/** A delivery at /calendar/webhooks/calendly?channel=<our subscription id> (null without one); eventId is the scheduled event's uuid. */
export function parseCalendlyWebhook(request: { headers: Record<string, string | undefined>; query: Record<string, string | undefined>; rawBody: Buffer }, now: () => number = Date.now): WebhookDelivery | null {
  const channelId = request.query.channel;
  if (!channelId) return null;
  let body: { event?: unknown; payload?: { event?: unknown; scheduled_event?: { uri?: unknown } } } | null = null;
  try {
    body = JSON.parse(request.rawBody.toString("utf8"));
  } catch {
    body = null;
  }
  const action = typeof body?.event === "string" ? body.event : "";
  const uri = body?.payload?.scheduled_event?.uri ?? body?.payload?.event;
  const about = (WEBHOOK_EVENTS as readonly string[]).includes(action) && typeof uri === "string" && uri.length > 0;
  const header = request.headers["calendly-webhook-signature"];
  return { channelId, action, eventId: about ? uuidOf(uri as string) : null, verify: (signingKey) => verifySignature(header, request.rawBody, signingKey, now()) };
}
