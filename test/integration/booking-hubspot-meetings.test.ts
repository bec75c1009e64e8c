import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { newCallId } from "../support/payloads.js";
import { retellToolCall } from "../support/tools.js";
import { addDays, localDate, zonedInstant } from "../../server/booking/time.js";
import { bookingSetup } from "../../server/cli/booking.js";
import { REQUIRED_SCOPES } from "../../server/hubspot/scopes.js";
import type { MeetingLinkSpec } from "../../simulators/hubspot/index.js";
import { uiFetch, type UiUser } from "../support/ui.js";
import type { BookingOverview, StaffTypesResponse } from "../../hubspot-app/app/shared/api.js";

const ADMIN: UiUser = { id: "4242", email: "owner@example.com" };

// Booking on the call through a HubSpot meeting link (the portal's Meetings scheduling page), on the
// portal's own install, with HubSpot's scheduler simulated over HTTP: availability is the link's own,
// HubSpot books (and logs the contact's Meeting itself, which our outbox adopts instead of creating a
// second), a move books the new time and marks the old Meeting RESCHEDULED, a cancel marks it
// CANCELED, a customer who takes the same time on the public page leaves exactly one booking and
// alternatives for our caller, and a portal that did not grant the scheduler scope is told why.

const TZ = "America/Chicago";
const EVERY_DAY = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ["09:00", "17:00"]]));
const HALF_HOUR = 30 * 60_000;
const SLUG = "morgan-lee/consult";

