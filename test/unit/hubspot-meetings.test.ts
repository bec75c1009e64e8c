import { describe, expect, it } from "vitest";
import { meetingLinkKind, readFailure } from "../../server/booking/providers/hubspot/errors.js";
import { createHubSpotMeetings } from "../../server/booking/providers/hubspot/index.js";
import { staffMemberSchema } from "../../server/booking/setup.js";

// The HubSpot meeting-link provider's own rules, without HTTP: which of HubSpot's answers mean the
// time is taken, how a link is written in the set-up, and the booking it refuses to send.

describe("HubSpot meeting links", () => {
  it("a 400 MEETING_START_TIME_NOT_VALID is a taken time; a missing scope is our access; the rest by status", () => {
    const failure = (code: number, body: unknown, headers: Record<string, string> = {}) => readFailure(Object.assign(new Error("x"), { code, body: JSON.stringify(body), headers }));
    const taken = failure(400, { status: "error", message: "Start time must be contained in availability settings", category: "VALIDATION_ERROR", subCategory: "MeetingsBookingSchedulingError.MEETING_START_TIME_NOT_VALID" });
    expect(meetingLinkKind(taken)).toBe("taken");
    expect(meetingLinkKind(failure(400, { message: "Duration is not accepted by link", category: "VALIDATION_ERROR", subCategory: "MeetingsBookingSchedulingError.MEETING_DURATION_NOT_VALID" }))).toBe("bad_request");
    expect(meetingLinkKind(failure(403, { message: "This app hasn't been granted all required scopes", category: "MISSING_SCOPES" }))).toBe("auth");
    const limited = failure(429, { message: "You have reached your ten_secondly_rolling limit.", category: "RATE_LIMITS" }, { "retry-after": "2" });
    expect([meetingLinkKind(limited), limited.retryAfterMs]).toEqual(["rate_limited", 2000]);
    expect(meetingLinkKind(readFailure(Object.assign(new Error("HubSpot POST failed: ECONNRESET"), { code: 0 })))).toBe("unavailable");
  });

  it("a link is its slug, with or without a path, or its address; anything else is refused with the reason", () => {
    const parse = (link: string) => staffMemberSchema.safeParse({ name: "Morgan Lee", email: "morgan@example.com", calendar: "hubspot", hours: {}, hubspot: { links: { Consultation: link } } });
    expect(parse("https://meetings.hubspot.com/morgan-lee/consult?uuid=1").data?.hubspot?.links.Consultation).toBe("morgan-lee/consult");
    expect(parse("morgan-lee").data?.hubspot?.links.Consultation).toBe("morgan-lee");
    expect(parse("not a slug").error?.issues[0]?.message).toMatch(/a meeting link is its slug/);
    const both = staffMemberSchema.safeParse({ name: "Morgan Lee", email: "morgan@example.com", hours: {}, calendly: { eventTypes: {} }, hubspot: { links: {} } });
    expect(both.error?.issues[0]?.message).toBe("a staff member has one calendar: map one of calendly and hubspot, not both");
  });

  it("a booking without a last name or an e-mail is never sent (HubSpot would refuse it, or book a stranger)", async () => {
    const provider = createHubSpotMeetings();
    const sent: unknown[] = [];
    const account = { email: "morgan@example.com", accessToken: async () => "t", hubspot: async (_m: string, _p: string, body?: unknown) => (sent.push(body), { contactId: "1", calendarEventId: "e1" }) };
    const event = (name: string | null, email: string | null) => ({ bookingId: "b", title: "Consultation", start: new Date("2030-01-15T15:00:00Z"), end: new Date("2030-01-15T15:30:00Z"), organizerEmail: "morgan@example.com", attendee: { name, email, phone: null }, reminderMinutes: [], timeZone: "America/Chicago", type: { typeId: "morgan-lee/consult", calendarId: null, timeZone: "America/Chicago", durationMinutes: 30 } });
    await expect(provider.create(account, event("Riley", "riley@example.com"))).rejects.toMatchObject({ kind: "bad_request" });
    await expect(provider.create(account, event("Riley Chen", null))).rejects.toMatchObject({ kind: "bad_request" });
    expect(sent).toEqual([]);
    expect(await provider.create(account, event("Riley Chen", "riley@example.com"))).toBe("1:e1");
    expect(sent).toEqual([expect.objectContaining({ slug: "morgan-lee/consult", firstName: "Riley", lastName: "Chen", email: "riley@example.com", startTime: Date.parse("2030-01-15T15:00:00Z"), duration: 30 * 60_000, timezone: "America/Chicago" })]);
    expect(provider.ownMeeting!.contactId("1:e1")).toBe("1");
  });
});
