import { afterEach, describe, expect, it } from "vitest";
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { startAcuitySim, type AcuitySim, type AcuitySimOptions } from "../../simulators/acuity/index.js";

// The Acuity simulator over real HTTP with fetch: auth both ways, availability against bookings and
// blocks, Acuity's refusals and their bodies, webhooks as the receiver sees them, and the limits. The
// expectations are computed here (slot counts, HMACs), never read back from the simulator.

const ZONE = "America/New_York";
const REDIRECT_URI = "https://app.example.com/acuity/oauth/callback";
const DAY_MS = 86_400_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function setup(options: AcuitySimOptions = {}) {
  const sim = await startAcuitySim(options);
  cleanups.push(() => sim.stop());
  return { sim, calendarID: sim.calendars()[0]!.id, appointmentTypeID: sim.appointmentTypes()[0]!.id };
}

const basic = (sim: AcuitySim, apiKey = sim.config().apiKey) => `Basic ${Buffer.from(`${sim.config().userId}:${apiKey}`).toString("base64")}`;

async function api(sim: AcuitySim, path: string, init: { method?: string; body?: unknown; auth?: string } = {}) {
  const response = await fetch(`${sim.config().apiBaseUrl}${path}`, {
    method: init.method ?? "GET",
    headers: { Authorization: init.auth ?? basic(sim), ...(init.body !== undefined ? { "Content-Type": "application/json" } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

/** The n-th next weekday (Mon-Fri in New York) at least two days ahead, as YYYY-MM-DD. */
function weekday(n = 0): string {
  const format = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit", weekday: "short" });
  let found = -1;
  for (let k = 2; ; k++) {
    const parts = Object.fromEntries(format.formatToParts(Date.now() + k * DAY_MS).map((p) => [p.type, p.value]));
    if (!["Sat", "Sun"].includes(parts.weekday!) && ++found === n) return `${parts.year}-${parts.month}-${parts.day}`;
  }
}

function book(sim: AcuitySim, ids: { calendarID: number; appointmentTypeID: number }, datetime: string, query = "", extra: Record<string, unknown> = {}) {
  return api(sim, `/appointments${query}`, { method: "POST", body: { firstName: "Sam", lastName: "Okafor", email: "sam.okafor@example.com", phone: "+14155550142", datetime, ...ids, ...extra } });
}

/** Start times ("09:00", ...) of the day's free slots, in New York time. */
async function freeTimes(sim: AcuitySim, ids: { calendarID: number; appointmentTypeID: number }, day: string): Promise<string[]> {
  const { status, body } = await api(sim, `/availability/times?date=${day}&appointmentTypeID=${ids.appointmentTypeID}&calendarID=${ids.calendarID}`);
  expect(status).toBe(200);
  for (const slot of body) expect(slot.time).toMatch(new RegExp(`^${day}T\\d{2}:\\d{2}:00-0[45]00$`));
  return body.map((slot: { time: string }) => slot.time.slice(11, 16));
}

/** A receiver that records each webhook's raw body and headers. */
async function receiver() {
  const received: { body: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ body: Buffer.concat(chunks).toString(), headers: req.headers });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/acuity`, received };
}

const SLOTS_9_TO_5 = Array.from({ length: 16 }, (_, i) => `${String(9 + Math.floor(i / 2)).padStart(2, "0")}:${i % 2 ? "30" : "00"}`);

describe("acuity simulator: auth", () => {
  it("takes Basic auth with the user id and API key, and refuses a bad key with Acuity's 401 body", async () => {
    const { sim } = await setup();
    const me = await api(sim, "/me");
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(sim.config().userId);

    const bad = await api(sim, "/me", { auth: basic(sim, "not-the-key") });
    expect(bad).toEqual({ status: 401, body: { status_code: 401, message: "Unauthorized", error: "unauthorized" } });
    expect((await api(sim, "/me", { auth: "" })).status).toBe(401);
  });

  it("runs the OAuth2 code flow with state and api-v1, and a revoked token is a 401", async () => {
    const { sim } = await setup();
    const { oauthBaseUrl, clientId, clientSecret } = sim.config();
    const authorize = `${oauthBaseUrl}/oauth2/authorize?response_type=code&scope=api-v1&client_id=${clientId}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&state=csrf-123`;
    const consent = await fetch(authorize, { redirect: "manual" });
    expect(consent.status).toBe(302);
    const back = new URL(consent.headers.get("location")!);
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
    expect(back.searchParams.get("state")).toBe("csrf-123");
    const code = back.searchParams.get("code")!;

    const exchange = (form: Record<string, string>) => fetch(`${oauthBaseUrl}/oauth2/token`, { method: "POST", body: new URLSearchParams(form) });
    const form = { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, client_id: clientId, client_secret: clientSecret };
    expect((await exchange({ ...form, redirect_uri: "https://evil.example.com/cb" })).status).toBe(400);
    const token = await exchange(form);
    expect(token.status).toBe(200);
    const { access_token: accessToken, token_type: tokenType } = await token.json();
    expect(tokenType).toBe("Bearer");
    expect(((await (await exchange(form)).json()) as { error: string }).error).toBe("invalid_grant");

    const me = await api(sim, "/me", { auth: `Bearer ${accessToken}` });
    expect(me.body.id).toBe(sim.config().userId);
    sim.revoke({ token: accessToken });
    expect(await api(sim, "/me", { auth: `Bearer ${accessToken}` })).toEqual({ status: 401, body: { status_code: 401, message: "Unauthorized", error: "unauthorized" } });
    expect((await api(sim, "/me", { auth: "Bearer never-issued" })).status).toBe(401);

    const wrongScope = await fetch(authorize.replace("scope=api-v1", "scope=admin"), { redirect: "manual" });
    expect(new URL(wrongScope.headers.get("location")!).searchParams.get("error")).toBe("invalid_scope");
    sim.nextConsent({ deny: true });
    const denied = await fetch(authorize, { redirect: "manual" });
    expect(new URL(denied.headers.get("location")!).searchParams.get("error")).toBe("access_denied");
  });
});

describe("acuity simulator: availability and booking", () => {
  it("leaves booked times and blocks out of the day's slots, and check-times agrees", async () => {
    const { sim, ...ids } = await setup();
    const day = weekday();
    expect(await freeTimes(sim, ids, day)).toEqual(SLOTS_9_TO_5);

    expect((await book(sim, ids, `${day}T10:00:00`)).status).toBe(200);
    const block = await api(sim, "/blocks", { method: "POST", body: { calendarID: ids.calendarID, start: `${day}T13:00`, end: `${day}T14:00`, notes: "Lunch" } });
    expect(block.status).toBe(200);
    const expected = SLOTS_9_TO_5.filter((t) => !["10:00", "13:00", "13:30"].includes(t));
    expect(await freeTimes(sim, ids, day)).toEqual(expected);

    const check = await api(sim, "/availability/check-times", { method: "POST", body: [`${day}T09:30:00`, `${day}T10:00:00`, `${day}T13:30:00`].map((datetime) => ({ datetime, ...ids })) });
    expect(check.body.map((r: { valid: boolean }) => r.valid)).toEqual([true, false, false]);
    expect(check.body[1].reason).toBe("not_available");
    const single = await api(sim, "/availability/check-times", { method: "POST", body: { datetime: `${day}T11:00:00`, ...ids } });
    expect(single.body.valid).toBe(true);

    const month = day.slice(0, 7);
    const dates = await api(sim, `/availability/dates?month=${month}&appointmentTypeID=${ids.appointmentTypeID}&calendarID=${ids.calendarID}`);
    const listed = dates.body.map((d: { date: string }) => d.date);
    expect(listed).toContain(day);
    for (const date of listed) expect([0, 6]).not.toContain(new Date(`${date}T12:00:00Z`).getUTCDay());

    expect((await api(sim, `/blocks/${block.body.id}`, { method: "DELETE" })).status).toBe(204);
    expect(await freeTimes(sim, ids, day)).toEqual(SLOTS_9_TO_5.filter((t) => t !== "10:00"));
  });

  it("refuses a taken or off-grid slot with Acuity's body, but admin=true books over it", async () => {
    const { sim, ...ids } = await setup();
    const day = weekday();
    const first = await book(sim, ids, `${day}T10:00:00`);
    expect(first.status).toBe(200);
    expect(first.body.datetime).toMatch(new RegExp(`^${day}T10:00:00-0[45]00$`));

    const taken = await book(sim, ids, `${day}T10:00:00`);
    expect(taken.status).toBe(400);
    expect(taken.body).toEqual({ status_code: 400, error: "not_available", message: `The time "${first.body.datetime}" is not an available time slot.` });
    expect((await book(sim, ids, `${day}T10:10:00`)).body.error).toBe("not_available");
    expect((await book(sim, ids, `${day}T10:00:00`, "", { email: "" })).body.error).toBe("required_email");

    const forced = await book(sim, ids, `${day}T10:00:00`, "?admin=true", { notes: "squeezed in" });
    expect(forced.status).toBe(200);
    expect(forced.body.notes).toBe("squeezed in");
    expect(sim.appointments().filter((a) => a.start === Date.parse(first.body.datetime.replace(/(\d{2})(\d{2})$/, "$1:$2")))).toHaveLength(2);
  });

  it("of a direct booking and two API bookings of one slot, exactly one wins", async () => {
    const { sim, ...ids } = await setup();
    const datetime = `${weekday()}T15:00:00`;
    const outcomes = await Promise.all([
      book(sim, ids, datetime).then((r) => r.status === 200),
      Promise.resolve().then(() => {
        try {
          sim.bookDirect({ datetime, ...ids });
          return true;
        } catch {
          return false;
        }
      }),
      book(sim, ids, datetime).then((r) => r.status === 200),
    ]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(sim.appointments().filter((a) => !a.canceled)).toHaveLength(1);
  });

  it("reschedules under the same id, refuses a taken time, and a second cancel is an error", async () => {
    const { sim, ...ids } = await setup();
    const day = weekday();
    const a = (await book(sim, ids, `${day}T09:00:00`)).body;
    const b = (await book(sim, ids, `${day}T11:00:00`)).body;

    const moved = await api(sim, `/appointments/${a.id}/reschedule`, { method: "PUT", body: { datetime: `${day}T09:30:00` } });
    expect(moved.status).toBe(200);
    expect(moved.body.id).toBe(a.id);
    expect(moved.body.time).toBe("9:30am");
    expect((await api(sim, `/appointments/${a.id}/reschedule`, { method: "PUT", body: { datetime: `${day}T11:00:00` } })).body.error).toBe("not_available");
    expect(await freeTimes(sim, ids, day)).toEqual(SLOTS_9_TO_5.filter((t) => !["09:30", "11:00"].includes(t)));

    const cancel = () => api(sim, `/appointments/${b.id}/cancel`, { method: "PUT", body: { cancelNote: "Caller asked" } });
    const canceled = await cancel();
    expect(canceled.status).toBe(200);
    expect(canceled.body.noShow).toBe(false);
    const again = await cancel();
    expect(again.status).toBe(400);
    expect(again.body.status_code).toBe(400);
    expect((await api(sim, `/appointments/${b.id}/reschedule`, { method: "PUT", body: { datetime: `${day}T12:00:00` } })).body.error).toBe("reschedule_canceled");

    const listed = await api(sim, `/appointments?minDate=${day}&maxDate=${day}&calendarID=${ids.calendarID}`);
    expect(listed.body.map((x: { id: number }) => x.id)).toEqual([a.id]);
    expect((await api(sim, "/appointments?canceled=true")).body.map((x: { id: number }) => x.id)).toEqual([b.id]);
  });

  it("lists newest first, capped by max, and answers bad requests as Acuity does", async () => {
    const { sim, ...ids } = await setup();
    const day = weekday();
    for (const t of ["09:00", "10:00", "11:00"]) await book(sim, ids, `${day}T${t}:00`);
    const page = await api(sim, "/appointments?max=2");
    expect(page.body.map((x: { time: string }) => x.time)).toEqual(["11:00am", "10:00am"]);

    const raw = await fetch(`${sim.config().apiBaseUrl}/appointments`, { method: "POST", headers: { Authorization: basic(sim), "Content-Type": "application/json" }, body: "{not json" });
    expect(await raw.json()).toEqual({ status_code: 400, message: "Expected a JSON object.", error: "bad_request" });
    expect((await api(sim, "/appointments", { method: "DELETE" })).body.error).toBe("method_not_allowed");
    expect((await api(sim, "/appointments/1")).body.error).toBe("not_found");
    expect((await api(sim, `/availability/times?date=${day}&appointmentTypeID=${ids.appointmentTypeID}&timezone=Aint/No_Timezone`)).body.error).toBe("invalid_timezone");
  });
});

describe("acuity simulator: webhooks", () => {
  it("signs each delivery with the API key over the raw form body", async () => {
    const { sim, ...ids } = await setup();
    const hook = await receiver();
    const created = await api(sim, "/webhooks", { method: "POST", body: { event: "appointment.scheduled", target: hook.url } });
    expect(created.body).toMatchObject({ event: "appointment.scheduled", target: hook.url, status: "active" });
    const appointment = (await book(sim, ids, `${weekday()}T09:00:00`)).body;
    await sim.settle();

    expect(hook.received).toHaveLength(1);
    const [{ body, headers }] = hook.received;
    expect(headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(body))).toEqual({ action: "scheduled", id: String(appointment.id), calendarID: String(ids.calendarID), appointmentTypeID: String(ids.appointmentTypeID) });
    const verifies = (raw: string) => {
      const expected = createHmac("sha256", sim.config().apiKey).update(raw).digest();
      const given = Buffer.from(String(headers["x-acuity-signature"]), "base64");
      return given.length === expected.length && timingSafeEqual(given, expected);
    };
    expect(verifies(body)).toBe(true);
    expect(verifies(body.replace(`id=${appointment.id}`, `id=${appointment.id + 1}`))).toBe(false);
  });

  it("delivers a change twice when subscribed to changed as well, and the chaos knobs duplicate and reorder", async () => {
    const { sim, ...ids } = await setup();
    const hook = await receiver();
    for (const event of ["appointment.scheduled", "appointment.changed", "appointment.canceled"]) await api(sim, "/webhooks", { method: "POST", body: { event, target: hook.url } });
    const appointment = (await book(sim, ids, `${weekday()}T09:00:00`)).body;
    await sim.settle();
    const actions = () => hook.received.map((r) => new URLSearchParams(r.body).get("action"));
    expect(actions().sort()).toEqual(["changed", "scheduled"]);

    hook.received.length = 0;
    sim.webhookChaos({ reorder: true, twice: true });
    sim.updateDirect(appointment.id, { phone: "+14155550199" });
    await api(sim, `/appointments/${appointment.id}/cancel`, { method: "PUT", body: {} });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(hook.received).toHaveLength(0);
    await sim.settle();
    // Held, then sent newest first and each twice: the cancel's canceled and changed, then the edit's changed.
    expect(actions()).toEqual(["canceled", "canceled", "changed", "changed", "changed", "changed"]);
    expect(sim.deliveries.filter((d) => d.duplicate)).toHaveLength(3);
  });

  it("allows 25 subscriptions per account and targets on port 443 or 80", async () => {
    // Thirty requests in a row would meet the 10-a-second limit first.
    const { sim } = await setup({ requestsPerSecond: 1000 });
    const create = (target: string) => api(sim, "/webhooks", { method: "POST", body: { event: "appointment.changed", target } });
    expect((await create("https://hooks.example.com:8443/acuity")).body.error).toBe("invalid_target");
    expect((await api(sim, "/webhooks", { method: "POST", body: { event: "appointment.created", target: "https://hooks.example.com/a" } })).status).toBe(400);
    for (let i = 0; i < 25; i++) expect((await create(`https://hooks.example.com/${i}`)).status).toBe(200);
    const over = await create("https://hooks.example.com/25");
    expect(over.status).toBe(400);
    expect(over.body.status_code).toBe(400);
    const list = await api(sim, "/webhooks");
    expect(list.body).toHaveLength(25);
    expect((await api(sim, `/webhooks/${list.body[0].id}`, { method: "DELETE" })).status).toBe(204);
    expect((await create("https://hooks.example.com/25")).status).toBe(200);
  });
});

describe("acuity simulator: limits and faults", () => {
  it("answers 429 over 10 requests a second, with Acuity's body", async () => {
    const { sim } = await setup();
    const results = await Promise.all(Array.from({ length: 15 }, () => api(sim, "/me")));
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    const limited = results.filter((r) => r.status === 429);
    expect(limited).toHaveLength(5);
    expect(limited[0]!.body).toEqual({ status_code: 429, error: "too_many_requests", message: "Rate limit reached. Limit 10req/s and 20 concurrent connections." });
  });

  it("answers 429 over the concurrent limit while slow answers are in flight", async () => {
    const { sim } = await setup({ latencyMs: 150, requestsPerSecond: 100, concurrentRequests: 3 });
    const statuses = (await Promise.all(Array.from({ length: 5 }, () => api(sim, "/calendars")))).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect((await api(sim, "/calendars")).status).toBe(200);
  });

  it("injects 5xx on demand, then recovers", async () => {
    const { sim } = await setup();
    sim.failNext(2, 503);
    expect((await api(sim, "/me")).body).toEqual({ status_code: 503, message: "Service Unavailable", error: "service_unavailable" });
    expect((await api(sim, "/me")).status).toBe(503);
    expect((await api(sim, "/me")).status).toBe(200);
    expect(sim.countRequests({ path: "/api/v1/me", status: 503 })).toBe(2);
  });
});
