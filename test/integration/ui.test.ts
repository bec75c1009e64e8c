import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { startStack, TEST_APP_ID, TEST_CLIENT_SECRET, TEST_PUBLIC_BASE_URL, type Connection, type Stack } from "../support/harness.js";
import { uiFetch, type UiRequest, type UiUser } from "../support/ui.js";
import { retellCall } from "../support/payloads.js";
import { signV3 } from "../../server/hubspot/signature.js";
import type { AuditEntryView } from "../../hubspot-app/app/shared/api.js";
import { playerUrl } from "../../server/recordings/links.js";
import { applyBookingSetup, type BookingSetup } from "../../server/booking/setup.js";
import { REQUIRED_SCOPES } from "../../server/hubspot/scopes.js";
import { runCli } from "../../server/cli/main.js";

// The backend of the card and settings page, called exactly as hubspot.fetch calls it (test/support/ui.ts).

let stack: Stack;
let portalId: string;
let otherPortal: string;
let retell: Connection;
let contactId: string;

type User = UiUser;
/** A super admin of both portals: the user behind every request unless a test says otherwise. */
const ADMIN: User = { id: "42", email: "admin@example.com" };
/** A user of the first portal who is not a super admin. */
const REP: User = { id: "43", email: "rep@example.com" };
/** A super admin of the other portal, unknown to the first. */
const OUTSIDER: User = { id: "44", email: "outsider@example.com" };

const hubspotFetch = (path: string, options: Partial<UiRequest> = {}) => uiFetch(stack, path, { ...options, portal: options.portal ?? portalId, user: options.user ?? ADMIN });

beforeAll(async () => {
  // Google calendars configured (links only: no test here reaches Google); Microsoft left unconfigured.
  stack = await startStack({ env: { GOOGLE_CLIENT_ID: "google-client-id.apps.example.com", GOOGLE_CLIENT_SECRET: "google-client-secret-for-tests" } });
  portalId = await stack.install();
  otherPortal = await stack.install();
  for (const portal of [portalId, otherPortal]) stack.sim.addUser(portal, { id: ADMIN.id, email: ADMIN.email, superAdmin: true });
  stack.sim.addUser(portalId, { id: REP.id, email: REP.email, superAdmin: false });
  stack.sim.addUser(otherPortal, { id: OUTSIDER.id, email: OUTSIDER.email, superAdmin: true });
  retell = await stack.connect(portalId, "retell");
  const payload = retellCall("call_analyzed", { from: "+14155550501", summary: "Wants a quote.", transcript: "Agent: Hi\nUser: A quote please.", analysis: { first_name: "Kim", budget_range: "1k-5k", escalation_reason: "Asked for the owner" }, sentiment: "Positive" });
  await stack.deliver(retell, payload);
  const row = await stack.waitFor(() => stack.app.runtime.db.call.findFirst({ where: { vendorCallId: payload.call.call_id as string, status: "synced" } }), { what: "call synced" });
  contactId = row.hubspotContactId!;
});
afterAll(async () => stack?.stop());

describe("request signatures", () => {
  it("a request signed by HubSpot is answered", async () => {
    const response = await hubspotFetch("/ui/v1/status");
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ installed: true, needsReconnect: false });
  });

  it("unsigned, stale, tampered or wrongly signed requests get 401", async () => {
    const unsigned = await fetch(`${stack.url}/ui/v1/status?portalId=${portalId}`);
    expect(unsigned.status).toBe(401);
    expect((await hubspotFetch("/ui/v1/status", { timestamp: Date.now() - 6 * 60_000 })).status).toBe(401);
    expect((await hubspotFetch("/ui/v1/status", { tamper: (u) => u.replace(`portalId=${portalId}`, `portalId=${otherPortal}`) })).status).toBe(401);
    expect((await hubspotFetch("/ui/v1/status", { secret: "not-the-client-secret" })).status).toBe(401);
  });

  it("HubSpot's URL decoding quirk: characters it decodes before signing still verify", async () => {
    const response = await hubspotFetch("/ui/v1/contacts/1/calls?note=a%3Ab%2Cc");
    expect(response.status).toBe(200);
  });
});

describe("the contact card's data", () => {
  it("lists the contact's calls, newest first, with a short-lived player link", async () => {
    const response = await hubspotFetch(`/ui/v1/contacts/${contactId}/calls`);
    expect(response.status).toBe(200);
    const [call] = response.body.calls;
    expect(call).toMatchObject({ summary: "Wants a quote.", sentiment: "positive", escalationReason: "Asked for the owner", transcript: expect.stringContaining("A quote please") });
    expect(call.recordingUrl).toMatch(/\/recordings\/[0-9a-f-]+\/player\?exp=\d+&sig=/);
  });

  it("one portal can never read another's calls", async () => {
    const response = await hubspotFetch(`/ui/v1/contacts/${contactId}/calls`, { portal: otherPortal });
    expect(response.status).toBe(200);
    expect(response.body.calls).toEqual([]);
  });

  it("pages through many calls", async () => {
    for (let i = 0; i < 6; i++) await stack.deliver(retell, retellCall("call_analyzed", { from: "+14155550501", summary: `Call ${i}` }));
    await stack.waitFor(async () => (await stack.app.runtime.db.call.count({ where: { portalId, hubspotContactId: contactId, status: "synced" } })) === 7, { what: "7 calls synced" });
    const first = await hubspotFetch(`/ui/v1/contacts/${contactId}/calls?limit=5`);
    expect(first.body.calls).toHaveLength(5);
    expect(first.body.nextBefore).toBeTruthy();
    const second = await hubspotFetch(`/ui/v1/contacts/${contactId}/calls?limit=5&before=${encodeURIComponent(first.body.nextBefore)}`);
    expect(second.body.calls).toHaveLength(2);
    const ids = [...first.body.calls, ...second.body.calls].map((c: { id: string }) => c.id);
    expect(new Set(ids).size).toBe(7);
  });
});

