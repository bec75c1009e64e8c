import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { newCallId } from "../support/payloads.js";
import { retellToolCall } from "../support/tools.js";
import { addDays, localDate, zonedInstant } from "../../server/booking/time.js";
import { bookingSetup } from "../../server/cli/booking.js";
import { startGoogleSim, type GoogleSim } from "../../simulators/google/index.js";
import { startMicrosoftSim, type MicrosoftSim } from "../../simulators/microsoft/index.js";
import { writeFileSync } from "node:fs";
import { flagOverlaps, type OverlapDeps } from "../../server/booking/overlaps.js";
import { bookingOverview } from "../../server/booking/overview.js";
import type { OverlapNotice } from "../../server/notify/notifier.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decrypt, sealedFor } from "../../server/config/crypto.js";

// Booking on the call into a staff member's own Google or Microsoft 365 calendar, through the live
// tool endpoint, with the calendars simulated over HTTP and reached through the real client libraries:
// the staff member connects with OAuth, the seed's booking / reschedule / cancellation calls land as
// one event that is created, patched and cancelled (attendee notified), events made directly in the
// calendar are seen (push + incremental sync), and one made at the same instant as the AI's booking
// never leaves two overlapping events.

const TZ = "America/Los_Angeles";
const EVERY_DAY = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ["09:00", "17:00"]]));

interface CalendarView {
  id: string;
  start: Date;
  end: Date;
  cancelled: boolean;
  organizer: string | null;
  attendees: string[];
  reminders: number[];
}

interface Harness {
  name: "google" | "microsoft";
  env(): Record<string, string>;
  events(email: string): CalendarView[];
  notifications(): { type: string; to: string; eventId: string }[];
  /** An event made by hand in the calendar (pushes delivered): its id. */
  insertExternal(email: string, start: Date, end: Date): Promise<string>;
  /** The hand-made event moved, and deleted, by hand (pushes delivered). */
  moveExternal(email: string, eventId: string, start: Date, end: Date): Promise<void>;
  deleteExternal(email: string, eventId: string): Promise<void>;
  channels(email: string): number;
  revoke(email: string): void;
  stop(): Promise<void>;
}

async function googleHarness(): Promise<Harness> {
  const sim: GoogleSim = await startGoogleSim();
  const config = sim.config();
  return {
    name: "google",
    env: () => ({ GOOGLE_CLIENT_ID: config.clientId, GOOGLE_CLIENT_SECRET: config.clientSecret, GOOGLE_API_BASE_URL: config.apiBaseUrl, GOOGLE_AUTH_BASE_URL: config.authBaseUrl, GOOGLE_TOKEN_URL: config.tokenUrl }),
    events: (email) =>
      sim.events(email).map((e) => ({
        id: e.id!,
        start: new Date(e.start!.dateTime!),
        end: new Date(e.end!.dateTime!),
        cancelled: e.status === "cancelled",
        organizer: e.organizer?.email ?? null,
        attendees: (e.attendees ?? []).map((a) => a.email!),
        reminders: (e.reminders?.overrides ?? []).map((r) => r.minutes!).sort((a, b) => b - a),
      })),
    notifications: () => sim.notifications,
    async insertExternal(email, start, end) {
      const event = sim.insertExternal(email, { start, end, summary: "Dentist (personal)" });
      await sim.flushPushes();
      return event.id!;
    },
    async moveExternal(email, eventId, start, end) {
      sim.updateExternal(email, eventId, { start, end });
      await sim.flushPushes();
    },
    async deleteExternal(email, eventId) {
      sim.deleteExternal(email, eventId);
      await sim.flushPushes();
    },
    channels: (email) => sim.channels(email).length,
    revoke: (email) => sim.revokeRefresh(email),
    stop: () => sim.stop(),
  };
}

