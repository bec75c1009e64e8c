import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createMicrosoftCalendar } from "../../server/booking/providers/microsoft/index.js";
import type { CalendarAccount, CalendarEvent, PushNotice } from "../../server/booking/providers/types.js";
import { startMicrosoftSim, type MicrosoftSim, type MicrosoftSimOptions } from "../../simulators/microsoft/index.js";

// The Outlook calendar provider, driven against the Graph simulator over real HTTP through the real
// @microsoft/microsoft-graph-client: every assertion reads what the simulator holds or was sent.

const STAFF = "dana.staff@example.com";
const CALLER = { name: "Robin Caller", email: "robin.caller@example.com", phone: "+15555550123" };
const REDIRECT_URI = "https://app.example.com/calendar/oauth/callback";
const SECRET = "push-secret-0123456789abcdef";
const HOUR = 3600_000;

const sims: MicrosoftSim[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((close) => close()));
  await Promise.all(sims.splice(0).map((sim) => sim.stop()));
});

async function simulator(options: MicrosoftSimOptions = {}) {
  const sim = await startMicrosoftSim(options);
  sims.push(sim);
  return { sim, provider: createMicrosoftCalendar(sim.config) };
}

function accountFor(sim: MicrosoftSim, email = STAFF): CalendarAccount {
  const token = sim.issueToken(email);
  return { email, accessToken: async () => token };
}

/** A whole hour `hoursAhead` from now (UTC), so every booking falls inside the sync window. */
function hourFromNow(hoursAhead: number): Date {
  return new Date(Math.ceil(Date.now() / HOUR) * HOUR + hoursAhead * HOUR);
}

