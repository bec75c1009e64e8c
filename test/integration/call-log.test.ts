import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { ADMIN, REP, installTwoPortals, uiFetch, type UiRequest } from "../support/ui.js";
import { genericCall, retellCall } from "../support/payloads.js";
import { applyBookingSetup } from "../../server/booking/setup.js";
import type { CallLogEntry, CallLogPage, CallOverview, OnboardingResponse } from "../../hubspot-app/app/shared/api.js";

// The Calls tab's backend and the onboarding checklist, called exactly as hubspot.fetch calls them
// (test/support/ui.ts), over a whole stack: vendor webhooks in, the worker, the HubSpot simulator.

let stack: Stack;
let portalId: string;
let otherPortal: string;
let generic: Connection;


const hubspotFetch = (path: string, options: Partial<UiRequest> = {}) => uiFetch(stack, path, { ...options, portal: options.portal ?? portalId, user: options.user ?? ADMIN });
const db = () => stack.app.runtime.db;
const log = async (query = "", portal = portalId): Promise<CallLogPage> => {
  const response = await hubspotFetch(`/ui/v1/call-log${query}`, { portal });
  expect(response.status).toBe(200);
  return response.body;
};
const entryOf = async (callId: string) => (await log("?limit=100")).entries.find((e) => e.id === callId);

beforeAll(async () => {
  stack = await startStack();
  ({ portalId, otherPortal } = await installTwoPortals(stack));
  generic = await stack.connect(portalId, "generic");
});
afterAll(async () => stack?.stop());