async function microsoftHarness(): Promise<Harness> {
  const sim: MicrosoftSim = await startMicrosoftSim();
  const config = sim.config;
  return {
    name: "microsoft",
    env: () => ({ MICROSOFT_CLIENT_ID: config.clientId, MICROSOFT_CLIENT_SECRET: config.clientSecret, MICROSOFT_GRAPH_BASE_URL: config.apiBaseUrl, MICROSOFT_AUTH_BASE_URL: config.authBaseUrl, MICROSOFT_TOKEN_URL: config.tokenUrl }),
    events: (email) =>
      sim.events(email).filter((e) => !e.deleted).map((e) => ({
        id: e.id,
        start: e.start,
        end: e.end,
        cancelled: e.isCancelled,
        organizer: e.organizer.address,
        attendees: e.attendees.map((a) => a.address),
        reminders: e.isReminderOn ? [e.reminderMinutesBeforeStart] : [],
      })),
    notifications: () => sim.notifications,
    async insertExternal(email, start, end) {
      const event = sim.insertExternal(email, { start, end, subject: "Dentist (personal)" });
      await sim.settle();
      return event.id;
    },
    async moveExternal(email, eventId, start, end) {
      sim.updateExternal(email, eventId, { start, end });
      await sim.settle();
    },
    async deleteExternal(email, eventId) {
      sim.deleteExternal(email, eventId);
      await sim.settle();
    },
    channels: (email) => sim.subscriptions(email).length,
    revoke: (email) => sim.revokeRefresh(email),
    stop: () => sim.stop(),
  };
}

