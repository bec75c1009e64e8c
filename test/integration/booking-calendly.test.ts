import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { newCallId } from "../support/payloads.js";
import { retellToolCall } from "../support/tools.js";
import { addDays, localDate, zonedInstant } from "../../server/booking/time.js";
import { bookingSetup } from "../../server/cli/booking.js";
import { calendlySignature } from "../../server/booking/providers/calendly/events.js";
import { startCalendlySim, type CalendlySim } from "../../simulators/calendly/index.js";

// Booking on the call into a staff member's Calendly, through the live tool endpoint, with Calendly
// simulated over HTTP: the staff member connects with OAuth (the app subscribes to webhooks signed
// with a key it chose), each service is one of their event types, availability is Calendly's own,
// calls 05-07 land as Calendly bookings (a move is a new booking and a cancellation behind ONE
// booking of ours and ONE Meeting), a direct booking is busy within seconds through the webhook, the
// same-instant race leaves one event, and the 11th booking in a minute is answered honestly.

const TZ = "America/Los_Angeles";
const EVERY_DAY = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ["09:00", "17:00"]]));
const HOURS = Object.fromEntries([0, 1, 2, 3, 4, 5, 6].map((d) => [d, [{ from: "09:00", to: "17:00" }]]));
const TIMES = "/event_type_available_times";
const staffEmail = "dana.reyes@example.com";

