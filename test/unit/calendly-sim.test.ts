import { afterEach, describe, expect, it } from "vitest";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { startCalendlySim, type CalendlySim, type CalendlySimOptions } from "../../simulators/calendly/index.js";

// The Calendly simulator over real HTTP with fetch, as the app's provider will reach it: each test
// checks what Calendly would answer and what the simulated account ends up holding.

const STAFF = "dana.reyes@example.com";
const REDIRECT_URI = "https://app.example.com/calendly/oauth/callback";
// Tuesday 15 January 2030; Dana works 09:00-17:00 America/New_York (14:00-22:00 UTC).
const DAY = "2030-01-15";
const at = (hhmm: string) => `${DAY}T${hhmm}:00.000000Z`;
const CALLER = { email: "sam.okafor@example.com", name: "Sam Okafor", timezone: "America/Los_Angeles" };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setup(options: CalendlySimOptions = {}) {
  const sim = await startCalendlySim(options);
  cleanups.push(() => sim.stop());
  const token = sim.issueToken(STAFF);
  const user = sim.user(STAFF);
  const eventType = sim.eventTypes(STAFF)[0]!.uri;
  return { sim, token, user, eventType, call: caller(sim, token) };
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

function caller(sim: CalendlySim, token: string) {
  return async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(path.startsWith("http") ? path : `${sim.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // HTML error pages stay text.
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };
}

async function tokenRequest(sim: CalendlySim, form: Record<string, string>) {
  const response = await fetch(sim.config().tokenUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: `Basic ${Buffer.from(`${sim.clientId}:${sim.clientSecret}`).toString("base64")}` },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as any };
}

const availableTimes = (call: ReturnType<typeof caller>, eventType: string, start = at("00:00"), end = `2030-01-16T00:00:00Z`) =>
  call("GET", `/event_type_available_times?${new URLSearchParams({ event_type: eventType, start_time: start, end_time: end })}`);

const book = (call: ReturnType<typeof caller>, eventType: string, startTime: string, invitee: object = CALLER) => call("POST", "/invitees", { event_type: eventType, start_time: startTime, invitee });

/** A webhook receiver that keeps the raw bytes and headers of every POST. */
async function receiver(status = 200) {
  const received: { headers: IncomingHttpHeaders; raw: string; json: any }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString();
      received.push({ headers: req.headers, raw, json: JSON.parse(raw) });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/calendly`, received };
}

/** The check a receiver makes: HMAC-SHA256 of "<t>.<raw body>", hex, and a timestamp at most 3 minutes old. */
function verify(header: string, raw: string, key: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const parts = Object.fromEntries(header.split(",").map((p) => p.split("=", 2) as [string, string]));
  if (!parts.t || !parts.v1 || Math.abs(nowSeconds - Number(parts.t)) > 180) return false;
  const expected = createHmac("sha256", key).update(`${parts.t}.${raw}`).digest();
  const given = Buffer.from(parts.v1, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function subscribe(sim: CalendlySim, call: ReturnType<typeof caller>, url: string, signingKey?: string) {
  const me = sim.user(STAFF);
  const answer = await call("POST", "/webhook_subscriptions", { url, events: ["invitee.created", "invitee.canceled"], organization: me.organization, user: me.uri, scope: "user", ...(signingKey ? { signing_key: signingKey } : {}) });
  expect(answer.status).toBe(201);
  return answer.body.resource;
}

describe("Calendly simulator: OAuth", () => {
  it("consents, exchanges the code, rotates refresh tokens and expires access tokens", async () => {
    const sim = await startCalendlySim({ redirectUris: [REDIRECT_URI] });
    cleanups.push(() => sim.stop());
    sim.signIn(STAFF);
    const consent = await fetch(`${sim.config().authBaseUrl}/oauth/authorize?${new URLSearchParams({ client_id: sim.clientId, response_type: "code", redirect_uri: REDIRECT_URI, state: "s-42" })}`, { redirect: "manual" });
    expect(consent.status).toBe(302);
    const back = new URL(consent.headers.get("location")!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
    expect(back.searchParams.get("state")).toBe("s-42");
    const code = back.searchParams.get("code")!;

    const first = await tokenRequest(sim, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ token_type: "Bearer", expires_in: 7200, owner: sim.user(STAFF).uri, organization: sim.user(STAFF).organization });
    expect(typeof first.body.refresh_token).toBe("string");
    // A code is good once.
    expect((await tokenRequest(sim, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI })).body.error).toBe("invalid_grant");

    const me = await caller(sim, first.body.access_token)("GET", "/users/me");
    expect(me.status).toBe(200);
    expect(me.body.resource).toMatchObject({ email: STAFF, uri: sim.user(STAFF).uri, current_organization: sim.user(STAFF).organization });

    const second = await tokenRequest(sim, { grant_type: "refresh_token", refresh_token: first.body.refresh_token });
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    expect(second.body.access_token).not.toBe(first.body.access_token);
    // The refresh token used is spent: Calendly rotates them.
    const replay = await tokenRequest(sim, { grant_type: "refresh_token", refresh_token: first.body.refresh_token });
    expect(replay).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect((await tokenRequest(sim, { grant_type: "refresh_token", refresh_token: second.body.refresh_token })).status).toBe(200);

    sim.expireTokens(STAFF);
    const expired = await caller(sim, second.body.access_token)("GET", "/users/me");
    expect(expired).toMatchObject({ status: 401, body: { title: "Unauthenticated", message: "The access token expired" } });
    expect((await caller(sim, "not-a-token")("GET", "/users/me")).body).toEqual({ title: "Unauthenticated", message: "The access token is invalid" });
  });

  it("honours the configured access token lifetime and refuses a wrong client secret", async () => {
    const sim = await startCalendlySim({ accessTokenTtlSeconds: 1 });
    cleanups.push(() => sim.stop());
    const code = sim.grant(STAFF, { redirectUri: REDIRECT_URI });
    const bad = await fetch(sim.config().tokenUrl, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, client_id: sim.clientId, client_secret: "wrong" }),
    });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as any).error).toBe("invalid_client");
    const token = await tokenRequest(sim, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI });
    expect(token.body.expires_in).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await caller(sim, token.body.access_token)("GET", "/users/me")).status).toBe(401);
  });
});

