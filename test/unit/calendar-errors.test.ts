import { describe, expect, it } from "vitest";
import { CalendarError, CalendarNotConnectedError, kindOfStatus } from "../../server/booking/providers/errors.js";
import { GoogleCalendarError, GoogleOAuthError } from "../../server/booking/providers/google/errors.js";
import { MicrosoftCalendarError } from "../../server/booking/providers/microsoft/errors.js";

// Every provider's failure is one CalendarError with a neutral kind the booking code reads.

describe("one calendar error", () => {
  it("an HTTP status has one kind", () => {
    expect([null, undefined, 500, 503, 429, 401, 403, 404, 410, 409, 400, 422, 200].map(kindOfStatus)).toEqual([
      "unavailable", "unavailable", "unavailable", "unavailable", "rate_limited", "auth", "auth", "not_found", "not_found", "conflict", "bad_request", "bad_request", "unexpected",
    ]);
  });

  it("Google: a 403 with a rate-limit reason is rate limited, a revoked grant needs reconnecting, no answer is unavailable", () => {
    expect(new GoogleCalendarError("x", 403, "userRateLimitExceeded")).toMatchObject({ kind: "rate_limited", retryable: true });
    expect(new GoogleCalendarError("x", 403, "forbidden")).toMatchObject({ kind: "auth", retryable: false });
    expect(new GoogleCalendarError("x", null, null)).toMatchObject({ kind: "unavailable", retryable: true });
    expect(new GoogleOAuthError("x", 400, "invalid_grant")).toMatchObject({ kind: "auth", retryable: false });
    expect(new GoogleOAuthError("x", null, "network")).toMatchObject({ kind: "unavailable", retryable: true });
    expect(new GoogleOAuthError("x", 200, "unexpected_answer")).toMatchObject({ kind: "unexpected", retryable: false });
  });

  it("Microsoft: Retry-After is kept, a revoked grant needs reconnecting whatever its status", () => {
    const throttled = new MicrosoftCalendarError("x", 429, "ApplicationThrottled", 2000);
    expect(throttled).toBeInstanceOf(CalendarError);
    expect(throttled).toMatchObject({ kind: "rate_limited", retryAfterMs: 2000, retryable: true });
    expect(new MicrosoftCalendarError("x", 400, "invalid_grant")).toMatchObject({ kind: "auth" });
    expect(new MicrosoftCalendarError("x", undefined, null)).toMatchObject({ kind: "unavailable" });
  });

  it("a calendar not connected is an auth failure", () => {
    const error = new CalendarNotConnectedError("ana@example.com", "access was revoked");
    expect(error).toBeInstanceOf(CalendarError);
    expect(error).toMatchObject({ kind: "auth", retryable: false, message: "ana@example.com's calendar is not connected: access was revoked" });
  });
});
