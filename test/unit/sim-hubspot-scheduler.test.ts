import { afterEach, describe, expect, it } from "vitest";
import { Client } from "@hubspot/api-client";
import { startHubSpotSim, type HubSpotSim, type MeetingLinkSpec, type SimOptions } from "../../simulators/hubspot/index.js";

// The simulator's HubSpot Meetings scheduler over real HTTP. @hubspot/api-client 13.x has no
// scheduler client, so these requests go through `client.apiRequest`, as the app's provider will.

const CLIENT_ID = "sim-scheduler-client";
const CLIENT_SECRET = "sim-scheduler-secret";
const REDIRECT_URI = "https://app.example/oauth/callback";
const PORTAL = "301";
const TZ = "America/New_York";
const HALF_HOUR = 30 * 60_000;
const BOOK = "/scheduler/v3/meetings/meeting-links/book";

const sims: HubSpotSim[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((sim) => sim.close()));
});

async function simulator(options: SimOptions = {}): Promise<HubSpotSim> {
  const sim = await startHubSpotSim(options);
  sims.push(sim);
  sim.registerApp({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT_URI });
  return sim;
}

async function install(sim: HubSpotSim, scopes?: string[]): Promise<Client> {
  const code = sim.issueAuthCode(PORTAL, scopes ? { scopes } : {});
  const tokens = await new Client({ basePath: sim.url }).oauth.tokensApi.create("authorization_code", code, REDIRECT_URI, CLIENT_ID, CLIENT_SECRET);
  return new Client({ accessToken: tokens.accessToken, basePath: sim.url, numberOfApiCallRetries: 0 });
}

interface Answer {
  status: number;
  body: any;
}

async function call(client: Client, method: "GET" | "POST", path: string, options: { qs?: Record<string, string>; body?: unknown } = {}): Promise<Answer> {
  const response = await client.apiRequest({ method, path, ...(options.qs ? { qs: options.qs } : {}), ...(options.body ? { body: options.body } : {}) });
  return { status: response.status, body: await response.json() };
}