function booking(overrides: Partial<CalendarEvent> = {}): CalendarEvent {
  const start = hourFromNow(48);
  return {
    bookingId: randomUUID(),
    title: "Consultation with Robin Caller",
    description: "Booked by the AI receptionist during a call.",
    start,
    end: new Date(start.getTime() + 30 * 60_000),
    organizerEmail: STAFF,
    attendee: CALLER,
    reminderMinutes: [10, 60],
    timeZone: "America/New_York",
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<{ status?: number; code?: string | null; retryAfterMs?: number | null; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { status?: number; code?: string | null; message: string };
  }
  throw new Error("expected a failure");
}

/** Our notification endpoint: whatever arrives goes through parsePush; a validation is echoed unless told not to. */
async function pushReceiver(provider: ReturnType<typeof createMicrosoftCalendar>, options: { echo?: boolean } = {}) {
  const notices: PushNotice[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const query = Object.fromEntries(new URL(req.url ?? "/", "http://receiver").searchParams);
    const found = provider.parsePush!({ headers: flatten(req.headers), query, body: text ? JSON.parse(text) : undefined });
    notices.push(...found);
    const validation = found.find((n) => n.kind === "validation");
    if (validation && options.echo !== false) return void res.writeHead(200, { "Content-Type": "text/plain" }).end(validation.token);
    if (validation) return void res.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
    res.writeHead(202).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/calendar/push/microsoft`, notices };
}

const flatten = (headers: IncomingHttpHeaders) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v]));

describe("OAuth", () => {
  it("sends the staff member through the v2 authorize page and exchanges the code for tokens and the account's e-mail", async () => {
    const { sim, provider } = await simulator();
    const url = new URL(provider.authorizeUrl({ redirectUri: REDIRECT_URI, state: "state-123", loginHint: STAFF }));
    expect(`${url.origin}${url.pathname}`).toBe(`${sim.authBaseUrl}/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ client_id: sim.clientId, response_type: "code", response_mode: "query", redirect_uri: REDIRECT_URI, state: "state-123", login_hint: STAFF });
    expect(url.searchParams.get("scope")!.split(" ")).toEqual(expect.arrayContaining(["offline_access", "Calendars.ReadWrite", "openid", "email"]));

    const signIn = await fetch(url, { redirect: "manual" });
    expect(signIn.status).toBe(302);
    const callback = new URL(signIn.headers.get("location")!);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get("state")).toBe("state-123");

    const before = Date.now();
    const tokens = await provider.exchange(callback.searchParams.get("code")!, REDIRECT_URI);
    expect(tokens.email).toBe(STAFF);
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(tokens.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 3590_000);
    expect(sim.countRequests({ host: "graph", path: "/v1.0/me" })).toBe(0); // the id token carried the e-mail

    // The access token opens the staff member's calendar on the simulator's Graph host.
    await provider.busy({ email: tokens.email, accessToken: async () => tokens.accessToken }, hourFromNow(1), hourFromNow(24));
    expect(sim.requests.filter((r) => r.host === "graph").map((r) => [r.method, r.path, r.status, r.user])).toEqual([["GET", "/v1.0/me/calendarView", 200, STAFF]]);

    const reused = await failure(provider.exchange(callback.searchParams.get("code")!, REDIRECT_URI));
    expect(reused).toMatchObject({ status: 400, code: "invalid_grant" });
  });

  it("reads the e-mail from /me when the grant has no id token", async () => {
    const { sim, provider } = await simulator();
    const code = sim.grant(STAFF, { redirectUri: REDIRECT_URI, scopes: ["offline_access", "Calendars.ReadWrite", "User.Read"] });
    const tokens = await provider.exchange(code, REDIRECT_URI);
    expect(tokens.email).toBe(STAFF);
    expect(sim.countRequests({ host: "graph", method: "GET", path: "/v1.0/me", status: 200 })).toBe(1);
  });

  it("refreshes after the access token expired, and reports a revoked grant as invalid_grant", async () => {
    const { sim, provider } = await simulator();
    const tokens = await provider.exchange(sim.grant(STAFF, { redirectUri: REDIRECT_URI }), REDIRECT_URI);
    let accessToken = tokens.accessToken;
    const account: CalendarAccount = { email: STAFF, accessToken: async () => accessToken };

    sim.expireTokens();
    expect(await failure(provider.busy(account, hourFromNow(1), hourFromNow(2)))).toMatchObject({ status: 401, code: "InvalidAuthenticationToken" });

    const refreshed = await provider.refresh(tokens.refreshToken!);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken); // rotated
    accessToken = refreshed.accessToken;
    await expect(provider.busy(account, hourFromNow(1), hourFromNow(2))).resolves.toEqual([]);

    sim.revokeRefresh(STAFF);
    const revoked = await failure(provider.refresh(refreshed.refreshToken!));
    expect(revoked).toMatchObject({ status: 400, code: "invalid_grant" });
    expect(revoked.message).toContain("AADSTS70008");
  });
});

