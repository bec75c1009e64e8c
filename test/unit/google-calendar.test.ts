import { afterEach, describe, expect, it } from "vitest";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { createGoogleCalendar, GoogleCalendarError, GoogleOAuthError } from "../../server/booking/providers/google/index.js";
import type { CalendarAccount, CalendarEvent } from "../../server/booking/providers/types.js";
import { startGoogleSim, type GoogleSim, type GoogleSimOptions } from "../../simulators/google/index.js";

// The Google Calendar provider against the Google simulator, over real HTTP through the real
// @googleapis/calendar client: each test checks what the simulated calendar ends up holding, which
// e-mails Google would have sent, and which requests were made.

const STAFF = "dana.reyes@example.com";
const CALLER = "sam.okafor@example.com";
const CALLER_PHONE = "+1 415 555 0142";
const REDIRECT_URI = "https://app.example.com/calendar/oauth/callback";
const HOUR = 3600_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setup(options: GoogleSimOptions = {}) {
  const sim = await startGoogleSim(options);
  cleanups.push(() => sim.stop());
  return { sim, google: createGoogleCalendar(sim.config()), account: accountFor(sim) };
}

function accountFor(sim: GoogleSim, email = STAFF): CalendarAccount {
  const token = sim.issueToken(email);
  return { email, accessToken: async () => token };
}

function booking(overrides: Partial<CalendarEvent> = {}): CalendarEvent {
  const start = overrides.start ?? new Date("2030-01-15T17:00:00Z");
  return {
    bookingId: randomUUID(),
    title: "Consultation: Sam Okafor",
    description: "Booked on the phone by the AI receptionist.",
    start,
    end: new Date(start.getTime() + 30 * 60_000),
    organizerEmail: STAFF,
    attendee: { name: "Sam Okafor", email: CALLER, phone: CALLER_PHONE },
    reminderMinutes: [30, 10],
    timeZone: "America/Los_Angeles",
    ...overrides,
  };
}

/** The error a promise ends with. */
async function failure(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to fail");
}

const dashless = (uuid: string) => uuid.replace(/-/g, "");
const apiRequests = (sim: GoogleSim) => sim.requests.filter((r) => r.path.startsWith("/calendar/"));