describe("booking on a HubSpot meeting link", () => {
  let stack: Stack;
  let portalId: string;
  let retell: Connection;
  const staffEmail = "morgan.lee@example.com";
  const day = (offset: number) => addDays(localDate(new Date(), TZ), offset);
  const db = () => stack.app.runtime.db;
  const meetings = () => stack.sim.portal(portalId).meetings();
  const at = (offset: number, hhmm: string) => zonedInstant(day(offset), hhmm, TZ);

  async function tool(name: string, args: Record<string, unknown>, callId: string, from = "+13125550142") {
    return (await retellToolCall(stack, retell, name, args, callId, from)).body;
  }

  function setupFile(services: { name: string; durationMinutes: number }[], links: Record<string, string>): string {
    const file = join(tmpdir(), `booking-hubspot-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ timezone: TZ, services, staff: [{ name: "Morgan Lee", email: staffEmail, calendar: "hubspot", timezone: TZ, hours: EVERY_DAY, hubspot: { links } }] }));
    return file;
  }

  beforeAll(async () => {
    // HubSpot's search shows a new Meeting only after a while: the outbox finds HubSpot's own Meeting
    // through search, so it must retry until it appears rather than create one.
    stack = await startStack({ sim: { searchLagMs: 1_500 } });
    portalId = await stack.install();
    retell = await stack.connect(portalId, "retell");
    const organizer = stack.sim.addUser(portalId, { email: staffEmail, firstName: "Morgan", lastName: "Lee" });
    const link: MeetingLinkSpec = {
      slug: SLUG,
      name: "Consultation with Morgan",
      organizerUserId: organizer,
      durationsMs: [HALF_HOUR, 2 * HALF_HOUR],
      timezone: TZ,
      workingHours: [{ days: ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"], start: "09:00", end: "17:00" }],
      startIncrementMinutes: 30,
      weeksToAdvertise: 6,
    };
    stack.sim.addMeetingLink(portalId, link);
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("the set-up maps services to the portal's links on its own install; a service whose length the link does not offer gets a readable problem", async () => {
    const setup = (await bookingSetup(stack.app.runtime, ["--portal", portalId, "--file", setupFile([{ name: "Consultation", durationMinutes: 30 }, { name: "Deep dive", durationMinutes: 45 }], { Consultation: `https://meetings.hubspot.com/${SLUG}`, "Deep dive": SLUG })])) as { calendars: Record<string, unknown>[] };
    expect(setup.calendars).toEqual([{ staff: staffEmail, calendar: "hubspot", status: "connected", links: 1 }]);
    const connection = await db().calendarConnection.findFirstOrThrow({ where: { portalId } });
    expect(connection).toMatchObject({ provider: "hubspot", status: "connected", refreshTokenEnc: null });
    const types = await db().staffServiceType.findMany({ where: { staffId: connection.staffId }, include: { serviceType: true } });
    expect(types.map((t) => [t.serviceType.name, t.externalTypeId, t.problem])).toEqual(
      expect.arrayContaining([
        ["Consultation", SLUG, null],
        ["Deep dive", SLUG, expect.stringMatching(/lasts 30 or 60 minutes but Deep dive lasts 45/)],
      ]),
    );
    expect((await tool("check_availability", { service_type: "Deep dive", date: day(2) }, newCallId())).slots).toEqual([]);
  });

  it("the Booking tab connects a meeting-link staff member on the app's own install, lists the portal's links with their lengths, and maps one per service", async () => {
    stack.sim.addUser(portalId, { id: ADMIN.id, email: ADMIN.email, superAdmin: true });
    const ui = (path: string, method = "GET", body?: unknown) => uiFetch(stack, path, { portal: portalId, user: ADMIN, method, ...(body === undefined ? {} : { body }) });
    const overview = (await ui("/ui/v1/booking")).body as BookingOverview;
    expect(overview.meetingLinksNeedScope).toBeUndefined();
    const member = overview.staff.find((m) => m.email === staffEmail)!;
    expect(member).toMatchObject({ calendar: "hubspot", calendarStatus: "connected" });
    expect(await ui(`/ui/v1/booking/staff/${member.id}/connect-link`, "POST")).toEqual({ status: 200, body: { connected: true, label: "HubSpot meeting link", links: 1 } });
    const listed = (await ui(`/ui/v1/booking/staff/${member.id}/types`)).body as StaffTypesResponse;
    expect(listed.types).toEqual([expect.objectContaining({ id: SLUG, name: "Consultation with Morgan", durationMinutes: 30, durationsMinutes: [30, 60] })]);
    const refused = await ui(`/ui/v1/booking/staff/${member.id}/types`, "PUT", { types: { Consultation: SLUG, "Deep dive": "nobody/else" } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body.problems)).toMatch(/HubSpot meeting link has no active meeting link nobody\/else for Deep dive/);
    const saved = await ui(`/ui/v1/booking/staff/${member.id}/types`, "PUT", { types: { Consultation: SLUG } });
    expect(saved.status).toBe(200);
    expect(await db().staffServiceType.findMany({ where: { staffId: member.id }, select: { externalTypeId: true, problem: true } })).toEqual([{ externalTypeId: SLUG, problem: null }]);
  });

  let bookingId: string;
  let firstMeetingId: string;

  it("05 booking call: HubSpot books the link for the service's length, logs one Meeting itself, and our outbox adopts it instead of creating another", async () => {
    const callId = newCallId();
    const offer = await tool("check_availability", { service_type: "Consultation", date: day(2), time_window: "morning" }, callId);
    expect(offer.slots).toHaveLength(3);
    expect(offer.slots[0].start).toBe(at(2, "09:00").toISOString());
    // HubSpot books only with an e-mail and a last name: the AI is told to ask, and the slot stays held.
    const asked = await tool("book_appointment", { service_type: "Consultation", start: offer.slots[0].start, name: "Riley" }, callId);
    expect(asked.result).toBe("To book that I need your e-mail address and your last name; the confirmation is sent there. What are they?");
    expect(asked.missing).toEqual(["email", "lastName"]);
    expect(meetings()).toHaveLength(0);
    const booked = await tool("book_appointment", { service_type: "Consultation", start: offer.slots[0].start, name: "Riley Chen", email: "riley.chen@example.com" }, callId);
    expect(booked.result).toMatch(/You're booked for a Consultation .* with Morgan Lee/);
    bookingId = booked.bookingId;
    const [meeting] = meetings();
    expect(meetings()).toHaveLength(1);
    expect(meeting!.properties).toMatchObject({ hs_meeting_source: "INTEGRATION", hs_meeting_start_time: offer.slots[0].start, hs_meeting_end_time: new Date(Date.parse(offer.slots[0].start) + HALF_HOUR).toISOString() });
    const contact = stack.sim.portal(portalId).object("contacts", meeting!.associations[0]!)!;
    expect(contact.properties).toMatchObject({ email: "riley.chen@example.com", firstname: "Riley", lastname: "Chen" });
    // The Meeting id is stored as soon as it is adopted, the synced version just after: wait for both.
    await stack.waitFor(async () => {
      const adopted = await db().booking.findUniqueOrThrow({ where: { id: bookingId } });
      return adopted.hubspotMeetingId === meeting!.id && adopted.meetingSyncedVersion >= adopted.meetingVersion;
    }, { what: "meeting adopted", timeoutMs: 60_000 });
    const row = await db().booking.findUniqueOrThrow({ where: { id: bookingId } });
    expect(row).toMatchObject({ status: "confirmed", contactId: contact.id, externalEventId: expect.stringMatching(new RegExp(`^${contact.id}:`)) });
    expect(row.meetingSyncedVersion).toBe(row.meetingVersion);
    firstMeetingId = meeting!.id;
    expect(meetings()).toHaveLength(1);
    expect(meetings()[0]!.properties.hs_meeting_body).toContain("Booked by the AI receptionist: Consultation (30 minutes) with Morgan Lee.");
  });

  it("the guide's race: a customer takes the same time on the public page at the same instant; one booking, and our caller is offered other times", async () => {
    const callId = newCallId();
    const offer = await tool("check_availability", { service_type: "Consultation", date: day(3), time_window: "morning" }, callId, "+13125550177");
    const wanted = offer.slots[0].start as string;
    // The customer's booking lands between our live check and our write: HubSpot's own book refuses ours.
    const runtime = stack.app.runtime;
    const scheduling = runtime.calendars.provider({ calendar: "hubspot" }).scheduling!;
    const check = scheduling.check;
    scheduling.check = async (...args) => {
      const open = await check(...args);
      stack.sim.bookMeetingDirect(portalId, SLUG, Date.parse(wanted), { firstName: "Walk", lastName: "In", email: "walk.in@customer.example" });
      return open;
    };
    let answer: Record<string, any>;
    try {
      answer = await tool("book_appointment", { service_type: "Consultation", start: wanted, name: "Sam Ortiz", email: "sam.ortiz@example.com" }, callId, "+13125550177");
    } finally {
      scheduling.check = check;
    }
    expect(answer.result).toMatch(/^That time was just taken\. I can offer /);
    expect(answer.slots.length).toBeGreaterThan(0);
    expect(answer.slots.map((s: { start: string }) => s.start)).not.toContain(wanted);
    const atWanted = meetings().filter((m) => m.properties.hs_meeting_start_time === wanted);
    expect(atWanted.map((m) => m.properties.hs_meeting_source)).toEqual(["MEETINGS_PUBLIC"]);
    expect(await db().booking.count({ where: { portalId, status: "confirmed", startAt: new Date(wanted) } })).toBe(0);
    const withdrawn = await db().booking.findFirstOrThrow({ where: { portalId, vendorCallId: callId, status: "cancelled" } });
    expect((withdrawn.history as { action: string; reason?: string }[]).map((h) => [h.action, h.reason ?? null])).toEqual([["booked", null], ["withdrawn", "calendar_conflict"]]);
  });

  it("a time booked on the public page is not offered to the next caller", async () => {
    const taken = at(5, "09:00");
    stack.sim.bookMeetingDirect(portalId, SLUG, taken.getTime(), { firstName: "Jo", lastName: "Park", email: "jo.park@customer.example" });
    // The openings of a day are reused for at most 15 s: a new day is read fresh.
    const offer = await tool("check_availability", { service_type: "Consultation", date: day(5), time_window: "morning" }, newCallId(), "+13125550188");
    expect(offer.slots.map((s: { start: string }) => s.start)).not.toContain(taken.toISOString());
    expect(offer.slots[0].start).toBe(at(5, "09:30").toISOString());
  });

  it("06 as a caller makes it: availability, then the move; HubSpot books the new time, the old Meeting is marked RESCHEDULED, one booking", async () => {
    const callId = newCallId();
    const offer = await tool("check_availability", { service_type: "Consultation", date: day(4), time_window: "afternoon" }, callId);
    const chosen = offer.slots[1].start as string;
    const before = await db().booking.findUniqueOrThrow({ where: { id: bookingId } });
    const moved = await tool("reschedule_appointment", { new_start: chosen }, callId);
    expect(moved.result).toMatch(/^Done: your Consultation is moved to .*\. You'll get a new confirmation by e-mail for the new time\.$/);
    expect(moved.bookingId).toBe(bookingId);
    const row = await db().booking.findUniqueOrThrow({ where: { id: bookingId } });
    expect(row).toMatchObject({ status: "confirmed", startAt: new Date(chosen) });
    expect(row.externalEventId).not.toBe(before.externalEventId);
    expect((row.history as Record<string, unknown>[]).map((h) => h.action)).toEqual(["booked", "rescheduled"]);
    expect((row.history as Record<string, unknown>[])[1]).toMatchObject({ fromEvent: before.externalEventId, toEvent: row.externalEventId });
    await stack.waitFor(async () => {
      const adopted = await db().booking.findUniqueOrThrow({ where: { id: bookingId } });
      return adopted.hubspotMeetingId !== firstMeetingId && adopted.meetingSyncedVersion >= adopted.meetingVersion;
    }, { what: "new meeting adopted", timeoutMs: 60_000 });
    const old = stack.sim.portal(portalId).object("meetings", firstMeetingId)!;
    expect(old.properties.hs_meeting_outcome).toBe("RESCHEDULED");
    expect(old.properties.hs_meeting_body).toContain("delete it from Morgan Lee's calendar");
    const adopted = (await db().booking.findUniqueOrThrow({ where: { id: bookingId } })).hubspotMeetingId!;
    expect(stack.sim.portal(portalId).object("meetings", adopted)!.properties).toMatchObject({ hs_meeting_start_time: chosen, hs_meeting_outcome: "SCHEDULED", hs_meeting_source: "INTEGRATION" });
    // HubSpot's two Meetings of this caller, the old one marked, none created by us.
    expect(meetings().filter((m) => m.properties.hs_meeting_source === "INTEGRATION")).toHaveLength(2);
    expect(meetings().every((m) => m.properties.hs_meeting_source)).toBe(true);
  });

  it("07 cancel call: our booking is cancelled, HubSpot's Meeting marked CANCELED with the note for the organizer, and the caller told no e-mail goes out", async () => {
    const cancelled = await tool("cancel_appointment", { reason: "feeling better" }, newCallId());
    expect(cancelled.result).toMatch(/^Your Consultation .* is cancelled\. No cancellation e-mail goes out automatically; the team has been told\.$/);
    expect((await db().booking.findUniqueOrThrow({ where: { id: bookingId } })).status).toBe("cancelled");
    await stack.waitFor(async () => {
      const row = await db().booking.findUniqueOrThrow({ where: { id: bookingId } });
      return row.meetingSyncedVersion === row.meetingVersion && stack.sim.portal(portalId).object("meetings", row.hubspotMeetingId!)!.properties.hs_meeting_outcome === "CANCELED";
    }, { what: "meeting cancelled", timeoutMs: 60_000 });
    const row = await db().booking.findUniqueOrThrow({ where: { id: bookingId } });
    expect(stack.sim.portal(portalId).object("meetings", row.hubspotMeetingId!)!.properties.hs_meeting_body).toContain("Cancelled by the caller on an AI call.");
    expect(meetings().filter((m) => m.properties.hs_meeting_source === "INTEGRATION")).toHaveLength(2);
  });

  it("a portal installed without the optional scheduler scope is told to re-authorise, and its meeting-link staff are not offered", async () => {
    const other = await stack.install(undefined, { scopes: [...REQUIRED_SCOPES] });
    const otherRetell = await stack.connect(other, "retell");
    stack.sim.addMeetingLink(other, { slug: "solo/intro", name: "Intro", organizerUserId: stack.sim.addUser(other, { email: staffEmail }), durationsMs: [HALF_HOUR], timezone: TZ, workingHours: [{ days: ["MONDAY"], start: "09:00", end: "10:00" }] });
    const setup = (await bookingSetup(stack.app.runtime, ["--portal", other, "--file", setupFile([{ name: "Consultation", durationMinutes: 30 }], { Consultation: "solo/intro" })])) as { calendars: Record<string, unknown>[] };
    expect(setup.calendars).toEqual([{ staff: staffEmail, calendar: "hubspot", status: "not_connected", problem: expect.stringMatching(/re-authorise the app/) }]);
    // The settings page says so, with where a super admin re-authorises; its connect step says why not.
    stack.sim.addUser(other, { id: ADMIN.id, email: ADMIN.email, superAdmin: true });
    const overview = (await uiFetch(stack, "/ui/v1/booking", { portal: other, user: ADMIN })).body as BookingOverview;
    expect(overview.meetingLinksNeedScope).toEqual({ staff: ["Morgan Lee"], reconnectUrl: expect.stringMatching(/\/oauth\/install$/) });
    const staffId = overview.staff[0]!.id;
    expect(overview.staff[0]).toMatchObject({ calendar: "hubspot", calendarStatus: "not_connected" });
    const connect = await uiFetch(stack, `/ui/v1/booking/staff/${staffId}/connect-link`, { portal: other, user: ADMIN, method: "POST" });
    expect(connect).toEqual({ status: 409, body: { error: expect.stringMatching(/^Morgan Lee's HubSpot meeting links cannot be used: .*re-authorise the app/) } });
    const offer = (await retellToolCall(stack, otherRetell, "check_availability", { service_type: "Consultation", date: day(2) }, newCallId(), "+13125550199")).body;
    expect(offer.slots).toEqual([]);
    // The install link asks for it as an optional scope: existing installs keep working without it.
    const install = new URL((await fetch(`${stack.url}/oauth/install`, { redirect: "manual" })).headers.get("location")!);
    expect(install.searchParams.get("optional_scope")!.split(" ")).toContain("scheduler.meetings.meeting-link.read");
    expect(install.searchParams.get("scope")!.split(" ")).not.toContain("scheduler.meetings.meeting-link.read");
  });
});
