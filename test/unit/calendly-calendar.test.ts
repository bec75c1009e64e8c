import { describe, expect, it } from "vitest";
import { calendlyKind, readFailure, resetAfterMs } from "../../server/booking/providers/calendly/errors.js";
import { calendlySignature, inviteeBody, parseCalendlyWebhook, toExternalEvent, uuidOf, verifySignature } from "../../server/booking/providers/calendly/events.js";
import { bookingSetupSchema } from "../../server/booking/setup.js";

// The pure parts of the Calendly provider: what each failure means, the webhook signature and its
// time window, what a delivery is about, the POST /invitees body and the set-up file's mapping.

const API = "https://api.calendly.com";

describe("Calendly failures", () => {
  const kind = (status: number | null, body: unknown) => calendlyKind(readFailure(status, body));

  it("a 400 naming start_time is a taken time; other 400s are our mistake", () => {
    expect(kind(400, { title: "Invalid Argument", message: "The supplied parameters are invalid.", details: [{ parameter: "start_time", message: "The selected time is not available." }] })).toBe("taken");
    expect(kind(400, { title: "Invalid Argument", message: "The supplied parameters are invalid.", details: [{ parameter: "invitee.email", message: "is required" }] })).toBe("bad_request");
  });

  it("401 and a missing scope are our access; another 403 is a request Calendly will never take", () => {
    expect(kind(401, { title: "Unauthenticated", message: "The access token is invalid" })).toBe("auth");
    expect(kind(403, { title: "Permission Denied", message: "The access token does not have the required scope: scheduled_events:write" })).toBe("auth");
    expect(kind(403, { title: "Permission Denied", message: "Event has already been canceled" })).toBe("bad_request");
  });

  it("429 is rate_limited, 5xx and no answer are unavailable, 404 not_found", () => {
    expect(kind(429, { title: "Too Many Requests", message: "You have exceeded the rate limit." })).toBe("rate_limited");
    expect(kind(500, null)).toBe("unavailable");
    expect(kind(503, "<html>503</html>")).toBe("unavailable");
    expect(kind(null, null)).toBe("unavailable");
    expect(kind(404, { title: "Resource Not Found", message: "..." })).toBe("not_found");
  });

  it("reads the details and the OAuth shape, and the wait from X-RateLimit-Reset", () => {
    expect(readFailure(400, { title: "Invalid Argument", message: "bad", details: [{ parameter: "start_time", message: "not open" }] })).toEqual({ status: 400, code: "Invalid Argument", message: "bad start_time not open", parameters: ["start_time"] });
    expect(readFailure(400, { error: "invalid_grant", error_description: "revoked" })).toMatchObject({ code: "invalid_grant", message: "revoked" });
    expect(resetAfterMs(new Headers({ "X-RateLimit-Reset": "42" }))).toBe(42_000);
    expect(resetAfterMs(new Headers({ "Retry-After": "3" }))).toBe(3_000);
    expect(resetAfterMs(new Headers())).toBeNull();
  });
});

describe("Calendly webhooks", () => {
  const key = "our-signing-key";
  const body = Buffer.from(JSON.stringify({ event: "invitee.created", payload: { event: `${API}/scheduled_events/EV1`, scheduled_event: { uri: `${API}/scheduled_events/EV1` } } }));
  const now = Date.UTC(2030, 0, 15, 15, 0, 0);
  const t = Math.floor(now / 1000);

  it("holds for t.body under our key, within three minutes", () => {
    expect(verifySignature(calendlySignature(body, key, t), body, key, now)).toBe(true);
    expect(verifySignature(calendlySignature(body, key, t - 170), body, key, now)).toBe(true);
    expect(verifySignature(calendlySignature(body, key, t - 181), body, key, now)).toBe(false);
    expect(verifySignature(calendlySignature(body, key, t + 181), body, key, now)).toBe(false);
    expect(verifySignature(calendlySignature(body, "another key", t), body, key, now)).toBe(false);
    expect(verifySignature(calendlySignature(Buffer.from(`${body} `), key, t), body, key, now)).toBe(false);
    expect(verifySignature(undefined, body, key, now)).toBe(false);
    expect(verifySignature(`t=${t}`, body, key, now)).toBe(false);
  });

  it("a delivery names our channel and the scheduled event's uuid", () => {
    const headers = { "calendly-webhook-signature": calendlySignature(body, key, t) };
    const delivery = parseCalendlyWebhook({ headers, query: { channel: "ch-1" }, rawBody: body }, () => now)!;
    expect(delivery).toMatchObject({ channelId: "ch-1", eventId: "EV1", action: "invitee.created" });
    expect(delivery.verify(key)).toBe(true);
    expect(parseCalendlyWebhook({ headers, query: {}, rawBody: body })).toBeNull();
    const other = Buffer.from(JSON.stringify({ event: "invitee_no_show.created", payload: {} }));
    expect(parseCalendlyWebhook({ headers, query: { channel: "ch-1" }, rawBody: other })!.eventId).toBeNull();
    expect(parseCalendlyWebhook({ headers, query: { channel: "ch-1" }, rawBody: Buffer.from("not json") })!.eventId).toBeNull();
  });
});