describe.each([
  ["Google Calendar", googleHarness],
  ["Microsoft 365", microsoftHarness],
] as const)("booking into %s", (_label, makeHarness) => {
  let calendar: Harness;
  let stack: Stack;
  let portalId: string;
  let retell: Connection;
  const staffEmail = "morgan.lee@example.com";
  const day = (offset: number) => addDays(localDate(new Date(), TZ), offset);

  async function tool(name: string, args: Record<string, unknown>, callId: string, from = "+14155550671") {
    return (await retellToolCall(stack, retell, name, args, callId, from)).body;
  }

  const live = () => calendar.events(staffEmail).filter((e) => !e.cancelled);

  beforeAll(async () => {
    calendar = await makeHarness();
    stack = await startStack({ env: calendar.env() });
    // The calendars post change notifications to this stack (in production: PUBLIC_BASE_URL).
    stack.app.runtime.env.CALENDAR_PUSH_BASE_URL = stack.url;
    portalId = await stack.install();
    retell = await stack.connect(portalId, "retell");
  });
  afterAll(async () => {
    await stack?.stop();
    await calendar?.stop();
  });

  it("the staff member connects the calendar with OAuth from the link booking setup prints", async () => {
    const file = join(tmpdir(), `booking-${calendar.name}-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify({ timezone: TZ, services: [{ name: "Consultation", durationMinutes: 30, reminderMinutes: [1440, 60] }], staff: [{ name: "Morgan Lee", email: staffEmail, calendar: calendar.name, hours: EVERY_DAY }] }));
    const setup = (await bookingSetup(stack.app.runtime, ["--portal", portalId, "--file", file])) as { calendars: { status: string; connectUrl?: string }[] };
    expect(setup.calendars).toEqual([expect.objectContaining({ status: "not_connected" })]);
    // Not offered before the calendar is connected: we cannot see it.
    expect((await tool("check_availability", { service_type: "Consultation", date: day(2) }, newCallId())).slots).toEqual([]);

    // The consent screen sends the staff member back to our callback with a code.
    const consent = await fetch(setup.calendars[0]!.connectUrl!, { redirect: "manual" });
    expect(consent.status).toBe(302);
    const back = new URL(consent.headers.get("location")!);
    expect(back.pathname).toBe("/calendar/oauth/callback");
    const callback = await fetch(`${stack.url}${back.pathname}${back.search}`);
    expect(callback.status).toBe(200);
    expect(await callback.text()).toContain("calendar is connected");
    const connection = await stack.app.runtime.db.calendarConnection.findFirstOrThrow({ where: { portalId } });
    expect(connection).toMatchObject({ provider: calendar.name, accountEmail: staffEmail, status: "connected" });
    expect(connection.accessTokenEnc).toMatch(/^v2\./); // encrypted at rest, bound to its row
    expect(calendar.channels(staffEmail)).toBe(1); // push channel open
    // The link is single-use.
    expect((await fetch(`${stack.url}${back.pathname}${back.search}`)).status).toBe(400);
  });

  let bookingId: string;
  let eventId: string;

  it("05 booking call: one event of the right length on the staff member's calendar, organizer, reminders, attendee invited", async () => {
    const callId = newCallId();
    const offer = await tool("check_availability", { service_type: "Consultation", date: day(2), time_window: "morning" }, callId);
    expect(offer.slots).toHaveLength(3);
    const booked = await tool("book_appointment", { service_type: "Consultation", start: offer.slots[0].start, name: "Riley Chen", email: "riley.chen@example.com" }, callId);
    expect(booked.result).toMatch(/You're booked for a Consultation .* with Morgan Lee/);
    bookingId = booked.bookingId;
    const events = live();
    expect(events).toHaveLength(1);
    const [event] = events;
    eventId = event!.id;
    expect(event!.start.toISOString()).toBe(offer.slots[0].start);
    expect(event!.end.getTime() - event!.start.getTime()).toBe(30 * 60_000);
    expect(event!.organizer).toBe(staffEmail);
    expect(event!.attendees).toEqual(["riley.chen@example.com"]);
    expect(event!.reminders[0]).toBe(1440);
    expect(calendar.notifications()).toContainEqual(expect.objectContaining({ type: "invite", to: "riley.chen@example.com", eventId }));
    const row = await stack.app.runtime.db.booking.findUniqueOrThrow({ where: { id: bookingId } });
    expect(row.externalEventId).toBe(eventId);
    // And the Meeting on the HubSpot contact.
    await stack.waitFor(async () => stack.sim.portal(portalId).meetings().find((m) => m.properties.hs_meeting_start_time === offer.slots[0].start), { what: "meeting" });
  });

  it("06 reschedule call: the same event is moved (patched), the attendee gets an update", async () => {
    const newStart = zonedInstant(day(3), "11:00", TZ);
    const moved = await tool("reschedule_appointment", { new_start: newStart.toISOString() }, newCallId());
    expect(moved.result).toMatch(/moved to .* at 11 am/);
    expect(moved.bookingId).toBe(bookingId);
    const events = live();
    expect(events.map((e) => e.id)).toEqual([eventId]);
    expect(events[0]!.start.toISOString()).toBe(newStart.toISOString());
    expect(events[0]!.end.getTime() - newStart.getTime()).toBe(30 * 60_000);
    expect(calendar.notifications()).toContainEqual(expect.objectContaining({ type: "update", to: "riley.chen@example.com", eventId }));
  });

  it("06 as a caller makes it: availability first (which holds the slots), then the move into one of them", async () => {
    const callId = newCallId();
    const offer = await tool("check_availability", { service_type: "Consultation", date: day(4), time_window: "afternoon" }, callId);
    expect(offer.slots.length).toBeGreaterThanOrEqual(2);
    const chosen = offer.slots[1].start as string;
    const moved = await tool("reschedule_appointment", { new_start: chosen }, callId);
    expect(moved.result).toMatch(/moved to/);
    expect(moved.bookingId).toBe(bookingId);
    expect(live().map((e) => [e.id, e.start.toISOString()])).toEqual([[eventId, chosen]]);
    expect(await stack.app.runtime.db.booking.count({ where: { portalId, status: "held", vendorCallId: callId } })).toBe(0);
  });

  it("07 cancellation call: the event is cancelled and the attendee notified", async () => {
    const cancelled = await tool("cancel_appointment", { reason: "feeling better" }, newCallId());
    expect(cancelled.result).toMatch(/is cancelled/);
    expect(live()).toEqual([]);
    expect(calendar.notifications()).toContainEqual(expect.objectContaining({ type: "cancel", to: "riley.chen@example.com", eventId }));
    expect((await stack.app.runtime.db.booking.findUniqueOrThrow({ where: { id: bookingId } })).status).toBe("cancelled");
  });

  it("an event made directly in the calendar is seen (push, then incremental sync) and its time is not offered", async () => {
    const first = zonedInstant(day(5), "09:00", TZ);
    const callId = newCallId();
    const before = await tool("check_availability", { service_type: "Consultation", date: day(5), time_window: "morning" }, callId, "+14155550672");
    expect(before.slots[0].start).toBe(first.toISOString());
    await calendar.insertExternal(staffEmail, first, new Date(first.getTime() + 60 * 60_000));
    const staff = await stack.app.runtime.db.staffMember.findFirstOrThrow({ where: { portalId } });
    await stack.waitFor(() => stack.app.runtime.db.externalBusy.findFirst({ where: { staffId: staff.id, startAt: first } }), { what: "external event synced" });
    const after = await tool("check_availability", { service_type: "Consultation", date: day(5), time_window: "morning" }, callId, "+14155550672");
    expect(after.slots.map((s: { start: string }) => s.start)).not.toContain(first.toISOString());
    expect(after.slots[0].start).toBe(new Date(first.getTime() + 60 * 60_000).toISOString());
  });

  it("an event moved, then deleted, by hand: the busy time follows it and the freed time is offered again", async () => {
    const db = stack.app.runtime.db;
    const staff = await db.staffMember.findFirstOrThrow({ where: { portalId } });
    const mirror = () => db.externalBusy.findMany({ where: { staffId: staff.id, startAt: { gte: zonedInstant(day(8), "00:00", TZ), lt: zonedInstant(day(9), "00:00", TZ) } }, orderBy: { startAt: "asc" } });
    const at = (time: string) => zonedInstant(day(8), time, TZ);
    // One call asks each time: the slots it is offered are held for it, not for the next caller.
    const callId = newCallId();
    const morning = async () => (await tool("check_availability", { service_type: "Consultation", date: day(8), time_window: "morning" }, callId, "+14155550673")).slots.map((s: { start: string }) => s.start);
    const eventId = await calendar.insertExternal(staffEmail, at("09:00"), at("10:00"));
    await stack.waitFor(async () => (await mirror()).length === 1, { what: "the hand-made event synced" });
    expect(await morning()).not.toContain(at("09:00").toISOString());

    await calendar.moveExternal(staffEmail, eventId, at("11:00"), at("12:00"));
    await stack.waitFor(async () => (await mirror())[0]?.startAt.getTime() === at("11:00").getTime(), { what: "the move synced" });
    expect((await mirror()).map((b) => [b.eventId, b.startAt.toISOString(), b.endAt.toISOString()])).toEqual([[eventId, at("11:00").toISOString(), at("12:00").toISOString()]]);
    expect(await morning()).toContain(at("09:00").toISOString());

    await calendar.deleteExternal(staffEmail, eventId);
    await stack.waitFor(async () => (await mirror()).length === 0, { what: "the deletion synced" });
    expect(await morning()).toContain(at("09:00").toISOString());
  });

  it("a person double-books the calendar by hand over an AI booking: flagged on the Booking tab and sent to ops once, cleared when it is gone", async () => {
    const db = stack.app.runtime.db;
    const start = zonedInstant(day(7), "10:00", TZ);
    const booked = await tool("book_appointment", { service_type: "Consultation", start: start.toISOString(), name: "Sky Moreno", email: "sky@example.com" }, newCallId(), "+14155550675");
    expect(booked.bookingId).toBeTruthy();
    // The worker's upkeep runs the same pass in the background (with no ops target configured, so it
    // notifies nobody): the test looks at what the passes leave, not at which pass found it.
    const notices: OverlapNotice[] = [];
    const deps: OverlapDeps = { db, notifications: { overlap: async (notice) => (notices.push(notice), true) } };
    await flagOverlaps(deps);
    expect(await db.bookingOverlap.count({ where: { bookingId: booked.bookingId } })).toBe(0);
    // Someone puts a meeting in the staff member's own calendar over it, after the booking was made.
    const eventStart = new Date(start.getTime() + 15 * 60_000);
    await calendar.insertExternal(staffEmail, eventStart, new Date(start.getTime() + 45 * 60_000));
    const staff = await db.staffMember.findFirstOrThrow({ where: { portalId } });
    await stack.waitFor(() => db.externalBusy.findFirst({ where: { staffId: staff.id, startAt: eventStart } }), { what: "the hand-made event synced" });
    await flagOverlaps(deps);
    expect(notices).toEqual([expect.objectContaining({ portalId, staff: "Morgan Lee", service: "Consultation", reference: booked.reference })]);
    expect((await bookingOverview(db, portalId, stack.app.runtime.calendars)).overlaps).toEqual([expect.objectContaining({ bookingId: booked.bookingId, staff: "Morgan Lee", start: start.toISOString(), eventStart: eventStart.toISOString() })]);
    // Told once, not on every pass.
    await flagOverlaps(deps);
    expect(notices).toHaveLength(1);
    // The booking is cancelled: the flag goes.
    const cancelled = await tool("cancel_appointment", { booking_id: booked.reference }, newCallId(), "+14155550675");
    expect(cancelled.result).toMatch(/is cancelled/);
    await flagOverlaps(deps);
    expect((await bookingOverview(db, portalId, stack.app.runtime.calendars)).overlaps).toEqual([]);
    expect((await db.bookingOverlap.findFirstOrThrow({ where: { bookingId: booked.bookingId } })).resolvedAt).not.toBeNull();
  });

  it("an event made in the calendar at the same instant as the AI's booking: no two overlapping events remain, the caller gets alternatives", async () => {
    const start = zonedInstant(day(6), "14:00", TZ);
    const end = new Date(start.getTime() + 30 * 60_000);
    // The race, made deterministic: the calendar gets its own event after our live check and
    // before our event is written (what a person typing in Google Calendar at that instant does).
    const provider = stack.app.runtime.calendars.provider({ calendar: calendar.name });
    const create = provider.create.bind(provider);
    provider.create = async (account, event) => {
      await calendar.insertExternal(staffEmail, start, end);
      return create(account, event);
    };
    let answer: Record<string, any>;
    try {
      answer = await tool("book_appointment", { service_type: "Consultation", start: start.toISOString(), name: "Jordan Park" }, newCallId(), "+14155550674");
    } finally {
      provider.create = create;
    }
    expect(answer.bookingId).toBeUndefined();
    expect(answer.error).toBe("slot_taken");
    expect(answer.slots.length).toBeGreaterThan(0);
    expect(answer.slots.map((s: { start: string }) => s.start)).not.toContain(start.toISOString());
    const overlapping = live().filter((e) => e.start < end && e.end > start);
    expect(overlapping).toHaveLength(1); // only the one made in the calendar
    expect(await stack.app.runtime.db.booking.count({ where: { portalId, status: "confirmed", startAt: start } })).toBe(0);
    // The withdrawn booking keeps its whole story: booked, then withdrawn because of the calendar.
    const withdrawn = await stack.app.runtime.db.booking.findFirstOrThrow({ where: { portalId, status: "cancelled", startAt: start } });
    expect((withdrawn.history as { action: string; reason?: string }[]).map((h) => [h.action, h.reason ?? null])).toEqual([["booked", null], ["withdrawn", "calendar_conflict"]]);
  });

  it("a change notification with the wrong channel secret is refused", async () => {
    const connection = await stack.app.runtime.db.calendarConnection.findFirstOrThrow({ where: { portalId } });
    const forged =
      calendar.name === "google"
        ? await fetch(`${stack.url}/calendar/push/google`, { method: "POST", headers: { "x-goog-channel-id": connection.channelId!, "x-goog-channel-token": "forged", "x-goog-resource-id": "r", "x-goog-resource-state": "exists" } })
        : await fetch(`${stack.url}/calendar/push/microsoft`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ value: [{ subscriptionId: connection.channelId, clientState: "forged", changeType: "created", resource: "me/events/x" }] }) });
    expect(forged.status).toBe(401);
    expect((await fetch(`${stack.url}/calendar/push/outlook`, { method: "POST" })).status).toBe(404);
  });

  it("a change notification is answered before its sync: the worker syncs the calendar, and a web process whose Redis is down syncs it itself", async () => {
    const db = stack.app.runtime.db;
    const connection = await db.calendarConnection.findFirstOrThrow({ where: { portalId } });
    const secret = decrypt(connection.channelSecretEnc!, stack.env.ENCRYPTION_KEY, sealedFor("CalendarConnection", "channelSecretEnc", connection.staffId));
    // The notice the calendar sends for a change, with the channel's own secret.
    const notice = calendar.name === "google"
      ? { headers: { "x-goog-channel-id": connection.channelId!, "x-goog-channel-token": secret, "x-goog-resource-id": connection.channelResourceId ?? "r", "x-goog-resource-state": "exists" }, query: {}, body: null }
      : { headers: {}, query: {}, body: { value: [{ subscriptionId: connection.channelId, clientState: secret, changeType: "created", resource: "me/events/x" }] } };
    // The web process hands the sync to the worker's queue: the notice's answer does not wait for the calendar.
    expect(await stack.app.runtime.calendars.handlePush(calendar.name, notice)).toMatchObject({ accepted: 1, queued: 1, synced: 0 });
    const done = await stack.waitFor(async () => (await stack.app.runtime.calendarSyncQueue.getCompleted()).find((job) => job.data.staffId === connection.staffId), { what: "the worker's calendar sync" });
    expect(typeof done.returnvalue).toBe("number");
    // A web process of the same deployment whose Redis is unreachable syncs in the request instead: nothing is lost.
    const web = await startStack({ role: "web", databaseUrl: stack.databaseUrl, sharedSim: stack.sim, env: { ...calendar.env(), REDIS_URL: "redis://127.0.0.1:6399" } });
    try {
      const before = (await db.calendarConnection.findUniqueOrThrow({ where: { staffId: connection.staffId } })).lastSyncAt!;
      expect(await web.app.runtime.calendars.handlePush(calendar.name, notice)).toMatchObject({ accepted: 1, queued: 0, synced: 1 });
      expect((await db.calendarConnection.findUniqueOrThrow({ where: { staffId: connection.staffId } })).lastSyncAt!.getTime()).toBeGreaterThan(before.getTime());
    } finally {
      await web.stop();
    }
  });

  it("a calendar whose access was revoked is marked for reconnection and its staff member is not offered", async () => {
    calendar.revoke(staffEmail);
    // Force a refresh: the stored token is treated as expiring.
    await stack.app.runtime.db.calendarConnection.updateMany({ where: { portalId }, data: { expiresAt: new Date() } });
    const answer = await tool("book_appointment", { service_type: "Consultation", start: zonedInstant(day(7), "10:00", TZ).toISOString() }, newCallId(), "+14155550675");
    expect(answer.bookingId).toBeUndefined();
    const connection = await stack.app.runtime.db.calendarConnection.findFirstOrThrow({ where: { portalId } });
    expect(connection.status).toBe("needs_reauth");
    expect((await tool("check_availability", { service_type: "Consultation", date: day(7) }, newCallId(), "+14155550676")).slots).toEqual([]);
  });
});