/** An HTTP endpoint standing in for our /calendar/push/google route. */
async function pushReceiver() {
  const received: { headers: Record<string, string | undefined>; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      received.push({ headers: single(req.headers), body });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/calendar/push/google`, received };
}

function single(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v]));
}

describe("OAuth", () => {
  it("sends the staff member to Google's consent screen and exchanges the code for tokens and the account's address", async () => {
    const { sim, google } = await setup();
    const url = new URL(google.authorizeUrl({ redirectUri: REDIRECT_URI, state: "state-7f3a", loginHint: STAFF }));
    expect(`${url.origin}${url.pathname}`).toBe(`${sim.authBaseUrl}/o/oauth2/v2/auth`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: sim.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: "code",
      scope: "https://www.googleapis.com/auth/calendar.events https://www.googleapis.com/auth/calendar.freebusy openid email",
      access_type: "offline",
      prompt: "consent",
      state: "state-7f3a",
      login_hint: STAFF,
    });

    const consent = await fetch(url, { redirect: "manual" });
    expect(consent.status).toBe(302);
    const callback = new URL(consent.headers.get("location")!);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get("state")).toBe("state-7f3a");
    const code = callback.searchParams.get("code")!;

    const tokens = await google.exchange(code, REDIRECT_URI);
    expect(tokens.email).toBe(STAFF);
    expect(tokens.refreshToken).toMatch(/^1\/\//);
    expect(tokens.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3500_000);
    expect(tokens.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 3599_000);

    // The access token is STAFF's on the API.
    await google.busy({ email: STAFF, accessToken: async () => tokens.accessToken }, new Date("2030-01-01T00:00:00Z"), new Date("2030-01-02T00:00:00Z"));
    expect(apiRequests(sim).at(-1)).toMatchObject({ status: 200, user: STAFF });

    // A code is good once.
    const again = await failure(google.exchange(code, REDIRECT_URI));
    expect(again).toBeInstanceOf(GoogleOAuthError);
    expect(again).toMatchObject({ status: 400, code: "invalid_grant" });
  });

  it("refreshes an expired access token, and a revoked grant fails with invalid_grant", async () => {
    const { sim, google } = await setup();
    const tokens = await google.exchange(sim.grant(STAFF, { redirectUri: REDIRECT_URI }), REDIRECT_URI);
    const range = [new Date("2030-01-01T00:00:00Z"), new Date("2030-01-02T00:00:00Z")] as const;

    sim.expireTokens(STAFF);
    const expired = await failure(google.busy({ email: STAFF, accessToken: async () => tokens.accessToken }, ...range));
    expect(expired).toBeInstanceOf(GoogleCalendarError);
    expect(expired).toMatchObject({ status: 401, reason: "authError", retryable: false });

    const refreshed = await google.refresh(tokens.refreshToken!);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toBe(tokens.refreshToken);
    await expect(google.busy({ email: STAFF, accessToken: async () => refreshed.accessToken }, ...range)).resolves.toEqual([]);

    sim.revokeRefresh(STAFF);
    const revoked = await failure(google.refresh(tokens.refreshToken!));
    expect(revoked).toBeInstanceOf(GoogleOAuthError);
    expect(revoked).toMatchObject({ code: "invalid_grant", status: 400, retryable: false });
    expect((await failure(google.busy({ email: STAFF, accessToken: async () => refreshed.accessToken }, ...range))).status).toBe(401);
  });

  it("refuses a consent where the calendar permission was unticked, and a code sent back to another address", async () => {
    const { sim, google } = await setup();
    const unticked = await failure(google.exchange(sim.grant(STAFF, { scopes: ["openid", "email", "https://www.googleapis.com/auth/calendar.freebusy"] }), REDIRECT_URI));
    expect(unticked).toMatchObject({ code: "insufficient_scope" });

    const elsewhere = await failure(google.exchange(sim.grant(STAFF, { redirectUri: REDIRECT_URI }), "https://other.example.com/callback"));
    expect(elsewhere).toMatchObject({ code: "redirect_uri_mismatch", status: 400 });
  });
});

describe("create, move and cancel", () => {
  it("creates the event on the staff member's calendar with our own id, reminders, the caller as attendee and their phone", async () => {
    const { sim, google, account } = await setup();
    const event = booking();
    const eventId = await google.create(account, event);
    expect(eventId).toBe(dashless(event.bookingId));

    const stored = sim.events(STAFF);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      id: eventId,
      status: "confirmed",
      summary: "Consultation: Sam Okafor",
      organizer: { email: STAFF, self: true },
      start: { timeZone: "America/Los_Angeles" },
      end: { timeZone: "America/Los_Angeles" },
      reminders: { useDefault: false, overrides: [{ method: "popup", minutes: 10 }, { method: "popup", minutes: 30 }] },
      attendees: [{ email: CALLER, displayName: "Sam Okafor", responseStatus: "needsAction" }],
      extendedProperties: { private: { bookingId: event.bookingId } },
    });
    expect(stored[0]!.transparency).toBeUndefined(); // busy
    expect(Date.parse(stored[0]!.start!.dateTime!)).toBe(event.start.getTime());
    expect(Date.parse(stored[0]!.end!.dateTime!)).toBe(event.end.getTime());
    expect(stored[0]!.description).toContain("Booked on the phone by the AI receptionist.");
    expect(stored[0]!.description).toContain(CALLER_PHONE);

    expect(sim.notifications).toEqual([expect.objectContaining({ type: "invite", to: CALLER, eventId })]);
    expect(apiRequests(sim).find((r) => r.method === "POST")?.query).toMatchObject({ sendUpdates: "all" });

    // A caller without an e-mail address: no attendee, nobody to invite.
    const phoneOnly = booking({ start: new Date("2030-01-15T19:00:00Z"), attendee: { name: null, email: null, phone: "+1 212 555 0199" } });
    const phoneOnlyId = await google.create(account, phoneOnly);
    expect(sim.event(STAFF, phoneOnlyId)!.attendees).toBeUndefined();
    expect(sim.event(STAFF, phoneOnlyId)!.description).toContain("+1 212 555 0199");
    expect(sim.notifications).toHaveLength(1);
  });

  it("answers a retried create with the same id, without a second event or a second invitation", async () => {
    const { sim, google, account } = await setup();
    const event = booking();
    const first = await google.create(account, event);
    const second = await google.create(account, event);
    expect(second).toBe(first);
    expect(sim.events(STAFF)).toHaveLength(1);
    expect(sim.notifications.filter((n) => n.type === "invite")).toHaveLength(1);
    const writes = apiRequests(sim).filter((r) => r.method !== "GET");
    expect(writes.map((r) => [r.method, r.status])).toEqual([
      ["POST", 200],
      ["POST", 409],
    ]);

    // The earlier attempt had other times (the booking moved before the retry): the event is corrected.
    const later = { ...event, start: new Date(event.start.getTime() + HOUR), end: new Date(event.end.getTime() + HOUR) };
    expect(await google.create(account, later)).toBe(first);
    expect(Date.parse(sim.event(STAFF, first)!.start!.dateTime!)).toBe(later.start.getTime());
    expect(sim.events(STAFF)).toHaveLength(1);

    // Two deliveries of the same tool call at once.
    const twice = booking({ start: new Date("2030-01-16T17:00:00Z") });
    const ids = await Promise.all([google.create(account, twice), google.create(account, twice)]);
    expect(ids).toEqual([dashless(twice.bookingId), dashless(twice.bookingId)]);
    expect(sim.events(STAFF).filter((e) => e.id === ids[0])).toHaveLength(1);
  });

  it("moves the same event with a patch and tells the attendee", async () => {
    const { sim, google, account } = await setup();
    const event = booking();
    const eventId = await google.create(account, event);
    sim.reset();

    const moved = { ...event, start: new Date("2030-01-17T18:00:00Z"), end: new Date("2030-01-17T18:30:00Z") };
    await google.move(account, eventId, moved);
    expect(apiRequests(sim).map((r) => `${r.method} ${r.path}`)).toEqual([`PATCH /calendar/v3/calendars/primary/events/${eventId}`]);
    expect(apiRequests(sim)[0]!.query).toMatchObject({ sendUpdates: "all" });
    const stored = sim.events(STAFF);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: eventId, status: "confirmed", sequence: 1, attendees: [{ email: CALLER }] });
    expect(Date.parse(stored[0]!.start!.dateTime!)).toBe(moved.start.getTime());
    expect(Date.parse(stored[0]!.end!.dateTime!)).toBe(moved.end.getTime());
    expect(sim.notifications).toEqual([expect.objectContaining({ type: "update", to: CALLER, eventId })]);

    // Deleted in Google Calendar meanwhile: the booking still stands, so the move brings the event back.
    sim.deleteExternal(STAFF, eventId);
    await google.move(account, eventId, event);
    expect(sim.event(STAFF, eventId)).toMatchObject({ status: "confirmed" });
    expect(Date.parse(sim.event(STAFF, eventId)!.start!.dateTime!)).toBe(event.start.getTime());
  });

  it("cancels with sendUpdates=all so the attendee hears of it, and cancelling again is not an error", async () => {
    const { sim, google, account } = await setup();
    const event = booking();
    const eventId = await google.create(account, event);
    sim.reset();

    await google.cancel(account, eventId, event, "Caller has a family emergency");
    expect(sim.event(STAFF, eventId)).toMatchObject({ status: "cancelled" });
    expect(sim.event(STAFF, eventId)!.description).not.toContain("emergency");
    expect(sim.notifications).toEqual([expect.objectContaining({ type: "cancel", to: CALLER, eventId })]);
    expect(apiRequests(sim).map((r) => [r.method, r.query.sendUpdates, r.status])).toEqual([["DELETE", "all", 204]]);

    await google.cancel(account, eventId, event, null);
    expect(apiRequests(sim).at(-1)).toMatchObject({ method: "DELETE", status: 410 });
    await google.cancel(account, dashless(randomUUID()), event, null);
    expect(apiRequests(sim).at(-1)).toMatchObject({ method: "DELETE", status: 404 });
    expect(sim.notifications).toHaveLength(1);
  });
});

describe("busy", () => {
  it("reports busy events with their ids across pages, and skips deleted, free and declined ones", async () => {
    const { sim, google, account } = await setup({ pageSize: 2 });
    const ours = await google.create(account, booking({ start: new Date("2030-01-15T15:00:00Z") }));
    const dentist = sim.insertExternal(STAFF, { start: new Date("2030-01-15T16:00:00Z"), end: new Date("2030-01-15T17:00:00Z"), summary: "Dentist" });
    sim.insertExternal(STAFF, { start: new Date("2030-01-15T17:00:00Z"), end: new Date("2030-01-15T18:00:00Z"), summary: "Focus time", transparency: "transparent" });
    const deleted = sim.insertExternal(STAFF, { start: new Date("2030-01-15T18:00:00Z"), end: new Date("2030-01-15T19:00:00Z"), summary: "Lunch" });
    sim.deleteExternal(STAFF, deleted.id!);
    sim.insertExternal(STAFF, { start: new Date("2030-01-15T19:00:00Z"), end: new Date("2030-01-15T20:00:00Z"), summary: "Declined", attendees: [{ email: STAFF, responseStatus: "declined" }] });
    sim.insertExternal(STAFF, { start: new Date("2030-01-20T16:00:00Z"), end: new Date("2030-01-20T17:00:00Z"), summary: "Later" });
    const dayOff = sim.insertExternal(STAFF, { start: "2030-01-16", end: "2030-01-17", summary: "Day off" });

    const busy = await google.busy(account, new Date("2030-01-15T00:00:00Z"), new Date("2030-01-17T00:00:00Z"));
    expect(busy.sort((a, b) => a.start.getTime() - b.start.getTime())).toEqual([
      { start: new Date("2030-01-15T15:00:00Z"), end: new Date("2030-01-15T15:30:00Z"), eventId: ours },
      { start: new Date("2030-01-15T16:00:00Z"), end: new Date("2030-01-15T17:00:00Z"), eventId: dentist.id },
      // All day in the calendar's zone (New York, UTC-5 in January).
      { start: new Date("2030-01-16T05:00:00Z"), end: new Date("2030-01-17T05:00:00Z"), eventId: dayOff.id },
    ]);
    const lists = apiRequests(sim).filter((r) => r.method === "GET");
    expect(lists.length).toBeGreaterThan(1); // paged
    expect(lists[0]!.query).toMatchObject({ singleEvents: "true", timeMin: "2030-01-15T00:00:00.000Z", timeMax: "2030-01-17T00:00:00.000Z" });
  });
});

describe("changes", () => {
  it("syncs fully, then incrementally: an external insert, an external deletion, our own cancellation, an event marked free", async () => {
    const { sim, google, account } = await setup({ pageSize: 2 });
    const at = (hours: number) => new Date(Math.floor(Date.now() / HOUR) * HOUR + hours * HOUR);
    const ours = booking({ start: at(26) });
    const oursId = await google.create(account, ours);
    const meeting = sim.insertExternal(STAFF, { start: at(28), end: at(29), summary: "Team meeting" });
    sim.insertExternal(STAFF, { start: at(-240), end: at(-239), summary: "Long ago" });
    sim.insertExternal(STAFF, { start: at(24 * 90), end: at(24 * 90 + 1), summary: "Next season" });

    const full = await google.changes!(account, null);
    expect(full.reset).toBe(false);
    expect(full.events.sort((a, b) => a.start!.getTime() - b.start!.getTime())).toEqual([
      { id: oursId, start: ours.start, end: ours.end, cancelled: false, free: false, bookingId: ours.bookingId },
      { id: meeting.id, start: at(28), end: at(29), cancelled: false, free: false, bookingId: null },
    ]);
    // Google refuses timeMin/timeMax next to a sync token, so the full list that earns one has none.
    expect(apiRequests(sim).filter((r) => r.method === "GET").every((r) => r.query.timeMin === undefined)).toBe(true);

    const walkIn = sim.insertExternal(STAFF, { start: at(30), end: at(31), summary: "Walk-in" });
    sim.deleteExternal(STAFF, meeting.id!);
    await google.cancel(account, oursId, ours, null);
    const incremental = await google.changes!(account, full.cursor);
    expect(incremental.reset).toBe(false);
    expect(incremental.cursor).not.toBe(full.cursor);
    expect(incremental.events).toEqual([
      { id: walkIn.id, start: at(30), end: at(31), cancelled: false, free: false, bookingId: null },
      { id: meeting.id, start: null, end: null, cancelled: true, free: false, bookingId: null },
      // The deleted event comes with only its id: the booking is recognised by it.
      { id: oursId, start: null, end: null, cancelled: true, free: false, bookingId: ours.bookingId },
    ]);
    expect(apiRequests(sim).at(-1)!.query).toMatchObject({ syncToken: full.cursor });

    sim.updateExternal(STAFF, walkIn.id!, { transparency: "transparent" });
    const marked = await google.changes!(account, incremental.cursor);
    expect(marked.events).toEqual([expect.objectContaining({ id: walkIn.id, free: true, cancelled: false })]);
    const quiet = await google.changes!(account, marked.cursor);
    expect(quiet).toMatchObject({ events: [], reset: false });

    sim.invalidateSyncTokens(STAFF);
    sim.reset();
    const resynced = await google.changes!(account, quiet.cursor);
    expect(resynced.reset).toBe(true);
    expect(resynced.events).toEqual([expect.objectContaining({ id: walkIn.id, free: true })]);
    expect(apiRequests(sim)[0]).toMatchObject({ status: 410 });
    expect(await google.changes!(account, resynced.cursor)).toMatchObject({ events: [], reset: false });
  });
});

describe("push channels", () => {
  it("posts Google's headers on every change, and parsePush tells the sync message from a change", async () => {
    const { sim, google, account } = await setup();
    const receiver = await pushReceiver();
    const channel = await google.watch!(account, receiver.url, "channel-secret-4471");
    expect(channel.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(channel.expiresAt.getTime()).toBeGreaterThan(Date.now() + 6 * 24 * HOUR);
    expect(sim.channels(STAFF)).toEqual([expect.objectContaining({ id: channel.id, resourceId: channel.resourceId, address: receiver.url, stopped: false })]);

    await sim.flushPushes();
    expect(receiver.received).toHaveLength(1);
    expect(google.parsePush!({ headers: receiver.received[0]!.headers, query: {}, body: receiver.received[0]!.body })).toEqual([
      { kind: "lifecycle", channelId: channel.id, secret: "channel-secret-4471", event: "sync" },
    ]);

    sim.insertExternal(STAFF, { start: new Date("2030-02-01T15:00:00Z"), end: new Date("2030-02-01T16:00:00Z"), summary: "Booked by phone in Google" });
    await sim.flushPushes();
    expect(receiver.received).toHaveLength(2);
    const change = receiver.received[1]!;
    expect(change.headers).toMatchObject({ "x-goog-resource-state": "exists", "x-goog-resource-id": channel.resourceId, "x-goog-message-number": "2" });
    expect(change.body).toBe("");
    expect(google.parsePush!({ headers: change.headers, query: {}, body: change.body })).toEqual([{ kind: "changed", channelId: channel.id, secret: "channel-secret-4471" }]);

    // Another user's changes do not reach this channel.
    sim.insertExternal("lee.park@example.com", { start: new Date("2030-02-01T15:00:00Z"), end: new Date("2030-02-01T16:00:00Z") });
    await sim.flushPushes();
    expect(receiver.received).toHaveLength(2);

    expect(google.parsePush!({ headers: { "content-type": "application/json" }, query: {}, body: {} })).toEqual([{ kind: "ignored", reason: expect.any(String) }]);
  });

  it("stops pushing once the channel is stopped", async () => {
    const { sim, google, account } = await setup();
    const receiver = await pushReceiver();
    const channel = await google.watch!(account, receiver.url, "channel-secret-9902");
    await sim.flushPushes();
    expect(receiver.received).toHaveLength(1);

    await google.unwatch!(account, channel);
    expect(sim.channels(STAFF)).toEqual([expect.objectContaining({ id: channel.id, stopped: true })]);
    sim.insertExternal(STAFF, { start: new Date("2030-02-01T15:00:00Z"), end: new Date("2030-02-01T16:00:00Z") });
    await google.create(account, booking());
    await sim.flushPushes();
    expect(receiver.received).toHaveLength(1);

    // Stopping it again: Google no longer knows it (404), which is the state we want.
    await google.unwatch!(account, channel);
    expect(apiRequests(sim).at(-1)).toMatchObject({ path: "/calendar/v3/channels/stop", status: 404 });
  });
});

describe("failures", () => {
  it("surfaces a 429 with its status at once, without retrying on its own", async () => {
    const { sim, google, account } = await setup();
    const range = [new Date("2030-01-01T00:00:00Z"), new Date("2030-01-02T00:00:00Z")] as const;
    sim.failNext(1, 429);
    const limited = await failure(google.busy(account, ...range));
    expect(limited).toBeInstanceOf(GoogleCalendarError);
    expect(limited).toMatchObject({ status: 429, reason: "rateLimitExceeded", retryable: true });
    expect(apiRequests(sim)).toHaveLength(1);
    await expect(google.busy(account, ...range)).resolves.toEqual([]);

    sim.failNext(1, 503);
    const event = booking();
    const down = await failure(google.create(account, event));
    expect(down).toMatchObject({ status: 503, retryable: true });
    expect(sim.events(STAFF)).toHaveLength(0);
    expect(await google.create(account, event)).toBe(dashless(event.bookingId));
    expect(sim.events(STAFF)).toHaveLength(1);

    sim.failNext(1, 400, { reason: "invalid", message: "Invalid attendee email." });
    expect(await failure(google.create(account, booking()))).toMatchObject({ status: 400, reason: "invalid", retryable: false });
  });
});

describe("the simulator", () => {
  const json = (token: string, body?: unknown) => ({ headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const slot = { start: { dateTime: "2030-03-04T10:00:00-05:00" }, end: { dateTime: "2030-03-04T11:00:00-05:00" } };

  it("answers like Google to bad ids, taken ids, empty ranges, unknown zones and missing or unknown tokens", async () => {
    const { sim } = await setup();
    const token = sim.issueToken(STAFF);
    const events = `${sim.url}/calendar/v3/calendars/primary/events`;
    const post = async (body: unknown) => {
      const response = await fetch(events, { method: "POST", ...json(token, body) });
      return { status: response.status, body: (await response.json()) as any };
    };

    const badId = await post({ id: "Booking_42", ...slot });
    expect(badId).toMatchObject({ status: 400, body: { error: { code: 400, message: "Invalid resource id value.", errors: [{ reason: "invalid" }] } } });
    expect((await post({ id: "abc", ...slot })).status).toBe(400); // shorter than 5
    expect((await post({ id: "abcdw", ...slot })).status).toBe(400); // w is not base32hex
    expect((await post({ id: "abcdv", ...slot })).status).toBe(200);
    expect(await post({ id: "abcdv", ...slot })).toMatchObject({ status: 409, body: { error: { message: "The requested identifier already exists.", errors: [{ reason: "duplicate" }] } } });

    const backwards = await post({ start: slot.end, end: slot.start });
    expect(backwards).toMatchObject({ status: 400, body: { error: { errors: [{ reason: "timeRangeEmpty" }] } } });
    const zone = await post({ start: { dateTime: "2030-03-04T10:00:00", timeZone: "Mars/Olympus_Mons" }, end: { dateTime: "2030-03-04T11:00:00", timeZone: "Europe/Paris" } });
    expect(zone).toMatchObject({ status: 400, body: { error: { message: "Invalid time zone definition for start time." } } });
    const local = await post({ start: { dateTime: "2030-03-04T10:00:00", timeZone: "Europe/Paris" }, end: { dateTime: "2030-03-04T11:00:00", timeZone: "Europe/Paris" } });
    expect(local.status).toBe(200);
    expect(local.body.start).toEqual({ dateTime: "2030-03-04T10:00:00+01:00", timeZone: "Europe/Paris" });
    expect(sim.notifications).toEqual([]); // no sendUpdates: nobody was e-mailed

    const anonymous = await fetch(events);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as any).error).toMatchObject({ status: "UNAUTHENTICATED", errors: [{ reason: "required" }] });
    const unknown = await fetch(events, json("ya29.not-a-token"));
    expect(((await unknown.json()) as any).error).toMatchObject({ code: 401, errors: [{ reason: "authError" }] });
    const narrow = sim.issueToken(STAFF, { scopes: ["https://www.googleapis.com/auth/calendar.freebusy"] });
    expect((await fetch(events, { method: "POST", ...json(narrow, slot) })).status).toBe(403);
  });

  it("keeps deleted events as tombstones: 410 on a second delete, cancelled on get, 400 for timeMin next to a syncToken", async () => {
    const { sim } = await setup();
    const token = sim.issueToken(STAFF);
    const events = `${sim.url}/calendar/v3/calendars/primary/events`;
    const created = (await (await fetch(events, { method: "POST", ...json(token, { id: "tomb00001", ...slot }) })).json()) as any;
    expect((await fetch(`${events}/${created.id}`, { method: "DELETE", ...json(token) })).status).toBe(204);
    expect((await fetch(`${events}/${created.id}`, { method: "DELETE", ...json(token) })).status).toBe(410);
    expect(((await (await fetch(`${events}/${created.id}`, json(token))).json()) as any).status).toBe("cancelled");
    expect((await fetch(`${events}/nosuchevent1`, { method: "PATCH", ...json(token, { summary: "x" }) })).status).toBe(404);
    expect((await fetch(`${events}?showDeleted=false`, json(token)).then((r) => r.json()) as any).items).toEqual([]);

    const full = (await (await fetch(events, json(token))).json()) as any;
    expect(full.nextSyncToken).toBeTruthy();
    const mixed = await fetch(`${events}?syncToken=${encodeURIComponent(full.nextSyncToken)}&timeMin=2030-01-01T00:00:00Z`, json(token));
    expect(mixed.status).toBe(400);
    const bounded = (await (await fetch(`${events}?timeMin=2030-01-01T00:00:00Z`, json(token))).json()) as any;
    expect(bounded.nextSyncToken).toBeUndefined();
  });

  it("answers freeBusy with merged busy time of the user's own calendar only", async () => {
    const { sim } = await setup();
    const token = sim.issueToken(STAFF);
    sim.insertExternal(STAFF, { start: new Date("2030-03-04T15:00:00Z"), end: new Date("2030-03-04T16:00:00Z") });
    sim.insertExternal(STAFF, { start: new Date("2030-03-04T15:30:00Z"), end: new Date("2030-03-04T17:00:00Z") });
    sim.insertExternal(STAFF, { start: new Date("2030-03-04T18:00:00Z"), end: new Date("2030-03-04T19:00:00Z"), transparency: "transparent" });
    const answer = (await (
      await fetch(`${sim.url}/calendar/v3/freeBusy`, { method: "POST", ...json(token, { timeMin: "2030-03-04T00:00:00Z", timeMax: "2030-03-05T00:00:00Z", items: [{ id: "primary" }, { id: "lee.park@example.com" }] }) })
    ).json()) as any;
    expect(answer.calendars.primary.busy).toEqual([{ start: "2030-03-04T15:00:00Z", end: "2030-03-04T17:00:00Z" }]);
    expect(answer.calendars["lee.park@example.com"].errors).toEqual([{ domain: "global", reason: "notFound" }]);
  });

  it("delays every answer by latencyMs", async () => {
    const { google, account } = await setup({ latencyMs: 150 });
    const started = Date.now();
    await google.busy(account, new Date("2030-01-01T00:00:00Z"), new Date("2030-01-02T00:00:00Z"));
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
  });
});