describe("Calendly simulator: reading", () => {
  it("pages event types 10 at a time with tokens bound to their query", async () => {
    const { sim, user, call } = await setup();
    for (let i = 0; i < 25; i++) sim.addEventType(STAFF, { name: `Consult ${String(i).padStart(2, "0")}`, duration: 15 });
    const seen: string[] = [];
    const counts: number[] = [];
    let next: string | null = `/event_types?${new URLSearchParams({ user: user.uri, count: "10" })}`;
    while (next) {
      const page: Answer = await call("GET", next);
      expect(page.status).toBe(200);
      counts.push(page.body.pagination.count);
      seen.push(...page.body.collection.map((e: { uri: string }) => e.uri));
      next = page.body.pagination.next_page;
    }
    expect(counts).toEqual([10, 10, 6]);
    expect(new Set(seen).size).toBe(26);

    const tooMany = await call("GET", `/event_types?${new URLSearchParams({ user: user.uri, count: "101" })}`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ title: "Invalid Argument", details: [{ parameter: "count" }] });
    const first = await call("GET", `/event_types?${new URLSearchParams({ user: user.uri, count: "10" })}`);
    const foreign = await call("GET", `/event_types?${new URLSearchParams({ user: user.uri, active: "true", page_token: first.body.pagination.next_page_token })}`);
    expect(foreign.body.details[0].parameter).toBe("page_token");
  });

  it("answers 403 for another organization's user and for a missing scope, 404 for an unknown event type", async () => {
    const { sim, call } = await setup();
    const other = sim.user("lee.chan@elsewhere.example");
    expect((await call("GET", `/event_types?user=${encodeURIComponent(other.uri)}`)).body).toMatchObject({ title: "Permission Denied" });
    expect((await call("GET", "/event_types/00000000-0000-0000-0000-000000000000")).body).toMatchObject({ title: "Resource Not Found" });
    const readOnly = caller(sim, sim.issueToken(STAFF, { scopes: ["users:read"] }));
    expect((await readOnly("GET", `/scheduled_events?user=${encodeURIComponent(sim.user(STAFF).uri)}`)).status).toBe(403);
  });

  it("gives injected faults with Calendly's bodies, then answers again", async () => {
    const { sim, call } = await setup();
    sim.failNext(1, 429);
    sim.failNext(1, 503);
    const limited = await call("GET", "/users/me");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(limited.body.title).toBe("Too Many Requests");
    const down = await call("GET", "/users/me");
    expect(down.status).toBe(503);
    expect(typeof down.body).toBe("string");
    expect((await call("GET", "/users/me")).status).toBe(200);
  });
});