describe("events", () => {
  it("creates the event on the staff member's calendar with the booking id as transactionId, the largest reminder and the caller invited", async () => {
    const { sim, provider } = await simulator();
    const event = booking();
    const eventId = await provider.create(accountFor(sim), event);

    const [stored, ...others] = sim.events(STAFF);
    expect(others).toHaveLength(0);
    expect(stored).toMatchObject({
      id: eventId,
      transactionId: event.bookingId,
      subject: event.title,
      isOrganizer: true,
      organizer: { address: STAFF },
      isReminderOn: true,
      reminderMinutesBeforeStart: 60,
      showAs: "busy",
      isCancelled: false,
      startTimeZone: "America/New_York",
      attendees: [{ address: CALLER.email, name: CALLER.name, type: "required" }],
    });
    expect(stored!.start.toISOString()).toBe(event.start.toISOString());
    expect(stored!.end.toISOString()).toBe(event.end.toISOString());
    expect(stored!.body.content).toContain(event.description);
    expect(stored!.body.content).toContain(CALLER.phone);
    expect(sim.notifications).toEqual([expect.objectContaining({ type: "invite", to: CALLER.email, from: STAFF, eventId })]);

    // No e-mail, no attendee and no invitation; no reminders asked for, none set.
    const quiet = booking({ attendee: { name: "Sam Caller", email: null, phone: "+15555550199" }, reminderMinutes: [] });
    const quietId = await provider.create(accountFor(sim), quiet);
    expect(sim.events(STAFF).find((e) => e.id === quietId)).toMatchObject({ attendees: [], isReminderOn: false });
    expect(sim.notifications).toHaveLength(1);
  });

  it("answers a retried create, sequential or concurrent, with the same event and no duplicate", async () => {
    const { sim, provider } = await simulator();
    const account = accountFor(sim);
    const event = booking();
    const first = await provider.create(account, event);
    const again = await provider.create(account, event);
    const concurrent = await Promise.all([provider.create(account, event), provider.create(account, event)]);
    expect([again, ...concurrent]).toEqual([first, first, first]);
    expect(sim.events(STAFF)).toHaveLength(1);
    expect(sim.notifications.filter((n) => n.type === "invite")).toHaveLength(1);
  });

  it("moves the same event and the attendee gets an update", async () => {
    const { sim, provider } = await simulator();
    const account = accountFor(sim);
    const event = booking();
    const eventId = await provider.create(account, event);
    const later = { ...event, start: hourFromNow(72), end: new Date(hourFromNow(72).getTime() + 30 * 60_000) };
    await provider.move(account, eventId, later);

    const events = sim.events(STAFF);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ id: eventId, transactionId: event.bookingId, isCancelled: false, deleted: false });
    expect(events[0]!.start.toISOString()).toBe(later.start.toISOString());
    expect(events[0]!.end.toISOString()).toBe(later.end.toISOString());
    expect(sim.notifications.map((n) => [n.type, n.to, n.eventId])).toEqual([
      ["invite", CALLER.email, eventId],
      ["update", CALLER.email, eventId],
    ]);

    expect(await failure(provider.move(account, "AAMkAGunknown=", later))).toMatchObject({ status: 404, code: "ErrorItemNotFound" });
  });

  it("cancels with the reason as comment, the attendee gets the cancellation, and a second cancel is a no-op", async () => {
    const { sim, provider } = await simulator();
    const account = accountFor(sim);
    const event = booking();
    const eventId = await provider.create(account, event);
    await provider.cancel(account, eventId, event, "The caller asked to cancel.");

    expect(sim.events(STAFF)).toEqual([expect.objectContaining({ id: eventId, isCancelled: true })]);
    const cancellations = sim.notifications.filter((n) => n.type === "cancel");
    expect(cancellations).toEqual([expect.objectContaining({ to: CALLER.email, eventId, comment: "The caller asked to cancel." })]);

    await provider.cancel(account, eventId, event, "The caller asked to cancel.");
    expect(sim.notifications.filter((n) => n.type === "cancel")).toHaveLength(1);
    expect(sim.countRequests({ method: "POST", path: /\/cancel$/, status: 404 })).toBe(1);
  });

  it("cannot cancel a meeting someone else organised", async () => {
    const { sim, provider } = await simulator();
    const invited = sim.insertExternal(STAFF, { start: hourFromNow(5), end: hourFromNow(6), subject: "Team sync", organizer: { address: "lee.manager@example.com" } });
    const refused = await failure(provider.cancel(accountFor(sim), invited.id, booking(), null));
    expect(refused).toMatchObject({ status: 400, code: "ErrorInvalidRequest" });
    expect(sim.events(STAFF)[0]).toMatchObject({ id: invited.id, isCancelled: false });
  });

  it("surfaces Graph's 400 for an end before the start, refuses an unknown time zone before asking Graph, and writes nothing", async () => {
    const { sim, provider } = await simulator();
    const backwards = booking();
    const reversed = await failure(provider.create(accountFor(sim), { ...backwards, start: backwards.end, end: backwards.start }));
    expect(reversed).toMatchObject({ status: 400, code: "ErrorInvalidRequest" });
    sim.reset();
    const unknownZone = await failure(provider.create(accountFor(sim), booking({ timeZone: "Mars/Olympus_Mons" })));
    expect(unknownZone.message).toMatch(/time zone/i);
    expect(sim.countRequests({ host: "graph" })).toBe(0);
    expect(sim.events(STAFF)).toEqual([]);
  });

  it("holds other clients to Graph's rules: unknown time zones and unknown properties are 400s", async () => {
    const { sim } = await simulator();
    const post = (body: unknown) =>
      fetch(`${sim.url}/v1.0/me/events`, { method: "POST", headers: { Authorization: `Bearer ${sim.issueToken(STAFF)}`, "Content-Type": "application/json" }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error: { code: string } } }));
    const slot = { start: { dateTime: "2030-01-07T09:00:00", timeZone: "Mars Standard Time" }, end: { dateTime: "2030-01-07T09:30:00", timeZone: "Mars Standard Time" } };
    expect(await post({ subject: "Checkup", ...slot })).toMatchObject({ status: 400, body: { error: { code: "TimeZoneNotSupportedException" } } });
    const utc = { start: { ...slot.start, timeZone: "UTC" }, end: { ...slot.end, timeZone: "UTC" } };
    expect(await post({ subject: "Checkup", reminderMinutes: 15, ...utc })).toMatchObject({ status: 400, body: { error: { code: "RequestBodyRead" } } });
    expect(await post({ subject: "Checkup", ...utc })).toMatchObject({ status: 201 });
    expect(sim.events(STAFF)).toHaveLength(1);
  });
});

