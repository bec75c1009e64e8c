import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { newCallId } from "../support/payloads.js";
import { retellToolCall } from "../support/tools.js";
import { addDays, localDate, zonedInstant } from "../../server/booking/time.js";
import { bookingSetup, bookingWebhookKey } from "../../server/cli/booking.js";
import { acuitySignature, startAcuitySim, type AcuitySim } from "../../simulators/acuity/index.js";

// Booking on the call into a staff member's Acuity Scheduling calendar, through the live tool
// endpoint, with Acuity simulated over HTTP: the staff member connects with OAuth, each service is
// one of their Acuity appointment types, availability is Acuity's own, the seed's calls 05-07 land
// as one appointment that is booked, rescheduled (same id) and cancelled with the reason, a booking
// made directly in Acuity is busy within seconds through its webhook, and one made at the same
// instant as the AI's booking leaves exactly one appointment and alternatives for our caller.

const TZ = "America/Los_Angeles";
const EVERY_DAY = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ["09:00", "17:00"]]));
const ACUITY_HOURS = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [["09:00", "17:00"]]]));
const TIMES = "/api/v1/availability/times";

describe("booking into Acuity Scheduling", () => {
  let sim: AcuitySim;
  let stack: Stack;
  let portalId: string;
  let retell: Connection;
  let calendarID: number;
  let consultation: number;
  const staffEmail = "morgan.lee@example.com";
  const day = (offset: number) => addDays(localDate(new Date(), TZ), offset);

  async function tool(name: string, args: Record<string, unknown>, callId: string, from = "+14155550671") {
    return (await retellToolCall(stack, retell, name, args, callId, from)).body;
  }

  const live = () => sim.appointments().filter((a) => !a.canceled);
  const staff = () => stack.app.runtime.db.staffMember.findFirstOrThrow({ where: { portalId } });
  const iso = (instant: Date) => instant.toISOString().replace(".000Z", "Z");
  const bookDirect = (start: Date) => sim.bookDirect({ datetime: iso(start), appointmentTypeID: consultation, calendarID });

  beforeAll(async () => {
    sim = await startAcuitySim({ timezone: TZ, calendars: [{ name: "Morgan Lee", email: staffEmail, hours: ACUITY_HOURS }], appointmentTypes: [{ name: "Consultation", duration: 30 }, { name: "Deep dive", duration: 45 }] });
    calendarID = sim.calendars()[0]!.id;
    consultation = sim.appointmentTypes()[0]!.id;
    const config = sim.config();
    stack = await startStack({ env: { ACUITY_CLIENT_ID: config.clientId, ACUITY_CLIENT_SECRET: config.clientSecret, ACUITY_API_BASE_URL: config.apiBaseUrl, ACUITY_AUTH_BASE_URL: config.oauthBaseUrl } });
    // Acuity posts its webhooks to this stack (in production: PUBLIC_BASE_URL).
    stack.app.runtime.env.CALENDAR_PUSH_BASE_URL = stack.url;
    portalId = await stack.install();
    retell = await stack.connect(portalId, "retell");
  });
  afterAll(async () => {
    await stack?.stop();
    await sim?.stop();
  });

  it("the staff member connects Acuity with OAuth from the booking setup link; a mapping whose duration differs is refused", async () => {
    const file = join(tmpdir(), `booking-acuity-${Date.now()}.json`);
    const deepDive = sim.appointmentTypes()[1]!.id;
    const services = [{ name: "Consultation", durationMinutes: 30, reminderMinutes: [1440, 60] }, { name: "Deep dive", durationMinutes: 60 }];
    writeFileSync(file, JSON.stringify({ timezone: TZ, services, staff: [{ name: "Morgan Lee", email: staffEmail, calendar: "acuity", hours: EVERY_DAY, acuity: { calendarId: calendarID, appointmentTypes: { Consultation: consultation, "Deep dive": deepDive } } }] }));
    const setup = (await bookingSetup(stack.app.runtime, ["--portal", portalId, "--file", file])) as { calendars: { status: string; connectUrl?: string }[] };
    expect(setup.calendars).toEqual([expect.objectContaining({ status: "not_connected" })]);
    expect((await tool("check_availability", { service_type: "Consultation", date: day(2) }, newCallId())).slots).toEqual([]);

    const consent = await fetch(setup.calendars[0]!.connectUrl!, { redirect: "manual" });
    expect(consent.status).toBe(302);
    const back = new URL(consent.headers.get("location")!);
    expect(back.pathname).toBe("/calendar/oauth/callback");
    const callback = await fetch(`${stack.url}${back.pathname}${back.search}`);
    expect(callback.status).toBe(200);
    expect(await callback.text()).toContain("Acuity Scheduling calendar is connected");
    const connection = await stack.app.runtime.db.calendarConnection.findFirstOrThrow({ where: { portalId } });
    expect(connection).toMatchObject({ provider: "acuity", accountEmail: sim.account.email, status: "connected", refreshTokenEnc: null });
    expect(connection.accessTokenEnc).toMatch(/^v2\./);
    // Webhooks for scheduled, rescheduled and canceled, not `changed` too (it would repeat them).
    expect(sim.webhooks(sim.account.id).map((w) => w.event).sort()).toEqual(["appointment.canceled", "appointment.rescheduled", "appointment.scheduled"]);
    expect(new Set(sim.webhooks(sim.account.id).map((w) => w.target))).toEqual(new Set([`${stack.url}/calendar/webhooks/acuity?channel=${connection.channelId}`]));
    expect((await fetch(`${stack.url}${back.pathname}${back.search}`)).status).toBe(400);

    // Acuity signs webhooks with the account's API key, which OAuth does not reveal: ops store it.
    await bookingWebhookKey(stack.app.runtime, ["--portal", portalId, "--staff", staffEmail], sim.config().apiKey);

    const types = await stack.app.runtime.db.staffServiceType.findMany({ where: { staffId: connection.staffId }, include: { serviceType: true } });
    expect(types.find((t) => t.serviceType.name === "Consultation")!.problem).toBeNull();
    expect(types.find((t) => t.serviceType.name === "Deep dive")!.problem).toMatch(/"Deep dive" \(\d+\) lasts 45 minutes but Deep dive lasts 60/);
    expect((await tool("check_availability", { service_type: "Deep dive", date: day(2) }, newCallId())).slots).toEqual([]);
  });

  let bookingId: string;
  let appointmentId: number;

  it("05 booking call: one Acuity appointment of the mapped type and its duration on the staff member's calendar, our booking and one Meeting", async () => {
    const callId = newCallId();
    sim.reset();
    const offer = await tool("check_availability", { service_type: "Consultation", date: day(2), time_window: "morning" }, callId);
    expect(offer.slots).toHaveLength(3);
    expect(offer.slots[0].start).toBe(zonedInstant(day(2), "09:00", TZ).toISOString());
    // One /availability/times per day asked (the holds want a few days of candidates), however many rounds they took.
    const days = sim.requests.filter((r) => r.path === TIMES).map((r) => r.query.date);
    expect(days[0]).toBe(day(2));
    expect(new Set(days).size).toBe(days.length);
    const booked = await tool("book_appointment", { service_type: "Consultation", start: offer.slots[0].start, name: "Riley Chen", email: "riley.chen@example.com" }, callId);
    expect(booked.result).toMatch(/You're booked for a Consultation .* with Morgan Lee/);
    bookingId = booked.bookingId;
    expect(sim.countRequests({ method: "POST", path: "/api/v1/availability/check-times" })).toBe(1);
    expect(sim.requests.some((r) => r.path === "/api/v1/appointments" && r.query.admin !== undefined)).toBe(false);
    const [appointment] = live();
    expect(live()).toHaveLength(1);
    appointmentId = appointment!.id;
    expect(appointment).toMatchObject({ appointmentTypeID: consultation, calendarID, email: "riley.chen@example.com", firstName: "Riley", lastName: "Chen", source: "api" });
    expect(new Date(appointment!.start).toISOString()).toBe(offer.slots[0].start);
    expect(appointment!.end - appointment!.start).toBe(30 * 60_000);
    const row = await stack.app.runtime.db.booking.findUniqueOrThrow({ where: { id: bookingId } });
    expect(row).toMatchObject({ status: "confirmed", externalEventId: String(appointmentId) });
    await stack.waitFor(async () => stack.sim.portal(portalId).meetings().find((m) => m.properties.hs_meeting_start_time === offer.slots[0].start), { what: "meeting" });
    // Our own appointment's webhook is not taken for someone else's busy time.
    await sim.settle();
    expect(await stack.app.runtime.db.externalBusy.count({ where: { staffId: row.staffId } })).toBe(0);
  });

  it("06 reschedule call: the same appointment moves (PUT reschedule), one booking, one Meeting marked RESCHEDULED", async () => {
    const newStart = zonedInstant(day(3), "11:00", TZ);
    const moved = await tool("reschedule_appointment", { new_start: newStart.toISOString() }, newCallId());
    expect(moved.result).toMatch(/moved to .* at 11 am/);
    expect(moved.bookingId).toBe(bookingId);
    expect(live().map((a) => [a.id, new Date(a.start).toISOString()])).toEqual([[appointmentId, newStart.toISOString()]]);
    await stack.waitFor(async () => stack.sim.portal(portalId).meetings()[0]?.properties.hs_meeting_outcome === "RESCHEDULED", { what: "meeting rescheduled" });
    expect(stack.sim.portal(portalId).meetings()).toHaveLength(1);
    expect(stack.sim.portal(portalId).meetings()[0]!.properties.hs_meeting_start_time).toBe(newStart.toISOString());
  });

  it("06 as a caller makes it: availability first (which holds the slots), then the move into one of them", async () => {
    const callId = newCallId();
    const offer = await tool("check_availability", { service_type: "Consultation", date: day(4), time_window: "afternoon" }, callId);
    expect(offer.slots.length).toBeGreaterThanOrEqual(2);
    const chosen = offer.slots[1].start as string;
    const moved = await tool("reschedule_appointment", { new_start: chosen }, callId);
    expect(moved.result).toMatch(/moved to/);
    expect(moved.bookingId).toBe(bookingId);
    expect(live().map((a) => [a.id, new Date(a.start).toISOString()])).toEqual([[appointmentId, chosen]]);
    expect(await stack.app.runtime.db.booking.count({ where: { portalId, status: "held", vendorCallId: callId } })).toBe(0);
  });

  it("07 cancellation call: the Acuity appointment is canceled with the reason as its note", async () => {
    const cancelled = await tool("cancel_appointment", { reason: "feeling better" }, newCallId());
    expect(cancelled.result).toMatch(/is cancelled/);
    expect(sim.appointment(appointmentId)).toMatchObject({ canceled: true, cancelNote: "feeling better" });
    expect(live()).toEqual([]);
    await sim.settle();
    const row = await stack.app.runtime.db.booking.findUniqueOrThrow({ where: { id: bookingId } });
    expect(row.status).toBe("cancelled");
    expect((row.history as { action: string }[]).filter((h) => h.action === "cancelled")).toHaveLength(1);
  });

  it("a booking made directly in Acuity is busy within seconds through its webhook, not at the next read of Acuity", async () => {
    const first = zonedInstant(day(5), "09:00", TZ);
    const callId = newCallId();
    const before = await tool("check_availability", { service_type: "Consultation", date: day(5), time_window: "morning" }, callId, "+14155550672");
    expect(before.slots[0].start).toBe(first.toISOString());
    const reads = sim.requests.length;
    const direct = bookDirect(first);
    await stack.waitFor(async () => stack.app.runtime.db.externalBusy.findFirst({ where: { eventId: String(direct.id), startAt: first } }), { what: "direct booking seen", timeoutMs: 3_000 });
    const after = await tool("check_availability", { service_type: "Consultation", date: day(5), time_window: "morning" }, callId, "+14155550672");
    expect(after.slots.map((s: { start: string }) => s.start)).not.toContain(first.toISOString());
    // Acuity was not asked about that day again (its openings of a moment ago were reused): the webhook did it.
    expect(sim.requests.slice(reads).filter((r) => r.path === TIMES && r.query.date === day(5))).toEqual([]);
  });

  it("duplicate and out-of-order webhooks are harmless: the appointment's current state is what counts", async () => {
    const { id: staffId } = await staff();
    sim.webhookChaos({ twice: true, reorder: true });
    const direct = bookDirect(zonedInstant(day(5), "13:00", TZ));
    sim.rescheduleDirect(direct.id, { datetime: iso(zonedInstant(day(5), "14:00", TZ)) });
    await sim.settle(); // rescheduled first, then scheduled, each twice
    expect(sim.deliveries.filter((d) => d.appointmentId === direct.id).map((d) => d.status)).toEqual([200, 200, 200, 200]);
    const rows = await stack.app.runtime.db.externalBusy.findMany({ where: { staffId, eventId: String(direct.id) } });
    expect(rows.map((r) => r.startAt.toISOString())).toEqual([zonedInstant(day(5), "14:00", TZ).toISOString()]);
    sim.cancelDirect(direct.id);
    await sim.settle();
    expect(await stack.app.runtime.db.externalBusy.count({ where: { staffId, eventId: String(direct.id) } })).toBe(0);
    sim.webhookChaos({});
  });

  it("an appointment of ours moved or cancelled in Acuity moves or cancels our booking, history appended once, Meeting updated", async () => {
    const callId = newCallId();
    const start = zonedInstant(day(6), "10:00", TZ);
    const booked = await tool("book_appointment", { service_type: "Consultation", start: start.toISOString(), name: "Sam Okafor", email: "sam.okafor@example.com" }, callId, "+14155550673");
    expect(booked.bookingId).toBeDefined();
    const ours = await stack.app.runtime.db.booking.findUniqueOrThrow({ where: { id: booked.bookingId } });
    await sim.settle();
    sim.webhookChaos({ twice: true });
    const moved = zonedInstant(day(6), "12:00", TZ);
    sim.rescheduleDirect(Number(ours.externalEventId), { datetime: iso(moved) });
    await sim.settle();
    let row = await stack.app.runtime.db.booking.findUniqueOrThrow({ where: { id: ours.id } });
    expect(row.startAt.toISOString()).toBe(moved.toISOString());
    expect(row.endAt.getTime() - moved.getTime()).toBe(30 * 60_000);
    expect((row.history as { action: string; source?: string }[]).filter((h) => h.action === "rescheduled" && h.source === "calendar")).toHaveLength(1);
    expect(row.meetingAction).toBe("rescheduled");
    sim.cancelDirect(Number(ours.externalEventId), "client called the office");
    await sim.settle();
    sim.webhookChaos({});
    row = await stack.app.runtime.db.booking.findUniqueOrThrow({ where: { id: ours.id } });
    expect(row.status).toBe("cancelled");
    expect((row.history as { action: string }[]).map((h) => h.action)).toEqual(["booked", "rescheduled", "cancelled"]);
    expect(await stack.app.runtime.db.externalBusy.count({ where: { eventId: ours.externalEventId! } })).toBe(0);
  });

  it("a direct booking of the same slot between our check and our booking: exactly one appointment, our caller offered other slots", async () => {
    const start = zonedInstant(day(7), "14:00", TZ);
    const provider = stack.app.runtime.calendars.provider({ calendar: "acuity" });
    const create = provider.create.bind(provider);
    provider.create = async (account, event) => {
      bookDirect(start);
      return create(account, event);
    };
    let answer: Record<string, any>;
    try {
      answer = await tool("book_appointment", { service_type: "Consultation", start: start.toISOString(), name: "Jordan Park", email: "jordan.park@example.com" }, newCallId(), "+14155550674");
    } finally {
      provider.create = create;
    }
    expect(answer.bookingId).toBeUndefined();
    expect(answer.error).toBe("slot_taken");
    expect(answer.result).toMatch(/^That time was just taken\. I can offer /);
    expect(answer.slots.length).toBeGreaterThan(0);
    expect(answer.slots.map((s: { start: string }) => s.start)).not.toContain(start.toISOString());
    expect(live().filter((a) => a.start === start.getTime())).toEqual([expect.objectContaining({ source: "direct" })]);
    expect(await stack.app.runtime.db.booking.count({ where: { portalId, status: "confirmed", startAt: start } })).toBe(0);
    const withdrawn = await stack.app.runtime.db.booking.findFirstOrThrow({ where: { portalId, status: "cancelled", startAt: start } });
    expect((withdrawn.history as { action: string; reason?: string }[]).map((h) => [h.action, h.reason ?? null])).toEqual([["booked", null], ["withdrawn", "calendar_conflict"]]);
  });

  it("a webhook with a bad X-Acuity-Signature is refused", async () => {
    const connection = await stack.app.runtime.db.calendarConnection.findFirstOrThrow({ where: { portalId } });
    const body = `action=scheduled&id=${appointmentId}&calendarID=${calendarID}&appointmentTypeID=${consultation}`;
    const post = (signature: string, channel = connection.channelId!) => fetch(`${stack.url}/calendar/webhooks/acuity?channel=${channel}`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-acuity-signature": signature }, body });
    expect((await post("forged")).status).toBe(401);
    expect((await post(acuitySignature(body, "not-the-api-key"))).status).toBe(401);
    expect((await post(acuitySignature(body, sim.config().apiKey), "unknown-channel")).status).toBe(401);
    expect((await post(acuitySignature(body, sim.config().apiKey))).status).toBe(200);
    expect((await fetch(`${stack.url}/calendar/webhooks/nonesuch`, { method: "POST", body })).status).toBe(404);
  });

  it("an Acuity account that disconnected the app is marked for reconnection and its staff member is not offered", async () => {
    sim.revoke({ userId: sim.account.id });
    const answer = await tool("book_appointment", { service_type: "Consultation", start: zonedInstant(day(8), "10:00", TZ).toISOString(), email: "casey@example.com" }, newCallId(), "+14155550675");
    expect(answer.bookingId).toBeUndefined();
    const connection = await stack.app.runtime.db.calendarConnection.findFirstOrThrow({ where: { portalId } });
    expect(connection.status).toBe("needs_reauth");
    expect((await tool("check_availability", { service_type: "Consultation", date: day(8) }, newCallId(), "+14155550676")).slots).toEqual([]);
  });
});
