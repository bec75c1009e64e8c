import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { startStack, type Stack } from "../support/harness.js";
import { uiFetch, type UiRequest, type UiUser } from "../support/ui.js";
import { applyBookingSetup, type BookingSetup } from "../../server/booking/setup.js";
import { bookingWebhookKey } from "../../server/cli/booking.js";
import { addDays, localDate, zonedInstant } from "../../server/booking/time.js";
import { startAcuitySim, type AcuitySim } from "../../simulators/acuity/index.js";
import { startCalendlySim, type CalendlySim } from "../../simulators/calendly/index.js";
import type { BookingOverview, StaffTypesResponse, StaffView } from "../../hubspot-app/app/shared/api.js";

// The Booking tab maps a staff member's scheduling-system types to services without the CLI: the
// signed /ui/v1 routes against the Acuity and Calendly simulators over HTTP. The staff members
// connect through the page's own connect links; the mapping is listed live, checked per field in
// checkTypes' words, saved as a whole, and the Acuity API key that signs its webhooks is stored
// (never shown back) while Calendly's, which the app chose, cannot be given.

const TZ = "America/Los_Angeles";
const EVERY_DAY = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ["09:00", "17:00"] as [string, string]]));
const ACUITY_HOURS = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [["09:00", "17:00"]]]));
const CALENDLY_HOURS = Object.fromEntries([0, 1, 2, 3, 4, 5, 6].map((d) => [d, [{ from: "09:00", to: "17:00" }]]));
const ADMIN: UiUser = { id: "42", email: "admin@example.com" };
const REP: UiUser = { id: "43", email: "rep@example.com" };
const MORGAN = "morgan.lee@example.com";
const DANA = "dana.reyes@example.com";