describe("busy", () => {
  it("pages through nextLink and skips cancelled and free events", async () => {
    const { sim, provider } = await simulator();
    const account = accountFor(sim);
    const from = hourFromNow(1);
    const to = hourFromNow(1 + 40);
    const external = Array.from({ length: 23 }, (_, i) => sim.insertExternal(STAFF, { start: hourFromNow(1 + i), end: new Date(hourFromNow(1 + i).getTime() + 45 * 60_000), subject: `Patient ${i + 1}` }));
    const free = sim.insertExternal(STAFF, { start: hourFromNow(30), end: hourFromNow(31), showAs: "free" });
    const elsewhere = sim.insertExternal(STAFF, { start: hourFromNow(32), end: hourFromNow(33), showAs: "workingElsewhere" });
    const cancelled = sim.insertExternal(STAFF, { start: hourFromNow(34), end: hourFromNow(35), isCancelled: true, organizer: { address: "lee.manager@example.com" } });
    sim.insertExternal(STAFF, { start: hourFromNow(60), end: hourFromNow(61), subject: "Outside the window" });
    const ours = await provider.create(account, booking({ start: hourFromNow(36), end: hourFromNow(37) }));
    sim.reset();

    const busy = await provider.busy(account, from, to);
    expect(busy).toHaveLength(24);
    expect(busy.map((b) => b.eventId)).toEqual(expect.arrayContaining([...external.map((e) => e.id), ours]));
    expect(busy.map((b) => b.eventId)).not.toEqual(expect.arrayContaining([free.id]));
    expect(busy.map((b) => b.eventId)).not.toEqual(expect.arrayContaining([elsewhere.id]));
    expect(busy.map((b) => b.eventId)).not.toEqual(expect.arrayContaining([cancelled.id]));
    expect(busy.find((b) => b.eventId === external[5]!.id)).toEqual({ start: external[5]!.start, end: external[5]!.end, eventId: external[5]!.id });
    // 27 events in the window at 10 a page.
    expect(sim.countRequests({ method: "GET", path: "/v1.0/me/calendarView", status: 200 })).toBe(3);
  });
});