describe("Calendly simulator: availability and booking", () => {
  it("offers the working day in duration steps and takes booked times out", async () => {
    const { eventType, call } = await setup();
    const before = await availableTimes(call, eventType);
    expect(before.status).toBe(200);
    const starts = (answer: Answer) => answer.body.collection.map((slot: { start_time: string }) => slot.start_time);
    expect(starts(before)).toHaveLength(16);
    expect(starts(before)[0]).toBe(at("14:00"));
    expect(starts(before)[15]).toBe(at("21:30"));

    const booked = await book(call, eventType, at("15:00"));
    expect(booked.status).toBe(201);
    expect(booked.body.resource).toMatchObject({ email: CALLER.email, status: "active", rescheduled: false });
    expect(booked.body.resource.cancel_url).toMatch(/\/cancellations\//);
    const after = starts(await availableTimes(call, eventType));
    expect(after).toHaveLength(15);
    expect(after).not.toContain(at("15:00"));
    expect(after).toContain(at("15:30"));
  });

  it("refuses a range over 31 days and a start in the past", async () => {
    const { eventType, call } = await setup();
    const long = await availableTimes(call, eventType, "2030-01-01T00:00:00Z", "2030-02-02T00:00:00Z");
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ title: "Invalid Argument", message: "The supplied parameters are invalid." });
    const past = await availableTimes(call, eventType, "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z");
    expect(past.body.details).toEqual([{ parameter: "start_time", message: "must be in the future" }]);
  });

  it("refuses a taken slot and a time outside working hours; of two bookings of one slot exactly one wins", async () => {
    const { sim, eventType, call } = await setup();
    expect((await book(call, eventType, at("16:00"))).status).toBe(201);
    const taken = await book(call, eventType, at("16:00"), { email: "other@example.com", first_name: "Ola", last_name: "Berg", timezone: "Europe/Oslo" });
    expect(taken.status).toBe(400);
    expect(taken.body.details[0].parameter).toBe("start_time");
    expect((await book(call, eventType, at("03:00"))).status).toBe(400);

    const [viaApi, direct] = await Promise.allSettled([
      book(call, eventType, at("17:00")),
      Promise.resolve().then(() => sim.bookDirect(STAFF, { startTime: at("17:00") })),
    ]);
    const apiWon = viaApi.status === "fulfilled" && viaApi.value.status === 201;
    const directWon = direct.status === "fulfilled";
    expect(Number(apiWon) + Number(directWon)).toBe(1);
    expect(sim.events(STAFF).filter((e) => e.status === "active" && e.start === Date.parse(at("17:00")))).toHaveLength(1);
  });

  it("answers the 11th booking in a minute with 429 and the rate-limit headers", async () => {
    const { eventType, call } = await setup();
    const remaining: string[] = [];
    for (let i = 0; i < 10; i++) {
      const answer = await book(call, eventType, at(`${14 + Math.floor(i / 2)}:${i % 2 ? "30" : "00"}`));
      expect(answer.status).toBe(201);
      expect(answer.headers.get("x-ratelimit-limit")).toBe("10");
      remaining.push(answer.headers.get("x-ratelimit-remaining")!);
    }
    expect(remaining).toEqual(["9", "8", "7", "6", "5", "4", "3", "2", "1", "0"]);
    const eleventh = await book(call, eventType, at("21:00"));
    expect(eleventh.status).toBe(429);
    expect(eleventh.body.title).toBe("Too Many Requests");
    expect(eleventh.headers.get("x-ratelimit-limit")).toBe("10");
    expect(eleventh.headers.get("x-ratelimit-remaining")).toBe("0");
    const reset = Number(eleventh.headers.get("x-ratelimit-reset"));
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(60);
  });

  it("cancels once; a second cancellation is Calendly's 403", async () => {
    const { eventType, call } = await setup();
    const booked = await book(call, eventType, at("18:00"));
    const uuid = booked.body.resource.event.split("/").pop();
    const first = await call("POST", `/scheduled_events/${uuid}/cancellation`, { reason: "Caller asked to cancel" });
    expect(first.status).toBe(201);
    expect(first.body.resource).toMatchObject({ reason: "Caller asked to cancel", canceler_type: "host" });
    const again = await call("POST", `/scheduled_events/${uuid}/cancellation`, { reason: "again" });
    expect(again.status).toBe(403);
    expect(again.body.title).toBe("Permission Denied");
    const event = await call("GET", `/scheduled_events/${uuid}`);
    expect(event.body.resource.status).toBe("canceled");
  });
});