describe("booking into Calendly", () => {
  let sim: CalendlySim;
  let stack: Stack;
  let portalId: string;
  let retell: Connection;
  let consultation: string;
  const day = (offset: number) => addDays(localDate(new Date(), TZ), offset);
  const at = (offset: number, hhmm: string) => zonedInstant(day(offset), hhmm, TZ);

  async function tool(name: string, args: Record<string, unknown>, callId: string, from = "+14155550671") {
    return (await retellToolCall(stack, retell, name, args, callId, from)).body;
  }

  const db = () => stack.app.runtime.db;
  const active = () => sim.events(staffEmail).filter((e) => e.status === "active");
  const uuid = (uri: string) => uri.split("/").at(-1)!;
  const eventOf = (uuidOrUri: string) => sim.events(staffEmail).find((e) => e.uuid === uuid(uuidOrUri))!;
  const bookDirect = (start: Date) => sim.bookDirect(staffEmail, { eventType: consultation, startTime: start });
  const connection = () => db().calendarConnection.findFirstOrThrow({ where: { portalId } });
  const book = (start: Date, email: string, from: string) => tool("book_appointment", { service_type: "Consultation", start: start.toISOString(), name: "Riley Chen", email }, newCallId(), from);

  beforeAll(async () => {
    sim = await startCalendlySim();
    sim.user(staffEmail, { name: "Dana Reyes", timezone: TZ, hours: HOURS });
    consultation = sim.eventTypes(staffEmail)[0]!.uri;
    sim.updateEventType(consultation, { name: "Consultation", duration: 30 });
    sim.addEventType(staffEmail, { name: "Deep dive", duration: 45 });
    const config = sim.config();
    stack = await startStack({ env: { CALENDLY_CLIENT_ID: config.clientId, CALENDLY_CLIENT_SECRET: config.clientSecret, CALENDLY_API_BASE_URL: config.apiBaseUrl, CALENDLY_AUTH_BASE_URL: config.authBaseUrl } });
    stack.app.runtime.env.CALENDAR_PUSH_BASE_URL = stack.url;
    portalId = await stack.install();
    retell = await stack.connect(portalId, "retell");
  });
  afterAll(async () => {
    await stack?.stop();
    await sim?.stop();
  });

  it("the staff member connects Calendly with OAuth; the app subscribes to invitee.created and invitee.canceled at its URL; a mapping whose duration differs is refused", async () => {
    const file = join(tmpdir(), `booking-calendly-${Date.now()}.json`);
    const deepDive = sim.eventTypes(staffEmail).find((e) => e.name === "Deep dive")!;
    const services = [{ name: "Consultation", durationMinutes: 30, reminderMinutes: [1440, 60] }, { name: "Deep dive", durationMinutes: 60 }];
    writeFileSync(file, JSON.stringify({ timezone: TZ, services, staff: [{ name: "Dana Reyes", email: staffEmail, calendar: "calendly", hours: EVERY_DAY, calendly: { eventTypes: { Consultation: consultation, "Deep dive": deepDive.uuid } } }] }));
    const setup = (await bookingSetup(stack.app.runtime, ["--portal", portalId, "--file", file])) as { calendars: { status: string; connectUrl?: string }[] };
    expect(setup.calendars).toEqual([expect.objectContaining({ status: "not_connected" })]);

    const consent = await fetch(setup.calendars[0]!.connectUrl!, { redirect: "manual" });
    expect(consent.status).toBe(302);
    const back = new URL(consent.headers.get("location")!);
    expect(back.pathname).toBe("/calendar/oauth/callback");
    const callback = await fetch(`${stack.url}${back.pathname}${back.search}`);
    expect(callback.status).toBe(200);
    expect(await callback.text()).toContain("Calendly calendar is connected");
    const connected = await connection();
    expect(connected).toMatchObject({ provider: "calendly", accountEmail: staffEmail, status: "connected" });
    expect(connected.refreshTokenEnc).toMatch(/^v2\./);
    expect(connected.webhookKeyEnc).toMatch(/^v2\./);
    const [subscription, ...others] = sim.subscriptions();
    expect(others).toEqual([]);
    expect(subscription).toMatchObject({ callbackUrl: `${stack.url}/calendar/webhooks/calendly?channel=${connected.channelId}`, scope: "user", user: sim.user(staffEmail).uri, organization: sim.user(staffEmail).organization });
    expect([...subscription!.events].sort()).toEqual(["invitee.canceled", "invitee.created"]);
    // The key is our own, not the app's default one.
    expect(subscription!.signingKey).not.toBe(sim.webhookSigningKey);

    const types = await db().staffServiceType.findMany({ where: { staffId: connected.staffId }, include: { serviceType: true } });
    expect(types.find((t) => t.serviceType.name === "Consultation")).toMatchObject({ externalTypeId: uuid(consultation), problem: null });
    expect(types.find((t) => t.serviceType.name === "Deep dive")!.problem).toMatch(/"Deep dive" \(.+\) lasts 45 minutes but Deep dive lasts 60/);
    expect((await tool("check_availability", { service_type: "Deep dive", date: day(2) }, newCallId())).slots).toEqual([]);
  });

  let bookingId: string;
  let eventId: string;

  it("05 booking call: one Calendly booking of the mapped event type and its duration, the invitee in Calendly, our booking and one Meeting", async () => {
    const callId = newCallId();
    sim.reset();
    const offer = await tool("check_availability", { service_type: "Consultation", date: day(2), time_window: "morning" }, callId);
    expect(offer.slots).toHaveLength(3);
    expect(offer.slots[0].start).toBe(at(2, "09:00").toISOString());
    // One request for the whole range searched (not one per day), within Calendly's 31 days.
    const reads = sim.requests.filter((r) => r.path === TIMES);
    expect(reads).toHaveLength(1);
    expect(Date.parse(reads[0]!.query.end_time!) - Date.parse(reads[0]!.query.start_time!)).toBeLessThanOrEqual(31 * 86_400_000);
    const booked = await tool("book_appointment", { service_type: "Consultation", start: offer.slots[0].start, name: "Riley Chen", email: "riley.chen@example.com" }, callId);
    expect(booked.result).toMatch(/You're booked for a Consultation .* with Dana Reyes/);
    bookingId = booked.bookingId;
    // Checked again for that very start right before booking.
    const lastRead = sim.requests.filter((r) => r.path === TIMES).at(-1)!;
    expect(lastRead.query.start_time!.slice(0, 19)).toBe(offer.slots[0].start.slice(0, 19));
    expect(sim.requests.filter((r) => r.method === "POST" && r.path === "/invitees")).toHaveLength(1);
    expect(active()).toHaveLength(1);
    const [event] = active();
    eventId = event!.uuid;
    expect(event).toMatchObject({ eventType: consultation, start: at(2, "09:00").getTime() });
    expect(event!.end - event!.start).toBe(30 * 60_000);
    expect(event!.invitees).toEqual([expect.objectContaining({ email: "riley.chen@example.com", name: "Riley Chen", via: "api", status: "active" })]);
    const row = await db().booking.findUniqueOrThrow({ where: { id: bookingId } });
    expect(row).toMatchObject({ status: "confirmed", externalEventId: eventId });
    await stack.waitFor(async () => stack.sim.portal(portalId).meetings().find((m) => m.properties.hs_meeting_start_time === offer.slots[0].start), { what: "meeting" });
    expect(stack.sim.portal(portalId).meetings()).toHaveLength(1);
    await sim.settle();
    expect(await db().externalBusy.count({ where: { staffId: row.staffId } })).toBe(0);
  });

  it("06 reschedule call: the new time is booked and the old event canceled in Calendly; one booking (same id), one Meeting marked RESCHEDULED, history names both events", async () => {
    const newStart = at(3, "11:00");
    // The old event's cancellation webhook is applied before the move returns (the worst moment).
    const provider = stack.app.runtime.calendars.provider({ calendar: "calendly" });
    const move = provider.move.bind(provider);
    provider.move = async (...args) => {
      const result = await move(...args);
      await sim.settle();
      return result;
    };
    let moved: Record<string, any>;
    try {
      moved = await tool("reschedule_appointment", { new_start: newStart.toISOString() }, newCallId());
    } finally {
      provider.move = move;
    }
    expect(moved.result).toMatch(/moved to .* at 11 am\. You'll get a new confirmation by e-mail for the new time\.$/);
    expect(moved.bookingId).toBe(bookingId);
    expect(eventOf(eventId)).toMatchObject({ status: "canceled", cancellation: expect.objectContaining({ canceler_type: "host" }) });
    expect(active().map((e) => e.start)).toEqual([newStart.getTime()]);
    const newEventId = active()[0]!.uuid;
    await sim.settle();
    const row = await db().booking.findUniqueOrThrow({ where: { id: bookingId } });
    // The old event's cancellation webhook did not cancel the booking, which follows the new event.
    expect(row).toMatchObject({ status: "confirmed", externalEventId: newEventId, startAt: newStart });
    expect((row.history as { action: string }[]).map((h) => h.action)).toEqual(["booked", "rescheduled"]);
    expect((row.history as Record<string, unknown>[])[1]).toMatchObject({ fromEvent: eventId, toEvent: newEventId });
    await stack.waitFor(async () => stack.sim.portal(portalId).meetings()[0]?.properties.hs_meeting_outcome === "RESCHEDULED", { what: "meeting rescheduled" });
    expect(stack.sim.portal(portalId).meetings()).toHaveLength(1);
    expect(stack.sim.portal(portalId).meetings()[0]!.properties.hs_meeting_start_time).toBe(newStart.toISOString());
    expect(await db().externalBusy.count({ where: { staffId: row.staffId } })).toBe(0);
    eventId = newEventId;
  });

  it("06 as a caller makes it: availability first (which holds the slots), then the move into one of them", async () => {
    const callId = newCallId();
    const offer = await tool("check_availability", { service_type: "Consultation", date: day(4), time_window: "afternoon" }, callId);
    expect(offer.slots.length).toBeGreaterThanOrEqual(2);
    const chosen = offer.slots[1].start as string;
    const moved = await tool("reschedule_appointment", { new_start: chosen }, callId);
    expect(moved.result).toMatch(/moved to/);
    expect(moved.bookingId).toBe(bookingId);
    expect(active().map((e) => new Date(e.start).toISOString())).toEqual([chosen]);
    expect(await db().booking.count({ where: { portalId, status: "held", vendorCallId: callId } })).toBe(0);
    eventId = active()[0]!.uuid;
    await sim.settle();
    expect(await db().booking.findUniqueOrThrow({ where: { id: bookingId } })).toMatchObject({ status: "confirmed", externalEventId: eventId });
  });

  it("07 cancellation call: the Calendly event is canceled with the reason", async () => {
    const cancelled = await tool("cancel_appointment", { reason: "feeling better" }, newCallId());
    expect(cancelled.result).toMatch(/is cancelled/);
    expect(eventOf(eventId)).toMatchObject({ status: "canceled", cancellation: expect.objectContaining({ reason: "feeling better" }) });
    expect(active()).toEqual([]);
    await sim.settle();
    const row = await db().booking.findUniqueOrThrow({ where: { id: bookingId } });
    expect(row.status).toBe("cancelled");
    expect((row.history as { action: string }[]).filter((h) => h.action === "cancelled")).toHaveLength(1);
  });

  it("a booking made directly in Calendly is busy within seconds through its webhook", async () => {
    const first = at(5, "09:00");
    const callId = newCallId();
    const before = await tool("check_availability", { service_type: "Consultation", date: day(5), time_window: "morning" }, callId, "+14155550672");
    expect(before.slots[0].start).toBe(first.toISOString());
    const direct = bookDirect(first);
    await stack.waitFor(async () => db().externalBusy.findFirst({ where: { eventId: uuid(direct.event), startAt: first } }), { what: "direct booking seen", timeoutMs: 3_000 });
    const after = await tool("check_availability", { service_type: "Consultation", date: day(5), time_window: "morning" }, callId, "+14155550672");
    expect(after.slots.map((s: { start: string }) => s.start)).not.toContain(first.toISOString());
  });

  it("duplicate and out-of-order deliveries are harmless: a reschedule made in Calendly (canceled + created) leaves the new time busy only", async () => {
    const { staffId } = await connection();
    sim.holdDeliveries();
    sim.duplicateNextDeliveries(3);
    const direct = bookDirect(at(5, "13:00"));
    const replacement = sim.rescheduleDirect(direct.uri, at(5, "14:00"));
    sim.releaseDeliveries("reverse");
    await sim.settle();
    expect(sim.deliveries.every((d) => d.status === 200)).toBe(true);
    const rows = await db().externalBusy.findMany({ where: { staffId, eventId: { in: [uuid(direct.event), uuid(replacement.event)] } } });
    expect(rows.map((r) => [r.eventId, r.startAt.toISOString()])).toEqual([[uuid(replacement.event), at(5, "14:00").toISOString()]]);
    sim.cancelDirect(replacement.uri);
    await sim.settle();
    expect(await db().externalBusy.count({ where: { staffId, eventId: uuid(replacement.event) } })).toBe(0);
  });

  it("our booking rescheduled and then canceled in Calendly moves and cancels our booking, history appended once each, Meeting updated", async () => {
    const booked = await book(at(6, "10:00"), "sam.okafor@example.com", "+14155550673");
    expect(booked.bookingId).toBeDefined();
    await sim.settle();
    const ours = await db().booking.findUniqueOrThrow({ where: { id: booked.bookingId } });
    const invitee = eventOf(ours.externalEventId!).invitees[0]!;
    sim.duplicateNextDeliveries(2);
    const moved = sim.rescheduleDirect(invitee.uri, at(6, "12:00"));
    await sim.settle();
    let row = await db().booking.findUniqueOrThrow({ where: { id: ours.id } });
    expect(row).toMatchObject({ status: "confirmed", startAt: at(6, "12:00"), externalEventId: uuid(moved.event), meetingAction: "rescheduled" });
    expect(row.endAt.getTime() - row.startAt.getTime()).toBe(30 * 60_000);
    expect((row.history as { action: string; source?: string }[]).filter((h) => h.action === "rescheduled" && h.source === "calendar")).toHaveLength(1);
    expect(await db().externalBusy.count({ where: { eventId: { in: [ours.externalEventId!, uuid(moved.event)] } } })).toBe(0);
    sim.cancelDirect(moved.uri, { reason: "client called the office" });
    await sim.settle();
    row = await db().booking.findUniqueOrThrow({ where: { id: ours.id } });
    expect(row.status).toBe("cancelled");
    expect((row.history as { action: string }[]).map((h) => h.action)).toEqual(["booked", "rescheduled", "cancelled"]);
  });

  it("a direct booking of the same slot between our check and our POST /invitees: exactly one event, our caller offered other slots in the same answer", async () => {
    const start = at(7, "14:00");
    const provider = stack.app.runtime.calendars.provider({ calendar: "calendly" });
    const create = provider.create.bind(provider);
    provider.create = async (account, event) => {
      bookDirect(start);
      return create(account, event);
    };
    let answer: Record<string, any>;
    try {
      answer = await book(start, "jordan.park@example.com", "+14155550674");
    } finally {
      provider.create = create;
    }
    expect(answer.bookingId).toBeUndefined();
    expect(answer.error).toBe("slot_taken");
    expect(answer.result).toMatch(/^That time was just taken\. I can offer /);
    expect(answer.slots.map((s: { start: string }) => s.start)).not.toContain(start.toISOString());
    expect(answer.slots.length).toBeGreaterThan(0);
    expect(active().filter((e) => e.start === start.getTime()).map((e) => e.invitees[0]!.via)).toEqual(["direct"]);
    expect(await db().booking.count({ where: { portalId, status: "confirmed", startAt: start } })).toBe(0);
    const withdrawn = await db().booking.findFirstOrThrow({ where: { portalId, status: "cancelled", startAt: start } });
    expect((withdrawn.history as { action: string; reason?: string }[]).map((h) => [h.action, h.reason ?? null])).toEqual([["booked", null], ["withdrawn", "calendar_conflict"]]);
  });

  it("webhooks with a bad signature, another key, a stale timestamp or an unknown channel are refused", async () => {
    const { channelId } = await connection();
    const key = sim.subscriptions()[0]!.signingKey;
    const body = JSON.stringify({ event: "invitee.created", payload: { event: `${sim.url}/scheduled_events/${eventId}`, scheduled_event: { uri: `${sim.url}/scheduled_events/${eventId}` } } });
    const now = Math.floor(Date.now() / 1000);
    const post = (signature: string, channel = channelId!) => fetch(`${stack.url}/calendar/webhooks/calendly?channel=${channel}`, { method: "POST", headers: { "content-type": "application/json", "calendly-webhook-signature": signature }, body });
    expect((await post(`t=${now},v1=${"0".repeat(64)}`)).status).toBe(401);
    expect((await post(calendlySignature(body, sim.webhookSigningKey, now))).status).toBe(401);
    expect((await post(calendlySignature(body, key, now - 200))).status).toBe(401);
    expect((await post(calendlySignature(body, key, now), "unknown-channel")).status).toBe(401);
    expect((await post(calendlySignature(body, key, now))).status).toBe(200);
  });

  it("the 11th booking in a minute: Calendly's 429 is answered honestly, no booking left confirmed, nothing half-made, and Calendly is not asked again until its reset", async () => {
    sim.resetRateLimits();
    for (let i = 0; i < 10; i++) {
      const start = new Date(at(8, "09:00").getTime() + i * 30 * 60_000);
      expect((await book(start, `caller${i}@example.com`, `+1415555070${i}`)).bookingId).toBeDefined();
    }
    const eleventh = at(9, "10:00");
    const posts = () => sim.requests.filter((r) => r.method === "POST" && r.path === "/invitees");
    const before = posts().length;
    const answer = await book(eleventh, "eleven@example.com", "+14155550711");
    expect(answer.bookingId).toBeUndefined();
    expect(answer.error).toBe("calendar_unavailable");
    expect(answer.result).toBe("The calendar can't take another booking this minute. Someone from the team will call you back to confirm a time.");
    expect(answer.cause).toBe("rate_limited");
    expect(posts().slice(before).map((r) => r.status)).toEqual([429]);
    expect(active().filter((e) => e.start === eleventh.getTime())).toEqual([]);
    expect(await db().booking.count({ where: { portalId, startAt: eleventh, status: { in: ["confirmed", "held"] } } })).toBe(0);
    const withdrawn = await db().booking.findFirstOrThrow({ where: { portalId, startAt: eleventh } });
    expect((withdrawn.history as { action: string; reason?: string }[]).map((h) => [h.action, h.reason ?? null])).toEqual([["booked", null], ["withdrawn", "calendar_error"]]);
    // A 12th try within the window is answered at once, without another refused POST.
    expect((await book(new Date(eleventh.getTime() + 3600_000), "twelve@example.com", "+14155550712")).error).toBe("calendar_unavailable");
    expect(posts().length).toBe(before + 1);
  });

  it("an expired access token is refreshed once for concurrent requests, and the rotated refresh token is stored (the next refresh works with it)", async () => {
    const { staffId } = await connection();
    const tokenRequests = () => sim.requests.filter((r) => r.host === "auth" && r.path === "/oauth/token").length;
    for (let round = 0; round < 2; round++) {
      const old = await connection();
      await db().calendarConnection.update({ where: { staffId }, data: { expiresAt: new Date(Date.now() - 1000) } });
      const before = tokenRequests();
      // Two requests at once that Calendly must answer (availability may be served from the last few seconds' reads).
      const staff = await db().staffMember.findFirstOrThrow({ where: { portalId } });
      const checks = await Promise.all([0, 1].map(() => stack.app.runtime.calendars.checkTypes(staff)));
      expect(checks.map((c) => c.find((t) => t.service === "Consultation")?.problem)).toEqual([null, null]);
      expect(tokenRequests() - before).toBe(1);
      const now = await connection();
      expect(now.refreshTokenEnc).not.toBe(old.refreshTokenEnc);
      expect(now.accessTokenEnc).not.toBe(old.accessTokenEnc);
      expect(now.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3600_000);
    }
  });

  it("a Calendly user who disconnected the app is marked for reconnection and not offered", async () => {
    sim.revokeTokens(staffEmail);
    const { staffId } = await connection();
    await db().calendarConnection.update({ where: { staffId }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const staff = await db().staffMember.findFirstOrThrow({ where: { portalId } });
    await expect(stack.app.runtime.calendars.checkTypes(staff)).rejects.toThrow(/reconnect/);
    expect((await connection()).status).toBe("needs_reauth");
    expect((await tool("check_availability", { service_type: "Consultation", date: day(12) }, newCallId(), "+14155550900")).slots).toEqual([]);
  });
});