describe("changes", () => {
  it("syncs fully, then only what changed since the deltaLink: an Outlook insert, a deletion and our own cancel", async () => {
    const { sim, provider } = await simulator();
    const account = accountFor(sim);
    const event = booking();
    const ours = await provider.create(account, event);
    const external = Array.from({ length: 12 }, (_, i) => sim.insertExternal(STAFF, { start: hourFromNow(2 + i), end: hourFromNow(3 + i) }));

    const full = await provider.changes!(account, null);
    expect(full.reset).toBe(false);
    expect(full.events).toHaveLength(13);
    expect(full.events.find((e) => e.id === ours)).toMatchObject({ bookingId: event.bookingId, cancelled: false, free: false, start: event.start, end: event.end });
    expect(full.events.filter((e) => e.bookingId === null).map((e) => e.id).sort()).toEqual(external.map((e) => e.id).sort());
    expect(full.cursor.startsWith(`${sim.url}/v1.0/me/calendarView/delta?`)).toBe(true);
    expect(sim.countRequests({ path: "/v1.0/me/calendarView/delta", status: 200 })).toBe(2); // 13 events, 10 a page

    const added = sim.insertExternal(STAFF, { start: hourFromNow(20), end: hourFromNow(21), subject: "Walk-in" });
    sim.deleteExternal(STAFF, external[0]!.id);
    sim.updateExternal(STAFF, external[1]!.id, { showAs: "free" });
    await provider.cancel(account, ours, event, null);

    const incremental = await provider.changes!(account, full.cursor);
    expect(incremental.reset).toBe(false);
    const byId = new Map(incremental.events.map((e) => [e.id, e]));
    expect(incremental.events).toHaveLength(4);
    expect(byId.get(added.id)).toMatchObject({ cancelled: false, free: false, bookingId: null, start: added.start, end: added.end });
    expect(byId.get(external[0]!.id)).toMatchObject({ cancelled: true, start: null });
    expect(byId.get(external[1]!.id)).toMatchObject({ cancelled: false, free: true });
    expect(byId.get(ours)).toMatchObject({ cancelled: true });

    const quiet = await provider.changes!(account, incremental.cursor);
    expect(quiet).toMatchObject({ events: [], reset: false });
  });

  it("starts over with reset when Graph no longer knows the delta token", async () => {
    const { sim, provider } = await simulator();
    const account = accountFor(sim);
    const first = sim.insertExternal(STAFF, { start: hourFromNow(3), end: hourFromNow(4) });
    const { cursor } = await provider.changes!(account, null);
    sim.invalidateDeltaTokens();
    const second = sim.insertExternal(STAFF, { start: hourFromNow(5), end: hourFromNow(6) });

    const resynced = await provider.changes!(account, cursor);
    expect(resynced.reset).toBe(true);
    expect(resynced.events.map((e) => e.id).sort()).toEqual([first.id, second.id].sort());
    expect(sim.countRequests({ path: "/v1.0/me/calendarView/delta", status: 410 })).toBe(1);
    await expect(provider.changes!(account, resynced.cursor)).resolves.toMatchObject({ events: [], reset: false });
  });

  it("never follows a cursor to another host: it resyncs from the configured Graph instead", async () => {
    const { sim, provider } = await simulator();
    const account = accountFor(sim);
    sim.insertExternal(STAFF, { start: hourFromNow(3), end: hourFromNow(4) });
    const page = await provider.changes!(account, "https://graph.example.net/v1.0/me/calendarView/delta?$deltatoken=abc");
    expect(page).toMatchObject({ reset: true, events: [expect.objectContaining({ cancelled: false })] });
    expect(page.cursor.startsWith(sim.url)).toBe(true);
  });
});