describe("the Booking tab maps scheduling-system types to services", () => {
  let acuity: AcuitySim;
  let calendly: CalendlySim;
  let stack: Stack;
  let portalId: string;
  let otherPortal: string;
  const ids: Record<string, string> = {};
  let acuityType: Record<string, string>;
  let calendlyType: Record<string, string>;
  let calendarID: string;

  const db = () => stack.app.runtime.db;
  const ui = (path: string, options: Partial<UiRequest> = {}) => uiFetch(stack, path, { ...options, portal: options.portal ?? portalId, user: options.user ?? ADMIN });
  const types = (email: string, options: Partial<UiRequest> = {}) => ui(`/ui/v1/booking/staff/${ids[email]}/types`, options);
  const saveTypes = (email: string, body: unknown, options: Partial<UiRequest> = {}) => types(email, { method: "PUT", body, ...options });
  const saveKey = (email: string, key: string, options: Partial<UiRequest> = {}) => ui(`/ui/v1/booking/staff/${ids[email]}/webhook-key`, { method: "PUT", body: { key }, ...options });
  const rows = (email: string) => db().staffServiceType.findMany({ where: { staffId: ids[email] }, include: { serviceType: true }, orderBy: { externalTypeId: "asc" } }).then((list) => list.map((r) => ({ service: r.serviceType.name, typeId: r.externalTypeId, problem: r.problem })));
  const overviewOf = async (email: string): Promise<StaffView> => ((await ui("/ui/v1/booking")).body as BookingOverview).staff.find((m) => m.email === email)!;

  /** The staff member opens the link the page gives, as they would, and approves (the simulators consent at once). */
  async function connect(email: string) {
    const link = await ui(`/ui/v1/booking/staff/${ids[email]}/connect-link`, { method: "POST" });
    expect(link.status).toBe(200);
    const consent = await fetch(link.body.connectUrl, { redirect: "manual" });
    const back = new URL(consent.headers.get("location")!);
    const callback = await fetch(`${stack.url}${back.pathname}${back.search}`);
    expect(callback.status).toBe(200);
  }

  const SETUP = (): BookingSetup => ({
    timezone: TZ,
    services: [{ name: "Consultation", durationMinutes: 30 }, { name: "Deep dive", durationMinutes: 60 }],
    staff: [
      { name: "Alex Rivera", email: "alex@example.com", calendar: "builtin", hours: EVERY_DAY },
      { name: "Dana Reyes", email: DANA, calendar: "calendly", hours: EVERY_DAY },
      { name: "Jo Park", email: "jo.park@example.com", calendar: "acuity", hours: EVERY_DAY },
      // Mapped with the CLI's file before connecting: a 45-minute type for a 60-minute service.
      { name: "Morgan Lee", email: MORGAN, calendar: "acuity", hours: EVERY_DAY, acuity: { appointmentTypes: { Consultation: acuityType.Consultation!, "Deep dive": acuityType["Deep dive"]! } } },
    ],
  });

  beforeAll(async () => {
    acuity = await startAcuitySim({ timezone: TZ, calendars: [{ name: "Morgan Lee", email: MORGAN, hours: ACUITY_HOURS }], appointmentTypes: [{ name: "Consultation", duration: 30 }, { name: "Deep dive", duration: 45 }, { name: "Long session", duration: 60 }] });
    acuityType = Object.fromEntries(acuity.appointmentTypes().map((t) => [t.name, String(t.id)]));
    calendarID = String(acuity.calendars()[0]!.id);
    calendly = await startCalendlySim();
    calendly.user(DANA, { name: "Dana Reyes", timezone: TZ, hours: CALENDLY_HOURS });
    calendly.updateEventType(calendly.eventTypes(DANA)[0]!.uri, { name: "Consultation", duration: 30 });
    calendly.addEventType(DANA, { name: "Deep dive", duration: 45 });
    calendlyType = Object.fromEntries(calendly.eventTypes(DANA).map((t) => [t.name, t.uuid]));
    const a = acuity.config();
    const c = calendly.config();
    stack = await startStack({
      env: {
        ACUITY_CLIENT_ID: a.clientId, ACUITY_CLIENT_SECRET: a.clientSecret, ACUITY_API_BASE_URL: a.apiBaseUrl, ACUITY_AUTH_BASE_URL: a.oauthBaseUrl,
        CALENDLY_CLIENT_ID: c.clientId, CALENDLY_CLIENT_SECRET: c.clientSecret, CALENDLY_API_BASE_URL: c.apiBaseUrl, CALENDLY_AUTH_BASE_URL: c.authBaseUrl,
      },
    });
    // The providers post their webhooks to this stack (in production: PUBLIC_BASE_URL).
    stack.app.runtime.env.CALENDAR_PUSH_BASE_URL = stack.url;
    portalId = await stack.install();
    otherPortal = await stack.install();
    for (const portal of [portalId, otherPortal]) stack.sim.addUser(portal, { id: ADMIN.id, email: ADMIN.email, superAdmin: true });
    stack.sim.addUser(portalId, { id: REP.id, email: REP.email, superAdmin: false });
    await applyBookingSetup(db(), portalId, SETUP());
    for (const member of await db().staffMember.findMany({ where: { portalId } })) ids[member.email] = member.id;
  });
  afterAll(async () => {
    await stack?.stop();
    await acuity?.stop();
    await calendly?.stop();
  });

  it("before the calendar is connected: 409 saying to connect it first; a calendar without types: 409 saying so", async () => {
    for (const answer of [await types(MORGAN), await saveTypes(MORGAN, { types: { Consultation: acuityType.Consultation } })]) {
      expect(answer).toEqual({ status: 409, body: { error: "Connect Morgan Lee's Acuity Scheduling first (not connected yet); then choose which of its types serves each service." } });
    }
    expect(await types("alex@example.com")).toEqual({ status: 409, body: { error: "Alex Rivera's calendar (built-in) has no types to map: services are booked on it within Alex Rivera's working hours." } });
    // The overview already shows the CLI's mapping, unchecked; no key is asked for before connecting.
    expect(await overviewOf(MORGAN)).toMatchObject({ serviceTypes: [{ service: "Consultation", typeId: acuityType.Consultation, problem: null }, { service: "Deep dive", typeId: acuityType["Deep dive"], problem: null }], webhookKey: null });
    expect(await overviewOf("alex@example.com")).toMatchObject({ serviceTypes: null, webhookKey: null });
  });

  it("Acuity: the types its calendar offers and the mapping per service, with the problem the connect check found", async () => {
    await connect(MORGAN);
    const listed = await types(MORGAN);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      staffId: ids[MORGAN],
      provider: "Acuity Scheduling",
      types: [
        { id: acuityType.Consultation, name: "Consultation", durationMinutes: 30 },
        { id: acuityType["Deep dive"], name: "Deep dive", durationMinutes: 45 },
        { id: acuityType["Long session"], name: "Long session", durationMinutes: 60 },
      ],
      mapping: [
        { service: "Consultation", typeId: acuityType.Consultation, problem: null },
        { service: "Deep dive", typeId: acuityType["Deep dive"], problem: `Acuity Scheduling's "Deep dive" (${acuityType["Deep dive"]}) lasts 45 minutes but Deep dive lasts 60: make them the same, or map another type` },
      ],
      calendarId: null,
      webhookKey: "missing",
    } satisfies StaffTypesResponse);
    expect((await overviewOf(MORGAN)).serviceTypes![1]!.problem).toMatch(/lasts 45 minutes but Deep dive lasts 60/);
  });

  it("Acuity: a type it does not offer, a type of the wrong length, a service that does not exist: 400 with a reason per field, nothing saved", async () => {
    const before = await rows(MORGAN);
    const refused = await saveTypes(MORGAN, { types: { Consultation: "999999", "Deep dive": acuityType["Deep dive"], Massage: acuityType.Consultation } });
    expect(refused.status).toBe(400);
    expect(refused.body.problems).toEqual([
      { service: "Consultation", field: "type", error: "Acuity Scheduling has no active appointment type 999999 for Consultation" },
      { service: "Deep dive", field: "type", error: `Acuity Scheduling's "Deep dive" (${acuityType["Deep dive"]}) lasts 45 minutes but Deep dive lasts 60: make them the same, or map another type` },
      { service: "Massage", field: "type", error: '"Massage" is not one of the services (Consultation, Deep dive)' },
    ]);
    expect(refused.body.error).toBe(`Nothing was saved. ${refused.body.problems.map((p: { error: string }) => p.error).join("; ")}`);
    const shape = await saveTypes(MORGAN, { types: { Consultation: 42 }, calendarId: "the big one" });
    expect(shape.status).toBe(400);
    expect(shape.body.problems).toEqual([
      { service: "Consultation", field: "type", error: '"Consultation": a type is chosen by its id' },
      { service: null, field: "calendarId", error: "calendar id: an Acuity calendar id is a number" },
    ]);
    expect(await rows(MORGAN)).toEqual(before);
  });

  it("Acuity: a valid mapping with its calendar is saved as a whole, checked again, returned, shown in the overview and logged", async () => {
    const saved = await saveTypes(MORGAN, { types: { Consultation: acuityType.Consultation, "Deep dive": acuityType["Long session"] }, calendarId: calendarID });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      mapping: [
        { service: "Consultation", typeId: acuityType.Consultation, problem: null },
        { service: "Deep dive", typeId: acuityType["Long session"], problem: null },
      ],
      calendarId: calendarID,
    });
    expect(await rows(MORGAN)).toEqual([
      { service: "Consultation", typeId: acuityType.Consultation, problem: null },
      { service: "Deep dive", typeId: acuityType["Long session"], problem: null },
    ].sort((x, y) => x.typeId.localeCompare(y.typeId)));
    expect((await db().staffMember.findUniqueOrThrow({ where: { id: ids[MORGAN] } })).externalCalendarId).toBe(calendarID);
    // checkTypes ran on the saved rows: Acuity was asked for its types again after the save.
    expect(acuity.requests.filter((r) => r.path === "/api/v1/appointment-types").length).toBeGreaterThanOrEqual(2);
    expect((await overviewOf(MORGAN)).serviceTypes).toEqual(saved.body.mapping);
    const [entry] = (await ui("/ui/v1/audit?limit=1")).body.entries;
    expect(entry).toMatchObject({ action: "booking.types_saved", target: ids[MORGAN], actor: { email: ADMIN.email }, summary: `Morgan Lee's services on Acuity Scheduling: Consultation → ${acuityType.Consultation}, Deep dive → ${acuityType["Long session"]} (calendar ${calendarID})` });

    // A service left out is no longer offered for them; no calendar id: the account's only one.
    const fewer = await saveTypes(MORGAN, { types: { Consultation: acuityType.Consultation } });
    expect(fewer.body).toMatchObject({ mapping: [{ service: "Consultation", typeId: acuityType.Consultation }, { service: "Deep dive", typeId: null, problem: null }], calendarId: null });
  });

  it("saves of one portal's set-up queue behind each other on its settings row: each waits its turn, every one answers, one mapping stands", async () => {
    const other = new pg.Client({ connectionString: stack.databaseUrl });
    await other.connect();
    try {
      // Another save of this portal's set-up (the staff list, say), left uncommitted: it holds the settings row.
      await other.query("BEGIN");
      await other.query(`SELECT "portalId" FROM "BookingSettings" WHERE "portalId" = $1 FOR UPDATE`, [portalId]);
      const bodies = [0, 1, 2, 3].map((i) => ({ types: { Consultation: acuityType.Consultation!, ...(i % 2 ? { "Deep dive": acuityType["Long session"]! } : {}) } }));
      const answered: number[] = [];
      const saving = Promise.all(bodies.map((body, i) => saveTypes(MORGAN, body).then((answer) => (answered.push(i), answer))));
      await stack.waitFor(async () => (await db().$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)[0]!.n >= 1, { what: "a save waiting on the settings row" });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(answered).toEqual([]);
      await other.query("COMMIT");
      expect((await saving).map((a) => a.status)).toEqual([200, 200, 200, 200]);
    } finally {
      await other.end();
    }
    const stored = await rows(MORGAN);
    expect([1, 2]).toContain(stored.length);
    expect(stored.every((r) => r.problem === null)).toBe(true);
  });

  it("Acuity's API key: asked for until stored, never shown back, and then Acuity's webhooks are accepted", async () => {
    expect((await overviewOf(MORGAN)).webhookKey).toBe("missing");
    // Without the key a booking made directly in Acuity cannot be verified: it is not seen until the next read.
    const start = zonedInstant(addDays(localDate(new Date(), TZ), 3), "10:00", TZ);
    const direct = () => acuity.bookDirect({ datetime: start.toISOString().replace(".000Z", "Z"), appointmentTypeID: Number(acuityType.Consultation), calendarID: Number(calendarID), firstName: "Sam", lastName: "Ortiz", email: "sam.ortiz@example.com" });
    const first = direct();
    await acuity.settle();
    expect(await db().externalBusy.count({ where: { staffId: ids[MORGAN], eventId: String(first.id) } })).toBe(0);

    const key = acuity.config().apiKey;
    expect(await saveKey(MORGAN, "short")).toEqual({ status: 400, body: { error: "Nothing was stored: that is too short for an API key." } });
    expect(await saveKey(MORGAN, key)).toEqual({ status: 200, body: { webhookKey: "stored" } });
    const overview = await ui("/ui/v1/booking");
    expect(overview.body.staff.find((m: StaffView) => m.email === MORGAN).webhookKey).toBe("stored");
    acuity.cancelDirect(first.id);
    const second = acuity.bookDirect({ datetime: zonedInstant(addDays(localDate(new Date(), TZ), 3), "11:00", TZ).toISOString().replace(".000Z", "Z"), appointmentTypeID: Number(acuityType.Consultation), calendarID: Number(calendarID), firstName: "Sam", lastName: "Ortiz", email: "sam.ortiz@example.com" });
    await stack.waitFor(() => db().externalBusy.findFirst({ where: { staffId: ids[MORGAN], eventId: String(second.id) } }), { what: "the direct booking as busy time, through the verified webhook" });

    const audit = await ui("/ui/v1/audit?limit=5");
    expect(audit.body.entries[0]).toMatchObject({ action: "booking.webhook_key_set", target: ids[MORGAN] });
    const stored = JSON.stringify(await db().auditEntry.findMany({ where: { portalId } }));
    expect(JSON.stringify(overview.body) + JSON.stringify(audit.body) + stored + JSON.stringify((await types(MORGAN)).body)).not.toContain(key);
  });

  it("Calendly: its event types listed and mapped; its key was chosen by the app, so none is asked for and one given is refused", async () => {
    await connect(DANA);
    const listed = await types(DANA);
    expect(listed.body).toMatchObject({ provider: "Calendly", types: expect.arrayContaining([{ id: calendlyType.Consultation, name: "Consultation", durationMinutes: 30 }, { id: calendlyType["Deep dive"], name: "Deep dive", durationMinutes: 45 }]), mapping: [{ service: "Consultation", typeId: null, problem: null }, { service: "Deep dive", typeId: null, problem: null }], webhookKey: null });
    const wrong = await saveTypes(DANA, { types: { "Deep dive": calendlyType["Deep dive"] } });
    expect(wrong.body.problems).toEqual([{ service: "Deep dive", field: "type", error: `Calendly's "Deep dive" (${calendlyType["Deep dive"]}) lasts 45 minutes but Deep dive lasts 60: make them the same, or map another type` }]);
    const saved = await saveTypes(DANA, { types: { Consultation: calendlyType.Consultation } });
    expect(saved.status).toBe(200);
    expect(saved.body.mapping).toEqual([{ service: "Consultation", typeId: calendlyType.Consultation, problem: null }, { service: "Deep dive", typeId: null, problem: null }]);
    expect(await rows(DANA)).toEqual([{ service: "Consultation", typeId: calendlyType.Consultation, problem: null }]);

    const keyBefore = (await db().calendarConnection.findUniqueOrThrow({ where: { staffId: ids[DANA] } })).webhookKeyEnc;
    expect(keyBefore).toMatch(/^v2\./);
    expect(await saveKey(DANA, "a-key-someone-pasted-0123")).toEqual({ status: 409, body: { error: "Nothing was stored: Calendly signs Dana Reyes's change notifications with a key the app chose when the calendar was connected, so there is no key to give." } });
    await expect(bookingWebhookKey(stack.app.runtime, ["--portal", portalId, "--staff", DANA], "a-key-someone-pasted-0123")).rejects.toThrow(/a key the app chose/);
    expect((await db().calendarConnection.findUniqueOrThrow({ where: { staffId: ids[DANA] } })).webhookKeyEnc).toBe(keyBefore);
    expect((await overviewOf(DANA)).webhookKey).toBeNull();
  });

  it("another portal's staff id is not found (404) on every route; nothing changes", async () => {
    const before = await rows(MORGAN);
    for (const answer of [await types(MORGAN, { portal: otherPortal }), await saveTypes(MORGAN, { types: {} }, { portal: otherPortal }), await saveKey(MORGAN, "another-portals-key-0123", { portal: otherPortal })]) {
      expect(answer).toEqual({ status: 404, body: { error: "no such staff member in this portal" } });
    }
    expect(await rows(MORGAN)).toEqual(before);
  });

  it("a user who is not a super admin may read the mapping but gets 403 on both writes; nothing changes", async () => {
    const before = { rows: await rows(MORGAN), key: (await db().calendarConnection.findUniqueOrThrow({ where: { staffId: ids[MORGAN] } })).webhookKeyEnc };
    expect((await types(MORGAN, { user: REP })).status).toBe(200);
    for (const answer of [await saveTypes(MORGAN, { types: {} }, { user: REP }), await saveKey(MORGAN, "a-reps-guess-0123456", { user: REP })]) {
      expect(answer).toEqual({ status: 403, body: { error: "Only a super admin can change this.", code: "not_super_admin" } });
    }
    expect({ rows: await rows(MORGAN), key: (await db().calendarConnection.findUniqueOrThrow({ where: { staffId: ids[MORGAN] } })).webhookKeyEnc }).toEqual(before);
  });

  it("Acuity not answering: 502 with a sentence, and nothing changes", async () => {
    const before = await rows(MORGAN);
    acuity.failNext(2, 503);
    expect(await types(MORGAN)).toEqual({ status: 502, body: { error: "Acuity Scheduling did not answer, so Morgan Lee's types could not be read and nothing was changed. Try again in a minute." } });
    const saving = await saveTypes(MORGAN, { types: {} });
    expect(saving.status).toBe(502);
    expect(await rows(MORGAN)).toEqual(before);
  });

  it("a staff member moved to another calendar starts unmapped (the old calendar's ids mean nothing there), and the CLI still maps the same rows", async () => {
    expect((await rows(MORGAN)).length).toBeGreaterThan(0);
    const setup = SETUP();
    const staff = setup.staff.map((m) => ({ name: m.name, email: m.email, calendar: m.email === MORGAN ? "calendly" : m.calendar, hours: m.hours }));
    expect((await ui("/ui/v1/booking/staff", { method: "PUT", body: { staff } })).status).toBe(200);
    expect(await rows(MORGAN)).toEqual([]);
    expect((await db().staffMember.findUniqueOrThrow({ where: { id: ids[MORGAN] } })).externalCalendarId).toBeNull();
    // Dana kept her calendar, so she kept her mapping.
    expect(await rows(DANA)).toHaveLength(1);

    await applyBookingSetup(db(), portalId, { ...setup, staff: setup.staff.map((m) => (m.email === DANA ? { ...m, calendly: { eventTypes: { "Deep dive": calendlyType.Consultation! } } } : m)) });
    await stack.app.runtime.calendars.checkTypes(await db().staffMember.findUniqueOrThrow({ where: { id: ids[DANA] } }));
    expect((await types(DANA)).body.mapping).toEqual([
      { service: "Consultation", typeId: null, problem: null },
      { service: "Deep dive", typeId: calendlyType.Consultation, problem: `Calendly's "Consultation" (${calendlyType.Consultation}) lasts 30 minutes but Deep dive lasts 60: make them the same, or map another type` },
    ]);
  });
});
