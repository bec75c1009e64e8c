import { describe, expect, it } from "vitest";
import { acuityDatetime, acuitySignature, appointmentBody, dayIn, nameParts, parseAcuityTime, parseAcuityWebhook, toExternalEvent } from "../../server/booking/providers/acuity/appointments.js";
import { AcuityError, retryAfterMs } from "../../server/booking/providers/acuity/errors.js";
import { freeSlots } from "../../server/booking/slots.js";
import type { Staff } from "../../server/booking/types.js";

// The Acuity provider's pure parts: its datetimes, the booking body (never admin), its errors as
// neutral kinds, and a webhook's signature round trip (and a tampered body) as Acuity signs it.

const event = {
  bookingId: "b1",
  title: "Consultation with Riley Chen",
  start: new Date("2026-12-04T17:00:00Z"),
  end: new Date("2026-12-04T17:30:00Z"),
  organizerEmail: "morgan@example.com",
  attendee: { name: "Riley Ann Chen", email: "riley@example.com", phone: "+14155550100" },
  reminderMinutes: [60],
  timeZone: "America/Los_Angeles",
  type: { typeId: "42", calendarId: "7", timeZone: "America/Los_Angeles", durationMinutes: 30 },
};

describe("acuity provider: shapes", () => {
  it("reads Acuity's colon-less offsets and writes whole-second UTC", () => {
    expect(parseAcuityTime("2026-12-04T09:00:00-0800")!.toISOString()).toBe("2026-12-04T17:00:00.000Z");
    expect(parseAcuityTime("2026-06-04T09:00:00-07:00")!.toISOString()).toBe("2026-06-04T16:00:00.000Z");
    expect(parseAcuityTime("next tuesday")).toBeNull();
    expect(acuityDatetime(new Date("2026-12-04T17:00:00.000Z"))).toBe("2026-12-04T17:00:00Z");
    expect(dayIn(new Date("2026-12-05T06:30:00Z"), "America/Los_Angeles")).toBe("2026-12-04");
  });

  it("books as a client: the mapped type and calendar, the caller's names, no admin flag", () => {
    expect(appointmentBody(event)).toEqual({ appointmentTypeID: 42, calendarID: 7, datetime: "2026-12-04T17:00:00Z", firstName: "Riley Ann", lastName: "Chen", email: "riley@example.com", phone: "+14155550100", timezone: "America/Los_Angeles" });
    expect(appointmentBody(event)).not.toHaveProperty("admin");
    expect(nameParts(null)).toEqual({ firstName: "Phone", lastName: "Caller" });
    expect(nameParts("Cher")).toEqual({ firstName: "Cher", lastName: "-" });
    expect(() => appointmentBody({ ...event, type: undefined })).toThrow(/appointment type/);
  });

  it("an appointment as an event: its end from the duration, canceled ones by either sign Acuity gives", () => {
    expect(toExternalEvent({ id: 9, datetime: "2026-12-04T09:00:00-0800", duration: "30", calendarID: 7, appointmentTypeID: 42 })).toEqual({ id: "9", start: new Date("2026-12-04T17:00:00Z"), end: new Date("2026-12-04T17:30:00Z"), cancelled: false, free: false, bookingId: null, calendarId: "7" });
    expect(toExternalEvent({ id: 9, datetime: "2026-12-04T09:00:00-0800", duration: 30, calendarID: 7, appointmentTypeID: 42, noShow: false }).cancelled).toBe(true);
    expect(toExternalEvent({ id: 9, datetime: "2026-12-04T09:00:00-0800", duration: 30, calendarID: 7, appointmentTypeID: 42, canceled: true }).cancelled).toBe(true);
  });
});

describe("acuity provider: errors", () => {
  it("turns Acuity's answers into neutral kinds", () => {
    const kind = (status: number | null, code: string | null) => new AcuityError("x", status, code).kind;
    expect(kind(400, "not_available")).toBe("taken");
    expect(kind(400, "not_available_min_hours_in_advance")).toBe("taken");
    expect(kind(400, "required_email")).toBe("bad_request");
    expect(kind(401, "unauthorized")).toBe("auth");
    expect(kind(429, "too_many_requests")).toBe("rate_limited");
    expect(kind(503, "service_unavailable")).toBe("unavailable");
    expect(kind(null, null)).toBe("unavailable");
    expect(new AcuityError("x", 429, "too_many_requests", retryAfterMs("2")).retryAfterMs).toBe(2000);
    expect(retryAfterMs(null)).toBeNull();
  });
});

describe("acuity provider: webhooks", () => {
  const apiKey = "0123456789abcdef0123456789abcdef";
  const rawBody = Buffer.from("action=rescheduled&id=123&calendarID=7&appointmentTypeID=42");
  const request = (body: Buffer, signature: string, query: Record<string, string | undefined> = { channel: "ch-1" }) => ({ headers: { "x-acuity-signature": signature }, query, rawBody: body });

  it("a signed delivery verifies with the API key; a tampered body or another key does not", () => {
    const signature = acuitySignature(rawBody, apiKey);
    const delivery = parseAcuityWebhook(request(rawBody, signature))!;
    expect(delivery).toMatchObject({ channelId: "ch-1", eventId: "123", action: "rescheduled" });
    expect(delivery.verify(apiKey)).toBe(true);
    expect(delivery.verify("another-key")).toBe(false);
    expect(parseAcuityWebhook(request(Buffer.from(rawBody.toString().replace("123", "124")), signature))!.verify(apiKey)).toBe(false);
    expect(parseAcuityWebhook(request(rawBody, "forged"))!.verify(apiKey)).toBe(false);
  });

  it("needs our channel; a delivery about something else has no event", () => {
    expect(parseAcuityWebhook(request(rawBody, "x", {}))).toBeNull();
    expect(parseAcuityWebhook(request(Buffer.from("action=order.completed&id=5"), "x"))!.eventId).toBeNull();
    expect(parseAcuityWebhook(request(Buffer.from("action=appointment.canceled&id=5"), "x"))).toMatchObject({ eventId: "5", action: "canceled" });
  });
});

describe("slots from a scheduling system's openings", () => {
  const staff: Staff = { id: "s1", portalId: "p", name: "Morgan", email: "m@example.com", calendar: "acuity", timezone: "America/Los_Angeles", hours: {}, hubspotOwnerId: null };
  it("offers the openings of the day (no working hours needed), minus what is taken, within the window", () => {
    const at = (hhmm: string) => new Date(`2026-12-04T${hhmm}:00-08:00`);
    const slots = freeSlots({
      staff: [staff],
      taken: [{ staffId: "s1", startAt: at("10:00"), blockEndAt: at("10:30") }],
      service: { durationMinutes: 30, bufferMinutes: 0 },
      stepMinutes: 30,
      firstDay: "2026-12-04",
      days: 0,
      earliest: at("08:00"),
      window: ["09:00", "12:00"],
      timeZone: "America/Los_Angeles",
      limit: 10,
      openings: new Map([["s1", [at("09:15"), at("10:00"), at("11:45"), at("13:00"), new Date("2026-12-05T17:00:00Z")]]]),
    });
    expect(slots.map((s) => s.start)).toEqual([at("09:15"), at("11:45")]);
  });
});