describe("push", () => {
  it("subscribes through the validation handshake, hears an Outlook insert and a lifecycle event, and stops after unwatch", async () => {
    const { sim, provider } = await simulator();
    const account = accountFor(sim);
    const receiver = await pushReceiver(provider);

    const channel = await provider.watch!(account, receiver.url, SECRET);
    const [subscription, ...others] = sim.subscriptions(STAFF);
    expect(others).toHaveLength(0);
    expect(subscription).toMatchObject({ id: channel.id, resource: "me/events", changeTypes: ["created", "updated", "deleted"], notificationUrl: receiver.url, lifecycleNotificationUrl: receiver.url, clientState: SECRET });
    expect(channel.resourceId).toBe(channel.id);
    expect(channel.expiresAt.getTime()).toBe(subscription!.expiresAt.getTime());
    expect(channel.expiresAt.getTime() - Date.now()).toBeGreaterThan(2.9 * 24 * HOUR);
    // Both URLs were validated, and parsePush answered each with the exact token.
    expect(sim.pushes.filter((p) => p.kind === "validation").map((p) => p.status)).toEqual([200, 200]);
    expect(receiver.notices.filter((n) => n.kind === "validation")).toHaveLength(2);

    sim.insertExternal(STAFF, { start: hourFromNow(4), end: hourFromNow(5), subject: "Booked by phone in Outlook" });
    await sim.settle();
    expect(receiver.notices.filter((n) => n.kind !== "validation")).toEqual([{ kind: "changed", channelId: channel.id, secret: SECRET }]);

    await sim.lifecycle(channel.id, "reauthorizationRequired");
    expect(receiver.notices.at(-1)).toEqual({ kind: "lifecycle", channelId: channel.id, secret: SECRET, event: "reauthorizationRequired" });

    await provider.unwatch!(account, channel);
    expect(sim.subscriptions(STAFF)).toEqual([]);
    const heard = receiver.notices.length;
    sim.insertExternal(STAFF, { start: hourFromNow(6), end: hourFromNow(7) });
    await sim.settle();
    expect(receiver.notices).toHaveLength(heard);
    await expect(provider.unwatch!(account, channel)).resolves.toBeUndefined(); // already gone
  });

  it("gets no subscription when the endpoint does not echo the validation token", async () => {
    const { sim, provider } = await simulator();
    const receiver = await pushReceiver(provider, { echo: false });
    const refused = await failure(provider.watch!(accountFor(sim), receiver.url, SECRET));
    expect(refused).toMatchObject({ status: 400, code: "InvalidRequest" });
    expect(sim.subscriptions(STAFF)).toEqual([]);
  });

  it("classifies what arrives at the notification URL", async () => {
    const { provider } = await simulator();
    const parse = (body: unknown, query: Record<string, string> = {}) => provider.parsePush!({ headers: {}, query, body });
    expect(parse(undefined, { validationToken: "Validation: Testing client application reachability" })).toEqual([{ kind: "validation", token: "Validation: Testing client application reachability" }]);
    const body = {
      value: [
        { subscriptionId: "sub-1", clientState: SECRET, changeType: "updated", resource: "Users/u/Events/e" },
        { subscriptionId: "sub-1", clientState: SECRET, lifecycleEvent: "missed" },
        { subscriptionId: "sub-2", lifecycleEvent: "somethingNew" },
        { changeType: "created" },
      ],
    };
    expect(parse(JSON.stringify(body))).toEqual([
      { kind: "changed", channelId: "sub-1", secret: SECRET },
      { kind: "lifecycle", channelId: "sub-1", secret: SECRET, event: "missed" },
      { kind: "ignored", reason: expect.stringContaining("somethingNew") },
      { kind: "ignored", reason: expect.any(String) },
    ]);
    expect(parse({ hello: "world" })).toEqual([{ kind: "ignored", reason: expect.any(String) }]);
  });
});

describe("failures", () => {
  it("surfaces 429 and 503 with their status for the queue to retry, and retries nothing itself", async () => {
    const { sim, provider } = await simulator();
    const account = accountFor(sim);
    sim.failNext(1, 429);
    const throttled = await failure(provider.busy(account, hourFromNow(1), hourFromNow(2)));
    expect(throttled).toMatchObject({ status: 429, code: "ApplicationThrottled", retryAfterMs: 2000 });
    expect(sim.countRequests({ host: "graph" })).toBe(1);

    sim.failNext(1, 503);
    const event = booking();
    expect(await failure(provider.create(account, event))).toMatchObject({ status: 503 });
    expect(sim.events(STAFF)).toEqual([]);
    const id = await provider.create(account, event);
    expect(sim.events(STAFF).map((e) => e.id)).toEqual([id]);
  });

  it("works through answers that are slow", async () => {
    const { sim, provider } = await simulator({ latencyMs: 50 });
    const started = Date.now();
    await provider.create(accountFor(sim), booking());
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect(sim.events(STAFF)).toHaveLength(1);
  });
});