/** Weekday mornings, 09:00-12:00 New York, 30-minute meetings on the half hour, 30 minutes' buffer. */
const MORNINGS: MeetingLinkSpec = {
  slug: "jo-rivera/intro",
  name: "Intro call",
  organizerUserId: "9100001",
  durationsMs: [HALF_HOUR],
  timezone: TZ,
  workingHours: [{ days: ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"], start: "09:00", end: "12:00" }],
  bufferMs: HALF_HOUR,
  startIncrementMinutes: 30,
  weeksToAdvertise: 20,
};

const availability = (client: Client, slug: string, monthOffset: number, path = "/scheduler/v3/meetings/meeting-links/book/availability-page/") =>
  call(client, "GET", `${path}${encodeURIComponent(slug)}`, { qs: { timezone: TZ, monthOffset: String(monthOffset) } });
const startsOf = (page: Answer, duration = HALF_HOUR): number[] => page.body.linkAvailability.linkAvailabilityByDuration[String(duration)].availabilities.map((a: { startMillisUtc: number }) => a.startMillisUtc);
const booking = (startTime: number, extra: Record<string, unknown> = {}) => ({ slug: MORNINGS.slug, firstName: "Ana", lastName: "Lopez", email: "ana@customer.example", startTime, duration: HALF_HOUR, timezone: TZ, locale: "en-us", formFields: [], legalConsentResponses: [], likelyAvailableUserIds: [], ...extra });

/** New York's wall clock for an instant. */
function newYork(ms: number) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: TZ, hourCycle: "h23", weekday: "short", year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" }).formatToParts(ms).map((p) => [p.type, p.value]));
  return { weekday: parts.weekday!, year: Number(parts.year), month: Number(parts.month), day: Number(parts.day), time: `${parts.hour}:${parts.minute}` };
}

/** Weekdays in the New York calendar month after the current one. */
function weekdaysNextMonth(): number {
  const now = newYork(Date.now());
  const [year, month] = now.month === 12 ? [now.year + 1, 0] : [now.year, now.month];
  const days = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  let count = 0;
  for (let day = 1; day <= days; day++) if (![0, 6].includes(new Date(Date.UTC(year, month, day)).getUTCDay())) count++;
  return count;
}

describe("HubSpot simulator: meetings scheduler", () => {
  it("lists meeting links a page at a time, with HubSpot's cursor, total and filters", async () => {
    const sim = await simulator();
    const client = await install(sim);
    for (const [slug, organizerUserId] of [["a/one", "1"], ["a/two", "1"], ["b/three", "2"]] as const) sim.addMeetingLink(PORTAL, { ...MORNINGS, slug, name: slug, organizerUserId });

    const first = await call(client, "GET", "/scheduler/v3/meetings/meeting-links", { qs: { limit: "2" } });
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(3);
    expect(first.body.results.map((l: { slug: string }) => l.slug)).toEqual(["a/one", "a/two"]);
    expect(first.body.results[0]).toMatchObject({ link: "https://meetings.hubspot.com/a/one", type: "PERSONAL_LINK", organizerUserId: "1", userIdsOfLinkMembers: ["1"] });
    const after = first.body.paging.next.after;
    const second = await call(client, "GET", "/scheduler/v3/meetings/meeting-links", { qs: { limit: "2", after } });
    expect(second.body.results.map((l: { slug: string }) => l.slug)).toEqual(["b/three"]);
    expect(second.body.paging).toBeUndefined();

    const byOrganizer = await call(client, "GET", "/scheduler/2026-03/meetings/meeting-links", { qs: { organizerUserId: "2" } });
    expect(byOrganizer.body.results.map((l: { slug: string }) => l.slug)).toEqual(["b/three"]);
    expect((await call(client, "GET", "/scheduler/v3/meetings/meeting-links", { qs: { limit: "0" } })).status).toBe(400);
  });

  it("offers a month of working-hours starts per duration, and stops offering a booked time and its buffer", async () => {
    const sim = await simulator();
    const client = await install(sim);
    sim.addMeetingLink(PORTAL, MORNINGS);

    const before = await availability(client, MORNINGS.slug, 1);
    expect(before.status).toBe(200);
    expect(before.body.linkAvailability.hasMore).toBe(true);
    expect(before.body.linkAvailability.linkAvailabilityByDuration[String(HALF_HOUR)].meetingDurationMillis).toBe(HALF_HOUR);
    const starts = startsOf(before);
    expect(starts.length).toBe(weekdaysNextMonth() * 6);
    for (const start of starts) {
      const local = newYork(start);
      expect(["Mon", "Tue", "Wed", "Thu", "Fri"]).toContain(local.weekday);
      expect(["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]).toContain(local.time);
    }

    const booked = await call(client, "POST", BOOK, { body: booking(starts[0]!) });
    expect(booked.status).toBe(200);
    const after = await availability(client, MORNINGS.slug, 1);
    // 09:00 is taken; 09:30 would start inside the 30-minute buffer after it.
    expect(startsOf(after)).toEqual(starts.slice(2));
    expect(after.body.allUsersBusyTimes[0].busyTimes).toEqual([{ start: starts[0], end: starts[0]! + HALF_HOUR }]);

    // Time the organizer's calendar has taken elsewhere is not offered either.
    sim.addBusyTime(PORTAL, MORNINGS.organizerUserId, starts[5]!, starts[5]! + 1);
    expect(startsOf(await availability(client, MORNINGS.slug, 1, "/scheduler/2026-03/meetings/meeting-links/book/availability-page/"))).toEqual(starts.slice(2).filter((s) => Math.abs(s - starts[5]!) > HALF_HOUR));
  });

  it("books: one contact found or created by email, one Meeting on it, and HubSpot's booking answer", async () => {
    const sim = await simulator();
    const client = await install(sim);
    const ownerId = sim.addOwner(PORTAL, { email: "jo@portal.example", firstName: "Jo", lastName: "Rivera" });
    const owner = (await client.crm.owners.ownersApi.getById(Number(ownerId))).userId!;
    sim.addMeetingLink(PORTAL, { ...MORNINGS, organizerUserId: String(owner), location: "Phone call", meetingType: "AI Booked Call" });
    const [first, second] = startsOf(await availability(client, MORNINGS.slug, 1)).filter((_, i) => i % 3 === 0);

    const answer = await call(client, "POST", BOOK, { body: booking(first!, { email: "Ana@Customer.example" }) });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ duration: HALF_HOUR, start: new Date(first!).toISOString(), end: new Date(first! + HALF_HOUR).toISOString(), bookingTimezone: TZ, isOffline: false, location: "Phone call" });
    expect(answer.body.calendarEventId).toMatch(/^\w{16,}$/);
    expect(answer.body.webConferenceUrl).toMatch(/^https:\/\//);

    const contacts = sim.portal(PORTAL).contacts();
    expect(contacts.map((c) => [c.id, c.properties.email, c.properties.firstname, c.properties.lastname])).toEqual([[answer.body.contactId, "ana@customer.example", "Ana", "Lopez"]]);
    const page = await client.crm.objects.meetings.basicApi.getPage(10, undefined, ["hs_meeting_start_time", "hs_meeting_outcome", "hs_meeting_source", "hubspot_owner_id", "hs_activity_type"]);
    expect(page.results).toHaveLength(1);
    expect(page.results[0]!.properties).toMatchObject({ hs_meeting_start_time: new Date(first!).toISOString(), hs_meeting_outcome: "SCHEDULED", hs_meeting_source: "INTEGRATION", hubspot_owner_id: ownerId, hs_activity_type: "AI Booked Call" });
    const links = await client.crm.associations.v4.basicApi.getPage("meetings", page.results[0]!.id, "contacts");
    expect(links.results.map((l) => String(l.toObjectId))).toEqual([answer.body.contactId]);

    // The same person again: the existing contact, a second meeting.
    const again = await call(client, "POST", BOOK, { body: booking(second!) });
    expect(again.body.contactId).toBe(answer.body.contactId);
    expect(sim.portal(PORTAL).contacts()).toHaveLength(1);
    expect(sim.portal(PORTAL).meetings().map((m) => m.associations)).toEqual([[answer.body.contactId], [answer.body.contactId]]);
  });

  it("refuses a taken time with HubSpot's error body, and of two bookings of one instant exactly one wins", async () => {
    const sim = await simulator();
    const client = await install(sim);
    sim.addMeetingLink(PORTAL, MORNINGS);
    const [first, second] = startsOf(await availability(client, MORNINGS.slug, 1)).filter((_, i) => i % 3 === 0);

    const racers = await Promise.all([1, 2, 3].map((n) => call(client, "POST", BOOK, { body: booking(first!, { email: `racer${n}@customer.example` }) })));
    expect(racers.map((r) => r.status).sort()).toEqual([200, 400, 400]);
    const loser = racers.find((r) => r.status === 400)!;
    expect(loser.body).toMatchObject({ status: "error", category: "VALIDATION_ERROR", subCategory: "MeetingsBookingSchedulingError.MEETING_START_TIME_NOT_VALID", message: "Start time must be contained in availability settings" });
    expect(loser.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sim.portal(PORTAL).meetings()).toHaveLength(1);

    // A customer takes the next time on the public page while the app's booking is on its way.
    const app = call(client, "POST", BOOK, { body: booking(second!) });
    const direct = sim.bookMeetingDirect(PORTAL, MORNINGS.slug, second!);
    expect((await app).status).toBe(400);
    expect(() => sim.bookMeetingDirect(PORTAL, MORNINGS.slug, second!)).toThrow("Start time must be contained in availability settings");
    const meetings = sim.portal(PORTAL).meetings();
    expect(meetings.map((m) => m.properties.hs_meeting_source).sort()).toEqual(["INTEGRATION", "MEETINGS_PUBLIC"]);
    expect(meetings.find((m) => m.properties.hs_meeting_source === "MEETINGS_PUBLIC")!.associations).toEqual([direct.contactId]);
  });

  it("refuses what HubSpot refuses: unknown slug, duration in minutes, no timezone, empty last name, missing form field", async () => {
    const sim = await simulator();
    const client = await install(sim);
    sim.addMeetingLink(PORTAL, { ...MORNINGS, formFields: [{ name: "phone", label: "Phone", required: true }] });
    const [start] = startsOf(await availability(client, MORNINGS.slug, 1));
    const phone = [{ name: "phone", value: "+1 415 555 0100" }];

    const unknown = await call(client, "GET", `${BOOK}/nobody%2Fnothing`, { qs: { timezone: TZ } });
    expect([unknown.status, unknown.body.message, unknown.body.status]).toEqual([404, "slug does not exist", "error"]);
    const minutes = await call(client, "POST", BOOK, { body: booking(start!, { duration: 30, formFields: phone }) });
    expect([minutes.status, minutes.body.subCategory]).toEqual([400, "MeetingsBookingSchedulingError.MEETING_DURATION_NOT_VALID"]);
    expect((await call(client, "GET", `/scheduler/v3/meetings/meeting-links/book/availability-page/${encodeURIComponent(MORNINGS.slug)}`)).status).toBe(400);
    expect((await call(client, "POST", BOOK, { body: booking(start!, { lastName: " ", formFields: phone }) })).status).toBe(400);
    const noPhone = await call(client, "POST", BOOK, { body: booking(start!) });
    expect([noPhone.status, noPhone.body.message]).toEqual([400, "required form field phone does not have a corresponding value"]);
    const past = await call(client, "POST", BOOK, { body: booking(Date.UTC(2020, 0, 6, 14), { formFields: phone }) });
    expect(past.body.subCategory).toBe("MeetingsBookingSchedulingError.MEETING_START_TIME_NOT_VALID");
    expect(sim.portal(PORTAL).contacts()).toEqual([]);

    const info = await call(client, "GET", `${BOOK}/${encodeURIComponent(MORNINGS.slug)}`, { qs: { timezone: TZ } });
    expect(info.body.customParams).toMatchObject({ durations: [HALF_HOUR], meetingBufferTime: HALF_HOUR, startTimeIncrementMinutes: "THIRTY" });
    const ok = await call(client, "POST", BOOK, { body: booking(start!, { formFields: phone }) });
    expect(ok.status).toBe(200);
    expect(sim.portal(PORTAL).contacts()[0]!.properties.phone).toBe("+1 415 555 0100");
  });

  it("books offline when the organizer's calendar is disconnected: a 200, a contact, no event, no meeting", async () => {
    const sim = await simulator();
    const client = await install(sim);
    sim.addMeetingLink(PORTAL, { ...MORNINGS, calendarConnected: false });
    const [start] = startsOf(await availability(client, MORNINGS.slug, 1));
    const answer = await call(client, "POST", BOOK, { body: booking(start!) });
    expect([answer.status, answer.body.isOffline, answer.body.calendarEventId]).toEqual([200, true, ""]);
    expect(sim.portal(PORTAL).contacts()).toHaveLength(1);
    expect(sim.portal(PORTAL).meetings()).toEqual([]);
  });

  it("needs the scheduler read scope, and contact write as well to book; limits and faults apply", async () => {
    const sim = await simulator({ tenSecondlyLimit: 1 });
    sim.addMeetingLink(PORTAL, MORNINGS);
    const noScheduler = await install(sim, ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write"]);
    const denied = await call(noScheduler, "GET", "/scheduler/v3/meetings/meeting-links");
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ status: "error", category: "MISSING_SCOPES", errors: [{ context: { requiredGranularScopes: ["scheduler.meetings.meeting-link.read"] } }] });

    const readOnly = await install(sim, ["oauth", "scheduler.meetings.meeting-link.read"]);
    const [start] = startsOf(await availability(readOnly, MORNINGS.slug, 1));
    const refused = await call(readOnly, "POST", BOOK, { body: booking(start!) });
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].context.requiredGranularScopes).toEqual(["scheduler.meetings.meeting-link.read", "crm.objects.contacts.write"]);
    expect(sim.portal(PORTAL).contacts()).toEqual([]);

    sim.failNext(1, { status: 502 });
    expect((await call(readOnly, "GET", "/scheduler/v3/meetings/meeting-links")).status).toBe(502);
    // One request of the portal fits the window: the availability read (403s and the fault never reach the limiter).
    const limited = await call(readOnly, "GET", "/scheduler/v3/meetings/meeting-links");
    expect([limited.status, limited.body.policyName]).toEqual([429, "TEN_SECONDLY_ROLLING"]);
  });
});