describe("Calendly bookings", () => {
  it("books as the invitee, in the caller's zone, with the phone for text reminders", () => {
    const start = new Date("2030-01-15T15:00:00Z");
    const event = { bookingId: "b1", title: "Consultation", start, end: new Date("2030-01-15T15:30:00Z"), organizerEmail: "dana@example.com", attendee: { name: " Riley Chen ", email: "riley@example.com", phone: "+14155550100" }, reminderMinutes: [], timeZone: "America/Los_Angeles" };
    expect(inviteeBody(event, `${API}/event_types/ET1`)).toEqual({ event_type: `${API}/event_types/ET1`, start_time: "2030-01-15T15:00:00.000000Z", invitee: { name: "Riley Chen", email: "riley@example.com", timezone: "America/Los_Angeles", text_reminder_number: "+14155550100" } });
    expect((inviteeBody({ ...event, attendee: { name: null, email: "x@example.com", phone: null } }, "u").invitee as { name: string }).name).toBe("Phone caller");
  });

  it("a scheduled event as sync sees it; a rescheduled one names its replacement", () => {
    const canceled = { uri: `${API}/scheduled_events/OLD`, status: "canceled" as const, start_time: "2030-01-15T15:00:00.000000Z", end_time: "2030-01-15T15:30:00.000000Z" };
    expect(toExternalEvent(canceled)).toEqual({ id: "OLD", start: new Date("2030-01-15T15:00:00Z"), end: new Date("2030-01-15T15:30:00Z"), cancelled: true, free: false, bookingId: null });
    const replacedBy = { id: "NEW", start: new Date("2030-01-16T15:00:00Z"), end: new Date("2030-01-16T15:30:00Z") };
    expect(toExternalEvent(canceled, replacedBy).replacedBy).toEqual(replacedBy);
    expect(uuidOf(`${API}/event_types/ET1/`)).toBe("ET1");
    expect(uuidOf("ET1")).toBe("ET1");
  });

  it("the set-up file maps services to event types by URI or uuid (the uuid is kept), on one calendar only", () => {
    const staff = { name: "Dana", email: "dana@example.com", calendar: "calendly", hours: {} };
    const setup = (member: Record<string, unknown>) => bookingSetupSchema.safeParse({ timezone: "America/New_York", services: [{ name: "Consultation", durationMinutes: 30 }], staff: [{ ...staff, ...member }] });
    const parsed = setup({ calendly: { eventTypes: { Consultation: `${API}/event_types/AAAA-BBBB-1111` } } });
    expect(parsed.success && parsed.data.staff[0]!.calendly).toEqual({ eventTypes: { Consultation: "AAAA-BBBB-1111" } });
    expect(setup({ calendly: { eventTypes: { Massage: "AAAA-BBBB-1111" } } }).error?.issues[0]?.message).toMatch(/"Massage" is not one of the services/);
    expect(setup({ calendly: { eventTypes: { Consultation: "x" } } }).success).toBe(false);
    expect(setup({ calendly: { eventTypes: {} }, acuity: { appointmentTypes: {} } }).error?.issues[0]?.message).toMatch(/map one of acuity and calendly, not both/);
  });
});