describe("the settings page's data", () => {
  it("mapping: every canonical field and every question seen, editable; type mismatches refused", async () => {
    const mapping = await hubspotFetch("/ui/v1/mapping");
    const fields = mapping.body.rules.map((r: { field: string }) => r.field);
    expect(fields).toEqual(expect.arrayContaining(["firstName", "email", "urgency", "leadSource", "q:budget_range"]));

    const refused = await hubspotFetch("/ui/v1/mapping", { method: "PUT", body: { rules: [{ field: "urgency", property: "firstname", policy: "overwrite", enabled: true }] } });
    expect(refused.status).toBe(422);
    expect(refused.body.problems[0].error).toMatch(/string property; urgency needs enumeration/);
    const readOnly = await hubspotFetch("/ui/v1/mapping", { method: "PUT", body: { rules: [{ field: "intent", property: "hs_calculated_phone_number", policy: "overwrite", enabled: true }] } });
    expect(readOnly.body.problems[0].error).toMatch(/read-only/);
    const missing = await hubspotFetch("/ui/v1/mapping", { method: "PUT", body: { rules: [{ field: "intent", property: "reason_for_call", policy: "overwrite", enabled: true }] } });
    expect(missing.body.problems[0].error).toMatch(/does not exist/);

    const saved = await hubspotFetch("/ui/v1/mapping", { method: "PUT", body: { rules: [{ field: "intent", property: "company", policy: "fill_if_empty", enabled: true }] } });
    expect(saved.status).toBe(200);
    const rule = (await stack.app.runtime.db.fieldMapping.findUniqueOrThrow({ where: { portalId_field: { portalId, field: "intent" } } }));
    expect(rule).toMatchObject({ property: "company", policy: "fill_if_empty" });
    const invalid = await hubspotFetch("/ui/v1/mapping", { method: "PUT", body: { rules: [{ field: "intent", property: "Not A Name", policy: "sometimes" }] } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error).toMatch(/property[\s\S]*policy/);
    // Another portal's mapping is untouched.
    expect(await stack.app.runtime.db.fieldMapping.findFirst({ where: { portalId: otherPortal, field: "intent", property: "company" } })).toBeNull();
  });

  it("connections: added with copyable URLs, secret rotated and never shown back", async () => {
    const added = await hubspotFetch("/ui/v1/connections", { method: "POST", body: { vendor: "vapi", secret: "vapi-secret-abc-123" } });
    expect(added.status).toBe(201);
    expect(added.body.connection.webhookUrl).toMatch(/^https:\/\/receptionist\.test\.example\/webhooks\//);
    const rotated = await hubspotFetch(`/ui/v1/connections/${added.body.connection.id}/secret`, { method: "POST", body: { secret: "vapi-secret-new-456" } });
    expect(rotated.status).toBe(200);
    const listed = await hubspotFetch("/ui/v1/connections");
    expect(JSON.stringify(listed.body)).not.toMatch(/vapi-secret/);
    expect(listed.body.connections.find((c: { vendor: string }) => c.vendor === "retell").lastDeliveryAt).toBeTruthy();
    const crossPortal = await hubspotFetch(`/ui/v1/connections/${added.body.connection.id}/secret`, { method: "POST", body: { secret: "stolen-secret-789" }, portal: otherPortal });
    expect(crossPortal.status).toBe(400);
    const bad = await hubspotFetch("/ui/v1/connections", { method: "POST", body: { vendor: "acme", secret: "x" } });
    expect(bad.status).toBe(400);
  });

  it("connections: a vendor whose signature covers only the call id is flagged, with the reason its live tools are off", async () => {
    const added = await hubspotFetch("/ui/v1/connections", { method: "POST", body: { vendor: "synthflow", secret: "synthflow-secret-abc-123" } });
    expect(added.status).toBe(201);
    const listed = await hubspotFetch("/ui/v1/connections");
    const weak = listed.body.connections.find((c: { id: string }) => c.id === added.body.connection.id);
    expect(weak).toMatchObject({ weakSignature: true, toolsDisabledReason: expect.stringMatching(/^Live tools are off for Synthflow connections: Synthflow signs only the call id/) });
    expect(listed.body.connections.find((c: { vendor: string }) => c.vendor === "retell")).toMatchObject({ weakSignature: false, toolsDisabledReason: null });
  });

  it("fallback queue: listed with reason and age, replayed from the page, not from another portal", async () => {
    stack.sim.failNext(1, { status: 400, body: { status: "error", category: "VALIDATION_ERROR", message: "Property values were not valid" } });
    const payload = retellCall("call_analyzed", { from: "+14155550502" });
    await stack.deliver(retell, payload);
    await stack.waitFor(() => stack.app.runtime.db.fallbackEntry.findFirst({ where: { portalId } }), { what: "fallback entry" });
    const list = await hubspotFetch("/ui/v1/fallback");
    const [entry] = list.body.entries;
    expect(entry).toMatchObject({ reason: expect.stringContaining("not valid"), ageSeconds: expect.any(Number) });
    expect((await hubspotFetch("/ui/v1/fallback/replay", { method: "POST", body: { id: entry.id }, portal: otherPortal })).status).toBe(404);
    const replay = await hubspotFetch("/ui/v1/fallback/replay", { method: "POST", body: { id: entry.id } });
    expect(replay.body.replayed).toEqual([entry.id]);
    await stack.waitFor(async () => (await stack.app.runtime.db.fallbackEntry.findUnique({ where: { id: entry.id } }))?.resolvedAt, { what: "replayed" });
  });

  it("properties: the portal's real properties, and a missing custom property can be created", async () => {
    const properties = await hubspotFetch("/ui/v1/properties");
    expect(properties.body.properties.find((p: { name: string }) => p.name === "ai_urgency")).toMatchObject({ type: "enumeration", options: expect.arrayContaining(["high"]) });
    const created = await hubspotFetch("/ui/v1/properties", { method: "POST", body: { field: "q:roof_age" } });
    expect(created.status).toBe(201);
    expect(stack.sim.portal(portalId).properties().some((p) => p.name === "ai_roof_age")).toBe(true);
  });
});

describe("the settings page's booking tab", () => {
  const HOURS: BookingSetup["staff"][number]["hours"] = { mon: ["09:00", "17:00"], tue: ["09:00", "17:00"] };
  const SETUP: BookingSetup = {
    timezone: "America/Los_Angeles",
    services: [
      { name: "Consultation", durationMinutes: 30, aliases: ["consult"], reminderMinutes: [120] },
      { name: "Full service", durationMinutes: 120, bufferMinutes: 15 },
      { name: "Inspection", durationMinutes: 60 },
    ],
    staff: [
      { name: "Alex Rivera", email: "alex@example.com", hours: HOURS },
      { name: "Blair Chen", email: "blair@example.com", calendar: "google", hours: HOURS },
      { name: "Casey Morgan", email: "casey@example.com", calendar: "google", hours: HOURS },
      { name: "Devon Park", email: "devon@example.com", calendar: "microsoft", hours: HOURS },
    ],
  };
  const staffId: Record<string, string> = {};
  const db = () => stack.app.runtime.db;
  const serviceNamed = (name: string) => db().serviceType.findUniqueOrThrow({ where: { portalId_name: { portalId, name } } });
  const daysAhead = (days: number, hour: number) => {
    const at = new Date();
    at.setUTCDate(at.getUTCDate() + days);
    at.setUTCHours(hour, 0, 0, 0);
    return at;
  };
  const book = async (service: string, status: "confirmed" | "held", startAt: Date, holdExpiresAt?: Date) => {
    const { id, durationMinutes } = await serviceNamed(service);
    const endAt = new Date(startAt.getTime() + durationMinutes * 60_000);
    return db().booking.create({ data: { portalId, staffId: staffId["alex@example.com"]!, serviceTypeId: id, status, startAt, endAt, blockEndAt: endAt, holdExpiresAt: holdExpiresAt ?? null } });
  };
  const servicesNow = async () => (await db().serviceType.findMany({ where: { portalId }, orderBy: { name: "asc" } })).map((s) => ({ name: s.name, durationMinutes: s.durationMinutes, bufferMinutes: s.bufferMinutes, aliases: s.aliases }));

  beforeAll(async () => {
    await applyBookingSetup(db(), portalId, SETUP);
    for (const member of await db().staffMember.findMany({ where: { portalId } })) staffId[member.email] = member.id;
    const connection = { portalId, accessTokenEnc: "not-used", expiresAt: daysAhead(1, 0) };
    // Blair's Google grant was refused at refresh; Devon's Microsoft calendar is connected and was
    // just synced, with a channel that lives for days (so the worker's sweep leaves it alone); Casey
    // moved from Microsoft to Google, so the Microsoft connection left over does not count.
    await db().calendarConnection.create({ data: { ...connection, staffId: staffId["blair@example.com"]!, provider: "google", accountEmail: "blair@example.com", status: "needs_reauth", lastError: "the calendar refused our access (revoked or expired): reconnect it" } });
    await db().calendarConnection.create({ data: { ...connection, staffId: staffId["casey@example.com"]!, provider: "microsoft", accountEmail: "casey@example.com", status: "connected", lastSyncAt: new Date(), channelExpiresAt: daysAhead(3, 0) } });
    await db().calendarConnection.create({ data: { ...connection, staffId: staffId["devon@example.com"]!, provider: "microsoft", accountEmail: "devon.park@example.com", status: "connected", lastSyncAt: new Date("2030-01-07T16:00:00Z"), channelId: `channel-${portalId}`, channelExpiresAt: daysAhead(3, 0) } });
  });

  beforeEach(async () => {
    await db().serviceType.deleteMany({ where: { portalId } });
    await applyBookingSetup(db(), portalId, SETUP);
  });

  it("GET: service types with reminders, and each staff member's calendar and its state", async () => {
    const response = await hubspotFetch("/ui/v1/booking");
    expect(response.status).toBe(200);
    expect(response.body.services).toEqual([
      { name: "Consultation", durationMinutes: 30, bufferMinutes: 0, aliases: ["consult"], reminderMinutes: [120] },
      { name: "Full service", durationMinutes: 120, bufferMinutes: 15, aliases: [], reminderMinutes: [1440, 60] },
      { name: "Inspection", durationMinutes: 60, bufferMinutes: 0, aliases: [], reminderMinutes: [1440, 60] },
    ]);
    const byEmail = Object.fromEntries(response.body.staff.map((m: { email: string }) => [m.email, m]));
    expect(byEmail["alex@example.com"]).toMatchObject({ id: staffId["alex@example.com"], calendar: "builtin", calendarStatus: "builtin", calendarAccount: null, lastSyncAt: null, lastError: null });
    expect(byEmail["blair@example.com"]).toMatchObject({ calendar: "google", calendarStatus: "needs_reauth", calendarAccount: "blair@example.com", lastError: expect.stringMatching(/reconnect/) });
    expect(byEmail["casey@example.com"]).toMatchObject({ calendar: "google", calendarStatus: "not_connected", calendarAccount: null, lastSyncAt: null });
    expect(byEmail["devon@example.com"]).toMatchObject({ calendar: "microsoft", calendarStatus: "connected", calendarAccount: "devon.park@example.com", lastSyncAt: "2030-01-07T16:00:00.000Z", lastError: null });
    expect(JSON.stringify(response.body)).not.toContain("not-used");
  });

  it("PUT services: kept ones updated by name (any case, reminders kept), new ones created, left-out ones deleted", async () => {
    const before = { consultation: await serviceNamed("Consultation"), full: await serviceNamed("Full service") };
    const response = await hubspotFetch("/ui/v1/booking/services", {
      method: "PUT",
      body: { services: [{ name: "Consultation", durationMinutes: 45, bufferMinutes: 5, aliases: ["consult", "consulta"] }, { name: "Full Service", durationMinutes: 90, bufferMinutes: 15, aliases: [] }, { name: "Estimate", durationMinutes: 20, bufferMinutes: 0, aliases: ["quote"] }] },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ saved: 3, created: 1, updated: 2, deleted: 1 });
    expect(await servicesNow()).toEqual([
      { name: "Consultation", durationMinutes: 45, bufferMinutes: 5, aliases: ["consult", "consulta"] },
      { name: "Estimate", durationMinutes: 20, bufferMinutes: 0, aliases: ["quote"] },
      { name: "Full Service", durationMinutes: 90, bufferMinutes: 15, aliases: [] },
    ]);
    expect(await serviceNamed("Consultation")).toMatchObject({ id: before.consultation.id, reminderMinutes: [120] });
    expect(await serviceNamed("Full Service")).toMatchObject({ id: before.full.id });
    expect((await serviceNamed("Estimate")).reminderMinutes).toEqual([1440, 60]);
  });

  it("PUT services: bad input is a 400 with a reason per bad field, and nothing is saved", async () => {
    const before = await servicesNow();
    const bad = await hubspotFetch("/ui/v1/booking/services", { method: "PUT", body: { services: [{ name: " ", durationMinutes: 3 }, { name: "Estimate", durationMinutes: "thirty", bufferMinutes: 300 }, { name: "Long", durationMinutes: 721 }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.problems).toEqual([
      { index: 0, field: "name", error: "row 1, name: a service type needs a name" },
      { index: 0, field: "durationMinutes", error: "row 1, duration: a service lasts at least 5 minutes" },
      { index: 1, field: "durationMinutes", error: '"Estimate", duration: the duration is a whole number of minutes' },
      { index: 1, field: "bufferMinutes", error: '"Estimate", buffer: the buffer is at most 240 minutes' },
      { index: 2, field: "durationMinutes", error: '"Long", duration: a service lasts at most 720 minutes (12 hours)' },
    ]);
    expect(bad.body.error).toMatch(/^Nothing was saved\. row 1, name: .*; "Long", duration: .*12 hours/);

    const twice = await hubspotFetch("/ui/v1/booking/services", { method: "PUT", body: { services: [{ name: "Estimate", durationMinutes: 30 }, { name: "ESTIMATE ", durationMinutes: 20 }] } });
    expect(twice.status).toBe(400);
    expect(twice.body.problems).toEqual([{ index: 1, field: "name", error: expect.stringMatching(/^"ESTIMATE", name: "ESTIMATE" is listed twice/) }]);
    const none = await hubspotFetch("/ui/v1/booking/services", { method: "PUT", body: { services: [] } });
    expect(none.status).toBe(400);
    expect(none.body.error).toMatch(/at least one service type/);
    expect(await servicesNow()).toEqual(before);
  });

  it("PUT services: a service with a booking ahead or a live hold cannot be removed (409 naming it); past and cancelled ones do not count", async () => {
    const keepOnlyConsultation = { services: [{ name: "Consultation", durationMinutes: 50, bufferMinutes: 0, aliases: [] }] };
    await book("Inspection", "confirmed", daysAhead(-2, 17));
    const upcoming = await book("Full service", "confirmed", daysAhead(2, 17));
    const refused = await hubspotFetch("/ui/v1/booking/services", { method: "PUT", body: keepOnlyConsultation });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual({ error: 'Nothing was saved: "Full service" cannot be removed, it has 1 upcoming booking; cancel or move it first.', service: "Full service" });
    expect((await serviceNamed("Consultation")).durationMinutes).toBe(30);

    await db().booking.update({ where: { id: upcoming.id }, data: { status: "cancelled" } });
    const hold = await book("Inspection", "held", daysAhead(3, 17), new Date(Date.now() + 5 * 60_000));
    const holding = await hubspotFetch("/ui/v1/booking/services", { method: "PUT", body: keepOnlyConsultation });
    expect(holding.status).toBe(409);
    expect(holding.body.error).toMatch(/"Inspection" cannot be removed, a caller is booking it right now/);

    await db().booking.update({ where: { id: hold.id }, data: { holdExpiresAt: new Date(Date.now() - 60_000) } });
    const saved = await hubspotFetch("/ui/v1/booking/services", { method: "PUT", body: keepOnlyConsultation });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ deleted: 2 });
    expect(await servicesNow()).toEqual([{ name: "Consultation", durationMinutes: 50, bufferMinutes: 0, aliases: [] }]);
  });

  it("PUT services: a hold being written for a service as it is removed makes the save wait, then refuse", async () => {
    const caller = new pg.Client({ connectionString: stack.databaseUrl });
    await caller.connect();
    try {
      // The booking tool's insert, left uncommitted: it holds a key-share lock on the service row.
      const startAt = daysAhead(4, 17);
      await caller.query("BEGIN");
      await caller.query(
        `INSERT INTO "Booking" ("id", "portalId", "staffId", "serviceTypeId", "status", "startAt", "endAt", "blockEndAt", "holdExpiresAt", "updatedAt") VALUES ($1, $2, $3, $4, 'held', $5, $6, $6, $7, $8)`,
        [randomUUID(), portalId, staffId["alex@example.com"], (await serviceNamed("Inspection")).id, startAt.toISOString(), new Date(startAt.getTime() + 3_600_000).toISOString(), new Date(Date.now() + 5 * 60_000).toISOString(), new Date().toISOString()],
      );
      const saving = hubspotFetch("/ui/v1/booking/services", { method: "PUT", body: { services: SETUP.services.filter((s) => s.name !== "Inspection") } });
      await stack.waitFor(async () => (await db().$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)[0]!.n > 0, { what: "the save waiting on the hold" });
      await caller.query("COMMIT");
      const saved = await saving;
      expect(saved.status).toBe(409);
      expect(saved.body.error).toMatch(/"Inspection" cannot be removed, a caller is booking it right now/);
      expect(await db().booking.count({ where: { portalId, status: "held", startAt } })).toBe(1);
    } finally {
      await caller.end();
    }
  });

  it("PUT services: saves at the same moment queue behind each other (no duplicate, no error)", async () => {
    const services = [...SETUP.services, { name: "Estimate", durationMinutes: 20 }];
    const saves = await Promise.all(Array.from({ length: 6 }, () => hubspotFetch("/ui/v1/booking/services", { method: "PUT", body: { services } })));
    expect(saves.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(saves.filter((r) => r.body.created === 1)).toHaveLength(1);
    expect(await db().serviceType.count({ where: { portalId, name: "Estimate" } })).toBe(1);
  });

  it("PUT services: a portal without booking set up is told to set it up first", async () => {
    const response = await hubspotFetch("/ui/v1/booking/services", { method: "PUT", body: { services: [{ name: "Estimate", durationMinutes: 30 }] }, portal: otherPortal });
    expect(response.status).toBe(409);
    expect(response.body.error).toMatch(/^Set up booking first/);
    expect(await db().serviceType.count({ where: { portalId: otherPortal } })).toBe(0);
  });

  it("connect link: a Google consent link for that staff member; 400 for built-in or an unconfigured provider; 404 from another portal", async () => {
    const casey = staffId["casey@example.com"]!;
    const response = await hubspotFetch(`/ui/v1/booking/staff/${casey}/connect-link`, { method: "POST" });
    expect(response.status).toBe(200);
    const link = new URL(response.body.connectUrl);
    expect(`${link.origin}${link.pathname}`).toBe("https://accounts.google.com/o/oauth2/v2/auth");
    expect(link.searchParams.get("client_id")).toBe("google-client-id.apps.example.com");
    expect(link.searchParams.get("login_hint")).toBe("casey@example.com");
    expect(link.searchParams.get("redirect_uri")).toBe(`${TEST_PUBLIC_BASE_URL}/calendar/oauth/callback`);
    expect(await db().calendarOAuthState.findUnique({ where: { state: link.searchParams.get("state")! } })).toMatchObject({ staffId: casey, provider: "google" });

    const builtin = await hubspotFetch(`/ui/v1/booking/staff/${staffId["alex@example.com"]}/connect-link`, { method: "POST" });
    expect(builtin).toEqual({ status: 400, body: { error: "Alex Rivera uses the built-in calendar: there is nothing to connect." } });
    const microsoft = await hubspotFetch(`/ui/v1/booking/staff/${staffId["devon@example.com"]}/connect-link`, { method: "POST" });
    expect(microsoft).toEqual({ status: 400, body: { error: "microsoft calendars are not configured: set MICROSOFT_CLIENT_ID and MICROSOFT_CLIENT_SECRET" } });

    const states = await db().calendarOAuthState.count({ where: { staffId: casey } });
    const crossPortal = await hubspotFetch(`/ui/v1/booking/staff/${casey}/connect-link`, { method: "POST", portal: otherPortal });
    expect(crossPortal).toEqual({ status: 404, body: { error: "no such staff member in this portal" } });
    expect(await db().calendarOAuthState.count({ where: { staffId: casey } })).toBe(states);
  });
});

describe("booking set up from the settings page, without the CLI", () => {
  let fresh: string;
  const MON_FRI = { mon: ["09:00", "17:00"], tue: ["09:00", "17:00"], wed: ["09:00", "17:00"], thu: ["09:00", "17:00"], fri: ["09:00", "17:00"] } as const;
  const riley = { name: "Riley Stone", email: "riley@example.com", calendar: "builtin", hours: MON_FRI, breaks: { mon: [["12:00", "13:00"]] }, daysOff: ["2030-12-24", "2030-12-25"] };
  const put = (path: string, body: unknown) => hubspotFetch(`/ui/v1/booking/${path}`, { method: "PUT", body, portal: fresh });
  const db = () => stack.app.runtime.db;

  beforeAll(async () => {
    fresh = await stack.install();
    stack.sim.addUser(fresh, { id: ADMIN.id, email: ADMIN.email, superAdmin: true });
  });

  it("the time zone comes first: it sets booking up; staff before it is a 409 saying so", async () => {
    expect((await hubspotFetch("/ui/v1/booking", { portal: fresh })).body).toMatchObject({ configured: false, timezone: null });
    const early = await put("staff", { staff: [riley] });
    expect(early).toEqual({ status: 409, body: { error: "Set up booking first: choose the business's time zone." } });
    const bad = await put("settings", { timezone: "Mountain Time" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^Nothing was saved\. .*not an IANA time zone/);
    expect(await put("settings", { timezone: "America/Denver" })).toEqual({ status: 200, body: { timezone: "America/Denver", created: true } });
    expect((await hubspotFetch("/ui/v1/booking", { portal: fresh })).body).toMatchObject({ configured: true, timezone: "America/Denver" });
    expect(await put("settings", { timezone: "America/Phoenix" })).toEqual({ status: 200, body: { timezone: "America/Phoenix", created: false } });
  });

  it("staff with hours, breaks and days off: saved, shown back, and each bad field named", async () => {
    const saved = await put("staff", { staff: [riley, { name: "Jo Park", email: "jo@example.com", calendar: "google", timezone: "America/Chicago", hours: { sat: ["10:00", "14:00"] } }] });
    expect(saved).toEqual({ status: 200, body: { saved: 2, created: 2, updated: 0, deleted: 0 } });
    const staff = (await hubspotFetch("/ui/v1/booking", { portal: fresh })).body.staff;
    expect(staff.find((m: { email: string }) => m.email === "riley@example.com")).toMatchObject({ timezone: "America/Phoenix", hours: MON_FRI, breaks: { mon: [["12:00", "13:00"]] }, daysOff: ["2030-12-24", "2030-12-25"], calendar: "builtin", calendarStatus: "builtin" });
    expect(staff.find((m: { email: string }) => m.email === "jo@example.com")).toMatchObject({ timezone: "America/Chicago", calendar: "google", calendarStatus: "not_connected", breaks: {}, daysOff: [] });

    const bad = await put("staff", {
      staff: [
        { ...riley, breaks: { mon: [["16:30", "17:30"]], sat: [["10:00", "11:00"]] } },
        { name: "", email: "not-an-email", calendar: "outlook", hours: { mon: ["17:00", "09:00"] }, daysOff: ["2030-02-30"] },
      ],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.problems.map((p: { error: string }) => p.error)).toEqual(
      expect.arrayContaining([
        `"Riley Stone", break mon 1: the break 16:30-17:30 is outside mon's hours 09:00-17:00`,
        `"Riley Stone", break sat 1: a break on sat, which has no working hours`,
        "row 2, name: a staff member needs a name",
        "row 2, e-mail: not an e-mail address",
        "row 2, calendar: the calendar is builtin, google, microsoft, acuity, calendly or hubspot (a HubSpot meeting link)",
        "row 2, hours mon: the day must end after it starts",
        "row 2, days off 1: not a real date",
      ]),
    );
    expect(bad.body.error).toMatch(/^Nothing was saved\. /);
    const twice = await put("staff", { staff: [riley, { ...riley, name: "Riley Again", email: "RILEY@example.com" }] });
    expect(twice.body.problems).toEqual([{ index: 1, field: "email", error: `"Riley Again", e-mail: RILEY@example.com is listed twice` }]);
    expect((await hubspotFetch("/ui/v1/booking", { portal: fresh })).body.staff).toEqual(staff);
  });

  it("a staff member with a booking ahead cannot be removed (409 naming them); without one they can, and the log says who changed what", async () => {
    await put("services", { services: [{ name: "Estimate", durationMinutes: 60, bufferMinutes: 0, aliases: [] }] });
    const jo = await db().staffMember.findFirstOrThrow({ where: { portalId: fresh, email: "jo@example.com" } });
    const service = await db().serviceType.findFirstOrThrow({ where: { portalId: fresh } });
    const start = new Date(Date.now() + 3 * 86_400_000);
    const booking = await db().booking.create({ data: { portalId: fresh, staffId: jo.id, serviceTypeId: service.id, status: "confirmed", startAt: start, endAt: new Date(start.getTime() + 3_600_000), blockEndAt: new Date(start.getTime() + 3_600_000) } });
    const refused = await put("staff", { staff: [riley] });
    expect(refused).toEqual({ status: 409, body: { error: "Nothing was saved: Jo Park cannot be removed, 1 upcoming booking is with them; cancel or move it first.", staff: "Jo Park" } });
    await db().booking.update({ where: { id: booking.id }, data: { status: "cancelled" } });
    expect(await put("staff", { staff: [{ ...riley, name: "Riley Stone-Park" }] })).toEqual({ status: 200, body: { saved: 1, created: 0, updated: 1, deleted: 1 } });
    expect((await db().staffMember.findMany({ where: { portalId: fresh } })).map((m) => m.name)).toEqual(["Riley Stone-Park"]);
    const log = (await hubspotFetch("/ui/v1/audit?limit=10", { portal: fresh })).body.entries.map((e: AuditEntryView) => e.summary);
    expect(log).toEqual(expect.arrayContaining(["Staff saved: Riley Stone-Park (0 new, 1 updated, 1 removed)", "Booking set up, in the time zone America/Denver", "Business time zone set to America/Phoenix"]));
  });
});

describe("who may change settings: super admins of the portal only", () => {
  const NOT_SUPER_ADMIN = { error: "Only a super admin can change this.", code: "not_super_admin" };
  const db = () => stack.app.runtime.db;
  const userLookups = (userId: string, portal = portalId) => stack.sim.countRequests({ method: "GET", path: `/settings/v3/users/${userId}`, portalId: portal });
  /** Every settings write the page can make, each with a body that would succeed for a super admin. */
  const writes = (): [method: string, path: string, body?: unknown][] => [
    ["PUT", "/ui/v1/mapping", { rules: [{ field: "intent", property: "jobtitle", policy: "overwrite", enabled: true }] }],
    ["POST", "/ui/v1/properties", { field: "q:pool_size" }],
    ["POST", "/ui/v1/connections", { vendor: "bland", secret: "bland-secret-123" }],
    ["POST", `/ui/v1/connections/${retell.id}/secret`, { secret: "stolen-secret-123" }],
    ["POST", "/ui/v1/fallback/replay", { all: true }],
    ["PUT", "/ui/v1/booking/services", { services: [{ name: "Estimate", durationMinutes: 30 }] }],
    ["POST", "/ui/v1/booking/staff/any-staff-id/connect-link"],
    ["PUT", "/ui/v1/booking/staff/any-staff-id/types", { types: {} }],
    ["PUT", "/ui/v1/booking/staff/any-staff-id/webhook-key", { key: "acuity-api-key-0123456789" }],
    ["PUT", "/ui/v1/notifications", { slackUrl: "https://hooks.slack.example/services/T1/B1/x", events: ["fallback"] }],
    ["POST", "/ui/v1/notifications/test", {}],
    ["DELETE", "/ui/v1/install"],
  ];
  const snapshot = async () => ({
    portal: await db().portal.findUniqueOrThrow({ where: { id: portalId }, select: { status: true, accessTokenEnc: true } }),
    connections: await db().connection.findMany({ where: { portalId }, select: { id: true, secretEnc: true }, orderBy: { id: "asc" } }),
    intent: await db().fieldMapping.findUniqueOrThrow({ where: { portalId_field: { portalId, field: "intent" } } }),
    services: await db().serviceType.count({ where: { portalId } }),
    provisioned: await db().provisionedProperty.count({ where: { portalId } }),
    audit: await db().auditEntry.count({ where: { portalId } }),
    notifications: await db().notificationSettings.count({ where: { portalId } }),
  });

  it("a user who is not a super admin, or not a user of this portal, gets 403 on every write and nothing changes", async () => {
    const before = await snapshot();
    for (const user of [REP, OUTSIDER]) {
      for (const [method, path, body] of writes()) {
        const response = await hubspotFetch(path, { method, body, user });
        expect({ user: user.email, method, path, ...response }).toEqual({ user: user.email, method, path, status: 403, body: NOT_SUPER_ADMIN });
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it("every user of the portal may read: the card's calls and every settings tab", async () => {
    for (const path of ["/ui/v1/status", `/ui/v1/contacts/${contactId}/calls`, "/ui/v1/mapping", "/ui/v1/properties", "/ui/v1/connections", "/ui/v1/fallback", "/ui/v1/booking", "/ui/v1/audit", "/ui/v1/notifications"]) {
      expect({ path, status: (await hubspotFetch(path, { user: REP })).status }).toEqual({ path, status: 200 });
    }
  });

  it("HubSpot's answer is cached per portal and user: a second write within minutes asks HubSpot nothing", async () => {
    const admin = { id: stack.sim.addUser(portalId, { email: "cached-admin@example.com", superAdmin: true }), email: "cached-admin@example.com" };
    const rep = { id: stack.sim.addUser(portalId, { email: "cached-rep@example.com" }), email: "cached-rep@example.com" };
    const mapping = { rules: [{ field: "intent", property: "jobtitle", policy: "overwrite", enabled: true }] };
    for (let i = 0; i < 2; i++) {
      expect((await hubspotFetch("/ui/v1/mapping", { method: "PUT", body: mapping, user: admin })).status).toBe(200);
      expect((await hubspotFetch("/ui/v1/mapping", { method: "PUT", body: mapping, user: rep })).status).toBe(403);
    }
    expect(userLookups(admin.id)).toBe(1);
    expect(userLookups(rep.id)).toBe(1);
    // The same user in another portal is another question.
    stack.sim.addUser(otherPortal, { id: admin.id, email: admin.email, superAdmin: false });
    expect((await hubspotFetch("/ui/v1/mapping", { method: "PUT", body: mapping, user: admin, portal: otherPortal })).status).toBe(403);
    expect(userLookups(admin.id, otherPortal)).toBe(1);
  });

  it("HubSpot down during the check: 503 with a sentence, and nothing changes", async () => {
    const admin = { id: stack.sim.addUser(portalId, { email: "outage-admin@example.com", superAdmin: true }), email: "outage-admin@example.com" };
    const before = await snapshot();
    stack.sim.setDown(true);
    try {
      for (const [method, path, body] of writes()) {
        const response = await hubspotFetch(path, { method, body, user: admin });
        expect({ method, path, status: response.status, code: response.body.code }).toEqual({ method, path, status: 503, code: "admin_check_unavailable" });
        expect(response.body.error).toMatch(/^HubSpot did not answer .*nothing was changed/i);
      }
    } finally {
      stack.sim.setDown(false);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("an install that predates settings.users.read cannot change settings until a super admin reconnects, and HubSpot is not asked", async () => {
    const oldInstall = await stack.install(undefined, { scopes: REQUIRED_SCOPES.filter((s: string) => s !== "settings.users.read") });
    stack.sim.addUser(oldInstall, { id: ADMIN.id, email: ADMIN.email, superAdmin: true });
    const refused = await hubspotFetch("/ui/v1/connections", { method: "POST", body: { vendor: "vapi", secret: "vapi-secret-abc-123" }, portal: oldInstall });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: "reconnect_for_scope", needsReconnect: true, error: expect.stringMatching(/reconnect the app/i) });
    expect(userLookups(ADMIN.id, oldInstall)).toBe(0);
    expect(await db().connection.count({ where: { portalId: oldInstall } })).toBe(0);
    expect((await hubspotFetch("/ui/v1/connections", { portal: oldInstall })).status).toBe(200);

    // The portal row claims the scope but the token lacks it: HubSpot's 403 MISSING_SCOPES is the same answer.
    await db().portal.update({ where: { id: oldInstall }, data: { scopes: [...REQUIRED_SCOPES, "settings.users.read"] } });
    const missing = await hubspotFetch("/ui/v1/connections", { method: "POST", body: { vendor: "vapi", secret: "vapi-secret-abc-123" }, portal: oldInstall });
    expect(missing.status).toBe(403);
    expect(missing.body.code).toBe("reconnect_for_scope");
    expect(stack.sim.countRequests({ path: `/settings/v3/users/${ADMIN.id}`, portalId: oldInstall, status: 403 })).toBe(1);
    expect(await db().connection.count({ where: { portalId: oldInstall } })).toBe(0);
  });
});

describe("the audit log: who changed what, and when", () => {
  const db = () => stack.app.runtime.db;
  type AuditView = AuditEntryView;
  const auditOf = async (portal: string, query = "", user: User = ADMIN) => {
    const response = await hubspotFetch(`/ui/v1/audit${query}`, { portal, user });
    expect(response.status).toBe(200);
    return response.body as { entries: AuditView[]; nextBefore: string | null };
  };

  it("every change a super admin makes from the page is logged with their e-mail, newest first, never with a secret; uninstall deletes the log", async () => {
    const portal = await stack.install();
    stack.sim.addUser(portal, { id: ADMIN.id, email: ADMIN.email, superAdmin: true });
    await applyBookingSetup(db(), portal, { timezone: "America/New_York", services: [{ name: "Consultation", durationMinutes: 30 }], staff: [{ name: "Casey Morgan", email: "casey@example.com", calendar: "google", hours: { mon: ["09:00", "17:00"] } }] });
    const casey = await db().staffMember.findFirstOrThrow({ where: { portalId: portal } });
    await hubspotFetch("/ui/v1/mapping", { portal }); // the mapping rows exist once read
    const ok = async (method: string, path: string, body?: unknown) => {
      const response = await hubspotFetch(path, { method, body, portal });
      expect({ path, status: response.status }).toEqual({ path, status: expect.toSatisfy((s: number) => s >= 200 && s < 300) });
      return response.body;
    };
    await ok("PUT", "/ui/v1/mapping", { rules: [{ field: "intent", property: "company", policy: "fill_if_empty", enabled: true }] });
    await ok("POST", "/ui/v1/properties", { field: "q:pool_size" });
    const { connection } = await ok("POST", "/ui/v1/connections", { vendor: "bland", secret: "bland-secret-abc-123" });
    await ok("POST", `/ui/v1/connections/${connection.id}/secret`, { secret: "bland-secret-new-456" });
    await ok("POST", "/ui/v1/fallback/replay", { all: true });
    await ok("PUT", "/ui/v1/booking/services", { services: [{ name: "Consultation", durationMinutes: 45 }, { name: "Estimate", durationMinutes: 20 }] });
    await ok("POST", `/ui/v1/booking/staff/${casey.id}/connect-link`);

    const { entries } = await auditOf(portal);
    expect(entries.map((e) => e.action)).toEqual(["booking.connect_link_created", "booking.services_saved", "fallback.replayed", "connection.secret_rotated", "connection.created", "property.created", "mapping.saved"]);
    for (const entry of entries) expect(entry.actor).toEqual({ source: "settings_page", userId: ADMIN.id, email: ADMIN.email });
    const summary = Object.fromEntries(entries.map((e) => [e.action, e.summary]));
    expect(summary["mapping.saved"]).toMatch(/intent.*company.*fill if empty/i);
    expect(summary["property.created"]).toMatch(/ai_pool_size/);
    expect(summary["connection.secret_rotated"]).toMatch(/secret rotated/i);
    expect(summary["booking.services_saved"]).toMatch(/Consultation, Estimate/);
    expect(summary["booking.connect_link_created"]).toMatch(/Casey Morgan/);
    expect(entries.find((e) => e.action === "connection.secret_rotated")!.target).toBe(connection.id);
    const stored = JSON.stringify(await db().auditEntry.findMany({ where: { portalId: portal } }));
    expect(stored + JSON.stringify(entries)).not.toMatch(/bland-secret/);
    expect(new Date(entries[0]!.at).getTime()).toBeGreaterThanOrEqual(new Date(entries.at(-1)!.at).getTime());

    expect((await hubspotFetch("/ui/v1/install", { method: "DELETE", portal })).body).toEqual({ uninstalled: true });
    expect(await db().auditEntry.count({ where: { portalId: portal } })).toBe(0);
  });

  it("a portal reads only its own log, in pages, newest first; refused writes are not logged", async () => {
    const mapping = (property: string) => ({ rules: [{ field: "intent", property, policy: "overwrite", enabled: true }] });
    // From a known mapping, three real changes.
    for (const property of ["company", "jobtitle", "company", "jobtitle"]) expect((await hubspotFetch("/ui/v1/mapping", { method: "PUT", body: mapping(property) })).status).toBe(200);
    expect((await hubspotFetch("/ui/v1/mapping", { method: "PUT", body: mapping("company"), user: REP })).status).toBe(403);

    const first = await auditOf(portalId, "?limit=2", REP);
    expect(first.entries).toHaveLength(2);
    expect(first.entries.map((e) => e.summary)).toEqual([expect.stringMatching(/intent.*jobtitle/), expect.stringMatching(/intent.*company/)]);
    expect(first.nextBefore).toBeTruthy();
    const second = await auditOf(portalId, `?limit=2&before=${encodeURIComponent(first.nextBefore!)}`, REP);
    expect(second.entries[0]!.summary).toMatch(/intent.*jobtitle/);
    expect(second.entries.map((e) => e.id)).not.toContain(first.entries[1]!.id);
    expect(first.entries.every((e) => e.actor.email === ADMIN.email)).toBe(true);

    expect((await auditOf(portalId, "?limit=-3", REP)).entries).toHaveLength(1); // a bad limit is clamped, not reversed

    const ours = new Set((await db().auditEntry.findMany({ where: { portalId }, select: { id: true } })).map((e) => e.id));
    const theirs = await auditOf(otherPortal, "?limit=100", OUTSIDER);
    expect(theirs.entries.filter((e) => ours.has(e.id))).toEqual([]);
    const forged = await auditOf(otherPortal, `?before=${encodeURIComponent(first.nextBefore!)}`, OUTSIDER);
    expect(forged.entries.filter((e) => ours.has(e.id))).toEqual([]);
  });

  it("changes made with the operator CLI are logged too, as the CLI", async () => {
    await runCli(["connections", "add", "--portal", portalId, "--vendor", "vapi", "--secret", "vapi-cli-secret-123"], stack.app.runtime);
    const [latest] = (await auditOf(portalId, "?limit=1")).entries;
    expect(latest).toMatchObject({ action: "connection.created", actor: { source: "cli", userId: null, email: null }, summary: expect.stringMatching(/vapi/i) });
    expect(JSON.stringify(latest)).not.toMatch(/vapi-cli-secret/);
  });
});

describe("recordings", () => {
  it("the player page refuses expired and forged links", async () => {
    const call = await stack.app.runtime.db.call.findFirstOrThrow({ where: { portalId } });
    const expired = playerUrl(stack.env.PUBLIC_BASE_URL, stack.env.ENCRYPTION_KEY, call.id, Date.now() - 11 * 60_000).replace(TEST_PUBLIC_BASE_URL, stack.url);
    expect((await fetch(expired)).status).toBe(403);
    const forged = playerUrl(stack.env.PUBLIC_BASE_URL, stack.env.ENCRYPTION_KEY, call.id).replace(TEST_PUBLIC_BASE_URL, stack.url).replace(/sig=[^&]+/, "sig=forged");
    expect((await fetch(forged)).status).toBe(403);
    const valid = playerUrl(stack.env.PUBLIC_BASE_URL, stack.env.ENCRYPTION_KEY, call.id).replace(TEST_PUBLIC_BASE_URL, stack.url);
    const page = await fetch(valid);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<audio");
  });
});

describe("HubSpot webhooks: privacy deletion and uninstall", () => {
  const sendEvents = async (events: Record<string, unknown>[], secret = TEST_CLIENT_SECRET) => {
    const body = JSON.stringify(events.map((event) => ({ appId: Number(TEST_APP_ID), ...event })));
    const timestamp = Date.now();
    const url = `${TEST_PUBLIC_BASE_URL}/hubspot/webhooks`;
    return fetch(`${stack.url}/hubspot/webhooks`, { method: "POST", headers: { "content-type": "application/json", "x-hubspot-signature-v3": signV3(secret, "POST", url, body, timestamp), "x-hubspot-request-timestamp": String(timestamp) }, body });
  };

  it("contact.privacyDeletion removes transcripts, recordings and index entries; unsigned events are refused", async () => {
    expect((await sendEvents([{ subscriptionType: "contact.privacyDeletion", portalId: Number(portalId), objectId: Number(contactId) }], "wrong")).status).toBe(401);
    const response = await sendEvents([{ subscriptionType: "contact.privacyDeletion", portalId: Number(portalId), objectId: Number(contactId) }]);
    expect(response.status).toBe(204);
    const calls = await stack.app.runtime.db.call.findMany({ where: { portalId, hubspotContactId: contactId } });
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      const text = JSON.stringify(call.record);
      expect(text).not.toContain("A quote please");
      expect(text).not.toContain("4155550501");
      expect(text).not.toContain("Kim");
    }
    expect(await stack.app.runtime.db.contactIndex.count({ where: { portalId, contactId } })).toBe(0);
    expect(await stack.app.runtime.db.recording.count({ where: { callId: { in: calls.map((c) => c.id) } } })).toBe(0);
  });

  it("uninstall revokes and deletes tokens, keeps nothing personal, and stops HubSpot calls", async () => {
    const uninstall = await hubspotFetch("/ui/v1/install", { method: "DELETE", portal: otherPortal });
    expect(uninstall.body).toEqual({ uninstalled: true });
    const portal = await stack.app.runtime.db.portal.findUniqueOrThrow({ where: { id: otherPortal } });
    expect(portal).toMatchObject({ status: "uninstalled", accessTokenEnc: null, refreshTokenEnc: null });
    expect(stack.sim.requests.some((r) => r.method === "DELETE" && r.path.startsWith("/oauth/v1/refresh-tokens/"))).toBe(true);
    await expect(stack.app.runtime.tokens.accessToken(otherPortal)).rejects.toThrow(/not installed/);
  });
});