describe("a call from the webhook to the log", () => {
  it("a signed webhook delivered, synced: the log shows it synced, how its contact was matched, and links to the contact and the Call", async () => {
    const call = genericCall({ fromNumber: "+14155550601", caller: { firstName: "Dana", lastName: "Ng" }, disposition: "booked" });
    expect((await stack.deliver(generic, call)).status).toBeLessThan(300);
    const row = await stack.waitFor(() => db().call.findFirst({ where: { vendorCallId: call.vendorCallId as string, status: "synced" } }), { what: "call synced" });
    const entry = await entryOf(row.id);
    expect(entry).toMatchObject({
      kind: "call",
      status: "synced",
      vendor: "generic",
      callerName: "Dana Ng",
      caller: "+1******0601",
      disposition: "booked",
      contactId: row.hubspotContactId,
      matchedVia: "created",
      contactUrl: `https://app.hubspot.com/contacts/${portalId}/record/0-1/${row.hubspotContactId}`,
      hubspotCallUrl: `https://app.hubspot.com/contacts/${portalId}/record/0-48/${row.hubspotCallId}`,
      reason: null,
      replayable: false,
    } satisfies Partial<CallLogEntry>);
    // The same caller again is found in our index, on the same contact.
    const again = genericCall({ fromNumber: "+14155550601" });
    await stack.deliver(generic, again);
    const second = await stack.waitFor(() => db().call.findFirst({ where: { vendorCallId: again.vendorCallId as string, status: "synced" } }), { what: "second call synced" });
    expect(await entryOf(second.id)).toMatchObject({ status: "synced", matchedVia: "index", contactId: row.hubspotContactId });
    // Newest first.
    const ids = (await log()).entries.map((e) => e.id);
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(row.id));
  });

  it("a call HubSpot refuses shows in the fallback queue with the reason, and is replayed from the log", async () => {
    // HubSpot refuses this call's Call (only it: a background request must not take the refusal).
    const call = genericCall({ fromNumber: "+14155550602", summary: "Refused by HubSpot in this test" });
    stack.sim.failMatching((r) => r.method === "POST" && r.path === "/crm/v3/objects/calls/batch/create" && JSON.stringify(r.body).includes("Refused by HubSpot in this test"), { status: 400, body: { status: "error", category: "VALIDATION_ERROR", message: "Property values were not valid" } });
    await stack.deliver(generic, call);
    const row = await stack.waitFor(() => db().call.findFirst({ where: { vendorCallId: call.vendorCallId as string, status: "fallback" } }), { what: "call in the fallback queue", timeoutMs: 60_000 });
    stack.sim.failMatching(null);
    expect(await entryOf(row.id)).toMatchObject({ status: "fallback", replayable: true, reason: expect.stringContaining("Property values were not valid"), hubspotCallUrl: null });
    expect((await log("?status=fallback")).entries.map((e) => e.id)).toEqual([row.id]);

    // Someone who may read the settings but not change them is refused with the server's reason.
    const refused = await hubspotFetch(`/ui/v1/call-log/${row.id}/replay`, { method: "POST", body: {}, user: REP });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: "Only a super admin can change this.", code: "not_super_admin" });
    // Another portal cannot replay it (nor tell that it exists).
    const foreign = await hubspotFetch(`/ui/v1/call-log/${row.id}/replay`, { method: "POST", body: {}, portal: otherPortal });
    expect(foreign.status).toBe(404);
    expect(await db().call.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "fallback" });

    const replayed = await hubspotFetch(`/ui/v1/call-log/${row.id}/replay`, { method: "POST", body: {} });
    expect(replayed.status).toBe(200);
    const entry = await db().fallbackEntry.findUniqueOrThrow({ where: { callId: row.id } });
    expect(replayed.body).toEqual({ replayed: [entry.id] });
    await stack.waitFor(async () => (await entryOf(row.id))?.status === "synced", { what: "replayed call synced" });
    expect(await entryOf(row.id)).toMatchObject({ status: "synced", reason: null, replayable: false, hubspotCallUrl: expect.stringContaining("/record/0-48/") });
    const audited = await db().auditEntry.findFirst({ where: { portalId, action: "fallback.replayed", target: entry.id } });
    expect(audited).toMatchObject({ actorEmail: ADMIN.email });

    // Nothing left to replay: the server says why.
    const twice = await hubspotFetch(`/ui/v1/call-log/${row.id}/replay`, { method: "POST", body: {} });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatch(/not in the fallback queue \(it is synced\)/);
  });

  it("a signed payload we could not read is in the log as quarantined, with its reason and its body", async () => {
    const invalid = await stack.deliver(generic, genericCall({ fromNumber: "+14155550603", urgency: "whenever" }));
    expect(invalid.status).toBe(400);
    const page = await log("?status=quarantined");
    expect(page.entries).toHaveLength(1);
    const [entry] = page.entries;
    expect(entry).toMatchObject({ kind: "quarantined", status: "quarantined", vendor: "generic", reason: expect.stringContaining("urgency"), replayable: false });
    const payload = await hubspotFetch(`/ui/v1/call-log/quarantined/${entry!.id}`);
    expect(payload.status).toBe(200);
    expect(payload.body).toMatchObject({ id: entry!.id, reason: entry!.reason, truncated: null });
    expect(JSON.parse(payload.body.body)).toMatchObject({ urgency: "whenever" });
    expect((await hubspotFetch(`/ui/v1/call-log/quarantined/${entry!.id}`, { portal: otherPortal })).status).toBe(404);
    // Unfiltered, it is a row of the log like the calls.
    expect((await log()).entries.map((e) => e.id)).toContain(entry!.id);
  });
});