describe("Calendly simulator: webhooks", () => {
  it("signs deliveries so that HMAC verifies, and a modified body or a stale timestamp would not", async () => {
    const { sim, eventType, call } = await setup();
    const hook = await receiver();
    await subscribe(sim, call, hook.url, "whsec-test-key");
    const booked = await book(call, eventType, at("19:00"));
    await sim.settle();
    expect(hook.received).toHaveLength(1);
    const [delivery] = hook.received;
    expect(delivery!.json).toMatchObject({ event: "invitee.created", payload: { uri: booked.body.resource.uri, email: CALLER.email, scheduled_event: { uri: booked.body.resource.event, start_time: at("19:00") } } });
    const header = String(delivery!.headers["calendly-webhook-signature"]);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verify(header, delivery!.raw, "whsec-test-key")).toBe(true);
    expect(verify(header, delivery!.raw.replace(CALLER.email, "mallory@example.com"), "whsec-test-key")).toBe(false);
    expect(verify(header, delivery!.raw, "another-key")).toBe(false);
    expect(verify(header, delivery!.raw, "whsec-test-key", Math.floor(Date.now() / 1000) + 200)).toBe(false);
  });

  it("uses the app's signing key when the subscription names none, and retries a receiver that fails", async () => {
    const { sim, eventType, call } = await setup({ webhookRetryDelaysMs: [20, 20] });
    const hook = await receiver(500);
    await subscribe(sim, call, hook.url);
    await book(call, eventType, at("20:00"));
    await sim.settle();
    expect(hook.received).toHaveLength(3);
    expect(sim.deliveries.map((d) => d.attempt)).toEqual([1, 2, 3]);
    expect(hook.received.every((r) => r.raw === hook.received[0]!.raw)).toBe(true);
    expect(verify(String(hook.received[0]!.headers["calendly-webhook-signature"]), hook.received[0]!.raw, sim.config().webhookSigningKey)).toBe(true);
  });

  it("delivers invitee.canceled (rescheduled) and invitee.created when a person reschedules", async () => {
    const { sim, call } = await setup();
    const hook = await receiver();
    await subscribe(sim, call, hook.url);
    const old = sim.bookDirect(STAFF, { startTime: at("14:30"), invitee: CALLER });
    await sim.settle();
    hook.received.length = 0;
    const moved = sim.rescheduleDirect(old.uri, at("20:30"));
    await sim.settle();
    expect(hook.received.map((r) => r.json.event)).toEqual(["invitee.canceled", "invitee.created"]);
    const [canceled, created] = hook.received.map((r) => r.json.payload);
    expect(canceled).toMatchObject({ uri: old.uri, status: "canceled", rescheduled: true, new_invitee: moved.uri, scheduled_event: { status: "canceled", start_time: at("14:30") } });
    expect(created).toMatchObject({ uri: moved.uri, status: "active", old_invitee: old.uri, scheduled_event: { status: "active", start_time: at("20:30") } });
  });

  it("sends a delivery twice on demand, and held deliveries out of order", async () => {
    const { sim, eventType, call } = await setup();
    const hook = await receiver();
    await subscribe(sim, call, hook.url);
    sim.duplicateNextDeliveries(1);
    await book(call, eventType, at("14:00"));
    await sim.settle();
    expect(hook.received).toHaveLength(2);
    expect(hook.received[0]!.raw).toBe(hook.received[1]!.raw);

    hook.received.length = 0;
    sim.holdDeliveries();
    const booked = await book(call, eventType, at("15:30"));
    await call("POST", `/scheduled_events/${booked.body.resource.event.split("/").pop()}/cancellation`, {});
    await sim.settle();
    expect(hook.received).toHaveLength(0);
    sim.releaseDeliveries("reverse");
    await sim.settle();
    expect(hook.received.map((r) => r.json.event)).toEqual(["invitee.canceled", "invitee.created"]);
    expect(hook.received.every((r) => r.json.payload.uri === booked.body.resource.uri)).toBe(true);
  });

  it("lists subscriptions, refuses a duplicate URL with 409, deletes with 204", async () => {
    const { sim, user, call } = await setup();
    const hook = await receiver();
    const created = await subscribe(sim, call, hook.url);
    const duplicate = await call("POST", "/webhook_subscriptions", { url: hook.url, events: ["invitee.created"], organization: user.organization, user: user.uri, scope: "user" });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual({ title: "Already Exists", message: "Hook with this url already exists" });
    const list = await call("GET", `/webhook_subscriptions?${new URLSearchParams({ organization: user.organization, user: user.uri, scope: "user" })}`);
    expect(list.body.collection.map((s: { uri: string }) => s.uri)).toEqual([created.uri]);
    expect((await call("DELETE", `/webhook_subscriptions/${created.uri.split("/").pop()}`)).status).toBe(204);
    expect((await call("DELETE", `/webhook_subscriptions/${created.uri.split("/").pop()}`)).status).toBe(404);
  });
});