describe("filters, pages and the overview", () => {
  let seeded: string;
  const ids: { id: string; at: Date; vendor: string; status: string }[] = [];
  const STATUSES = ["synced", "pending", "retrying", "fallback", "waiting_auth"];
  const VENDORS = ["retell", "vapi", "bland"];

  beforeAll(async () => {
    // 30 calls of a portal of their own, one a day back from today, in the shape ingest and sync leave
    // them, but marked as seen by HubSpot at their version so that the outbox sweep leaves each where
    // it stands.
    seeded = await stack.install();
    stack.sim.addUser(seeded, { id: ADMIN.id, email: ADMIN.email, superAdmin: true });
    const connections: Record<string, string> = {};
    for (const vendor of VENDORS) connections[vendor] = (await stack.connect(seeded, vendor as "retell")).id;
    const today = new Date();
    today.setUTCHours(12, 0, 0, 0);
    for (let i = 0; i < 30; i++) {
      const vendor = VENDORS[i % 3]!;
      const status = STATUSES[i % 5]!;
      const at = new Date(today.getTime() - i * 86_400_000);
      const record = { vendor, vendorCallId: `seed-${i}`, eventType: "call_analyzed", stage: "analyzed", direction: "inbound", fromNumber: `+1415555${String(7000 + i)}`, caller: {}, qualification: {}, disposition: i % 2 ? "booked" : "info_only", sentiment: { label: i % 3 ? "positive" : "negative" }, ...(i % 10 === 0 ? { escalation: { reason: "Asked for the owner" } } : {}) };
      const id = randomUUID();
      await db().call.create({ data: { id, portalId: seeded, connectionId: connections[vendor]!, vendor, vendorCallId: `seed-${i}`, record, status, syncedVersion: 1, matchedVia: status === "synced" ? (i % 2 ? "created" : "index") : null, hubspotContactId: status === "synced" ? String(5000 + i) : null, createdAt: at, updatedAt: at } });
      ids.push({ id, at, vendor, status });
    }
    await applyBookingSetup(db(), seeded, { timezone: "UTC", services: [{ name: "Consultation", durationMinutes: 30 }], staff: [{ name: "Alex Rivera", email: "alex@example.com", hours: { mon: ["09:00", "17:00"] } }] });
  });

  const all = async (query: string, portal = seeded) => {
    const seen: CallLogEntry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: CallLogPage = await log(`?limit=7${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, portal);
      expect(page.entries.length).toBeLessThanOrEqual(7);
      seen.push(...page.entries);
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    return { seen, pages };
  };

  it("keyset pages: newest first, every call once, the last page says so", async () => {
    const { seen, pages } = await all("");
    expect(pages).toBe(5);
    expect(seen.map((e) => e.id)).toEqual(ids.map((c) => c.id));
  });

  it("filters by status, vendor and days, and pages within a filter", async () => {
    const status = await all("&status=fallback");
    expect(status.seen.map((e) => e.id)).toEqual(ids.filter((c) => c.status === "fallback").map((c) => c.id));
    expect(status.seen.every((e) => e.status === "fallback")).toBe(true);
    const received = await all("&status=received&vendor=vapi");
    expect(received.seen.map((e) => e.id)).toEqual(ids.filter((c) => c.status === "pending" && c.vendor === "vapi").map((c) => c.id));
    const vendor = await all("&vendor=bland");
    expect(vendor.seen.map((e) => e.id)).toEqual(ids.filter((c) => c.vendor === "bland").map((c) => c.id));
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const range = await all(`&from=${day(ids[12]!.at)}&to=${day(ids[5]!.at)}`);
    expect(range.seen.map((e) => e.id)).toEqual(ids.slice(5, 13).map((c) => c.id));
    expect((await log("?status=quarantined", seeded)).entries).toEqual([]);
  });

  it("refuses a filter or a cursor it does not know", async () => {
    expect((await hubspotFetch("/ui/v1/call-log?status=lost", { portal: seeded })).status).toBe(400);
    expect((await hubspotFetch("/ui/v1/call-log?vendor=acme", { portal: seeded })).status).toBe(400);
    expect((await hubspotFetch("/ui/v1/call-log?from=yesterday", { portal: seeded })).status).toBe(400);
    const cursor = await hubspotFetch("/ui/v1/call-log?cursor=not-ours", { portal: seeded });
    expect(cursor.status).toBe(400);
    expect(cursor.body.error).toMatch(/cursor/);
  });

  it("one portal never sees another's calls", async () => {
    const other = await all("", otherPortal);
    expect(other.seen).toEqual([]);
    const mine = (await all("", portalId)).seen.map((e) => e.id);
    expect(mine.some((id) => ids.some((c) => c.id === id))).toBe(false);
  });

  it("the overview: totals, calls per day by disposition and sentiment over the last 30 days, from our own data", async () => {
    const response = await hubspotFetch("/ui/v1/call-log/overview", { portal: seeded });
    expect(response.status).toBe(200);
    const overview: CallOverview = response.body;
    expect(overview).toMatchObject({ days: 30, timezone: "UTC" });
    expect(overview.totals).toEqual({ calls: 30, synced: 6, failing: 12, bookings: 0, escalations: 3, newContacts: 3 });
    expect(overview.perDay).toHaveLength(30);
    const today = new Date().toISOString().slice(0, 10);
    expect(overview.perDay.at(-1)).toEqual({ day: today, disposition: "info_only", calls: 1 });
    expect(overview.perDay.filter((r) => r.disposition === "booked").reduce((n, r) => n + r.calls, 0)).toBe(15);
    expect(overview.sentiment.filter((r) => r.sentiment === "negative").reduce((n, r) => n + r.calls, 0)).toBe(10);
    const other: CallOverview = (await hubspotFetch("/ui/v1/call-log/overview", { portal: otherPortal })).body;
    expect(other.totals.calls).toBe(0);
    expect(other.perDay).toEqual([]);
  });
});

describe("the onboarding checklist", () => {
  const steps = async (portal: string) => {
    const response = await hubspotFetch("/ui/v1/onboarding", { portal });
    expect(response.status).toBe(200);
    const body: OnboardingResponse = response.body;
    return { ...body, byId: Object.fromEntries(body.steps.map((s) => [s.id, s])) };
  };

  it("follows a new portal from install to its first call and booking", async () => {
    const portal = await stack.install();
    const fresh = await steps(portal);
    expect(fresh.allDone).toBe(false);
    expect(fresh.steps.map((s) => [s.id, s.done])).toEqual([["connect", false], ["urls", false], ["first_call", false], ["booking", false]]);
    expect(fresh.byId.connect).toMatchObject({ detail: "No AI receptionist connected yet", tab: "connections" });

    const retell = await stack.connect(portal, "retell");
    const connected = await steps(portal);
    expect(connected.byId.connect).toMatchObject({ done: true, detail: "Retell AI connected" });
    expect(connected.byId.urls).toMatchObject({ done: false, copyUrl: retell.webhookUrl, detail: expect.stringMatching(/^No delivery yet/) });

    const call = retellCall("call_analyzed", { from: "+14155550604" });
    await stack.deliver(retell, call);
    const row = await stack.waitFor(() => db().call.findFirst({ where: { portalId: portal, status: "synced" } }), { what: "first call synced" });
    const delivered = await steps(portal);
    expect(delivered.byId.urls).toMatchObject({ done: true, detail: "Last delivery just now", copyUrl: null });
    expect(delivered.byId.first_call).toMatchObject({ done: true, link: `https://app.hubspot.com/contacts/${portal}/record/0-48/${row.hubspotCallId}` });
    expect(delivered.byId.booking).toMatchObject({ done: false, tab: "booking" });

    await applyBookingSetup(db(), portal, { timezone: "UTC", services: [{ name: "Consultation", durationMinutes: 30 }], staff: [{ name: "Alex Rivera", email: "alex@example.com", hours: { mon: ["09:00", "17:00"] } }] });
    const done = await steps(portal);
    expect(done.byId.booking).toMatchObject({ done: true, detail: "1 service type, 1 calendar" });
    expect(done.allDone).toBe(true);
  });

  it("a delivery we quarantined still shows the URL is in place; another portal's data never counts", async () => {
    const portal = await stack.install();
    const vapi = await stack.connect(portal, "generic");
    expect((await stack.deliver(vapi, genericCall({ fromNumber: 42 }))).status).toBe(400);
    const after = await steps(portal);
    expect(after.byId.urls).toMatchObject({ done: true, detail: "Last delivery just now" });
    expect(after.byId.first_call!.done).toBe(false);
    const stranger = await steps(await stack.install());
    expect(stranger.steps.every((s) => !s.done)).toBe(true);
  });
});
