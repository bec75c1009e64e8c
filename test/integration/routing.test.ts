import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { uiFetch, type UiRequest, type UiUser } from "../support/ui.js";
import { genericCall } from "../support/payloads.js";
import type { RoutingResponse, RoutingUpdateRequest } from "../../hubspot-app/app/shared/api.js";
import { DEFAULT_ROUTING } from "../../server/routing/settings.js";
import { REQUIRED_SCOPES } from "../../server/hubspot/scopes.js";

// Routing new callers, end to end: the rules saved from the settings page (owners from HubSpot's
// owners API, super admins only), round-robin fair across two worker processes, zip and intent
// routes, escalation tasks for that owner due by urgency, and the optional Lead (skipped with a
// reason when the install lacks the permission, never failing the call).

let stack: Stack;
let worker2: Stack;
let portalId: string;
let otherPortal: string;
let generic: Connection;
const owners: string[] = [];

const ADMIN: UiUser = { id: "42", email: "admin@example.com" };
const REP: UiUser = { id: "43", email: "rep@example.com" };
const ui = (path: string, options: Partial<UiRequest> = {}) => uiFetch(stack, path, { ...options, portal: options.portal ?? portalId, user: options.user ?? ADMIN });

let numberSeq = 0;
const freshNumber = () => `+1628555${String(3000 + numberSeq++).padStart(4, "0")}`;

async function saveRouting(update: Partial<RoutingUpdateRequest>, portal = portalId) {
  const answer = await ui("/ui/v1/routing", { method: "PUT", body: { ...DEFAULT_ROUTING, ...update }, portal });
  expect(answer).toEqual({ status: 200, body: { saved: true } });
}

async function newCaller(connection: Connection, extra: Record<string, unknown> = {}) {
  const payload = genericCall({ fromNumber: freshNumber(), ...extra });
  expect((await stack.deliver(connection, payload)).status).toBe(202);
  return stack.waitFor(() => stack.app.runtime.db.call.findFirst({ where: { vendorCallId: payload.vendorCallId, status: "synced" } }), { what: "the call synced", timeoutMs: 40_000 });
}

const ownerOf = (portal: string, contactId: string) => stack.sim.portal(portal).object("contacts", contactId)!.properties.hubspot_owner_id ?? null;

beforeAll(async () => {
  stack = await startStack();
  // A second worker process of the same deployment: same database, queue and simulator.
  worker2 = await startStack({ role: "worker", databaseUrl: stack.databaseUrl, prefix: stack.prefix, sharedSim: stack.sim });
  portalId = await stack.install();
  otherPortal = await stack.install();
  for (const portal of [portalId, otherPortal]) stack.sim.addUser(portal, { id: ADMIN.id, email: ADMIN.email, superAdmin: true });
  stack.sim.addUser(portalId, { id: REP.id, email: REP.email, superAdmin: false });
  for (const name of ["Ana", "Ben", "Cy"]) owners.push(stack.sim.addOwner(portalId, { email: `${name.toLowerCase()}@example.com`, firstName: name, lastName: "Staff" }));
  generic = await stack.connect(portalId, "generic");
});
afterAll(async () => {
  await worker2?.stop();
  await stack?.stop();
});

describe("the Routing tab's backend", () => {
  it("GET: defaults, with the portal's owners from HubSpot (every page)", async () => {
    const crowded = await stack.install();
    for (let i = 0; i < 105; i++) stack.sim.addOwner(crowded, { email: `o${i}@example.com`, firstName: `Owner${i}`, lastName: "X" });
    const answer = await ui("/ui/v1/routing", { portal: crowded, user: REP });
    expect(answer.status).toBe(200);
    const body = answer.body as RoutingResponse;
    expect(body).toMatchObject({ ...DEFAULT_ROUTING, ownersError: null, leadsSkipped: null });
    expect(body.owners).toHaveLength(105);
    expect(body.owners[104]).toMatchObject({ name: "Owner104 X", email: "o104@example.com" });
  });

  it("PUT: a user who is not a super admin gets 403 with the reason; nothing changes", async () => {
    const answer = await ui("/ui/v1/routing", { method: "PUT", body: { ...DEFAULT_ROUTING, ownerRule: "round_robin", roundRobinOwnerIds: owners }, user: REP });
    expect(answer).toEqual({ status: 403, body: { error: "Only a super admin can change this.", code: "not_super_admin" } });
    expect((await ui("/ui/v1/routing")).body.ownerRule).toBe("none");
  });

  it("PUT: owners must be this portal's; a rule needs its owners; bad input names the field", async () => {
    const foreign = stack.sim.addOwner(otherPortal, { email: "elsewhere@example.com", firstName: "Else", lastName: "Where" });
    const refused = await ui("/ui/v1/routing", { method: "PUT", body: { ...DEFAULT_ROUTING, ownerRule: "round_robin", roundRobinOwnerIds: [owners[0], foreign] } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toContain(foreign);
    const empty = await ui("/ui/v1/routing", { method: "PUT", body: { ...DEFAULT_ROUTING, ownerRule: "zip" } });
    expect(empty).toEqual({ status: 400, body: { error: "zipRoutes: routing by zip needs at least one zip prefix" } });
    const bad = await ui("/ui/v1/routing", { method: "PUT", body: { ...DEFAULT_ROUTING, ambiguityRule: "newest" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain("ambiguityRule");
    // The other portal's settings are its own.
    await saveRouting({ ambiguityRule: "has_owner" }, otherPortal);
    expect((await ui("/ui/v1/routing")).body.ambiguityRule).toBe("oldest");
  });
});

describe("owners for new callers", () => {
  it("round-robin spreads new callers evenly over the chosen owners, across two worker processes", async () => {
    await saveRouting({ ownerRule: "round_robin", roundRobinOwnerIds: owners });
    const rows = await Promise.all(Array.from({ length: 9 }, () => newCaller(generic)));
    const given = rows.map((row) => ownerOf(portalId, row.hubspotContactId!));
    const counts = owners.map((id) => given.filter((g) => g === id).length);
    expect(counts).toEqual([3, 3, 3]);
    expect(rows.map((r) => r.assignedOwnerId).sort()).toEqual([...given].sort());
    // A known caller keeps the owner they have.
    const again = genericCall({ fromNumber: stack.sim.portal(portalId).object("contacts", rows[0]!.hubspotContactId!)!.properties.phone });
    await stack.deliver(generic, again);
    const second = await stack.waitFor(() => stack.app.runtime.db.call.findFirst({ where: { vendorCallId: again.vendorCallId, status: "synced" } }), { what: "second call" });
    expect(second).toMatchObject({ hubspotContactId: rows[0]!.hubspotContactId, assignedOwnerId: null });
    expect(ownerOf(portalId, rows[0]!.hubspotContactId!)).toBe(given[0]);
  });

  it("by zip: the longest prefix the caller's zip starts with, else the fallback owner", async () => {
    await saveRouting({ ownerRule: "zip", zipRoutes: [{ prefix: "94", ownerId: owners[0]! }, { prefix: "941", ownerId: owners[1]! }], fallbackOwnerId: owners[2]! });
    const mission = await newCaller(generic, { caller: { firstName: "Mo", zip: "94110" } });
    const paloAlto = await newCaller(generic, { caller: { firstName: "Pat", zip: "94301" } });
    const newYork = await newCaller(generic, { caller: { firstName: "Ny", zip: "10001" } });
    expect([mission, paloAlto, newYork].map((r) => ownerOf(portalId, r.hubspotContactId!))).toEqual([owners[1], owners[0], owners[2]]);
  });

  it("by intent or service; nothing matching and no fallback: no owner", async () => {
    await saveRouting({ ownerRule: "intent", intentRoutes: [{ match: "water heater", ownerId: owners[2]! }, { match: "quote", ownerId: owners[0]! }] });
    const heater = await newCaller(generic, { intent: "Leaking water heater" });
    const quote = await newCaller(generic, { intent: "pricing", qualification: { service: "Quote visit" } });
    const other = await newCaller(generic, { intent: "billing question" });
    expect([heater, quote, other].map((r) => ownerOf(portalId, r.hubspotContactId!))).toEqual([owners[2], owners[0], null]);
  });

  it("escalation tasks go to the routed owner, due in an hour when urgent; an existing contact's go to its owner, next business day 09:00 when not", async () => {
    await saveRouting({ ownerRule: "intent", intentRoutes: [{ match: "flood", ownerId: owners[1]! }] });
    const urgent = await newCaller(generic, { intent: "basement flood", urgency: "high", escalation: { reason: "Water coming in now" } });
    const task = stack.sim.portal(portalId).object("tasks", urgent.hubspotFollowUpId!)!;
    expect(task.properties.hubspot_owner_id).toBe(owners[1]);
    expect(task.properties.hs_task_priority).toBe("HIGH");
    // Due an hour after the task was written (the sync's clock and the simulator's are one machine's).
    const dueIn = Date.parse(task.properties.hs_timestamp!) - Date.parse(task.properties.hs_createdate!);
    expect(dueIn).toBeGreaterThan(55 * 60_000);
    expect(dueIn).toBeLessThanOrEqual(60 * 60_000);

    const number = freshNumber();
    const known = stack.sim.seedContact(portalId, { firstname: "Kai", phone: number, hubspot_owner_id: owners[0]! });
    const calm = await newCaller(generic, { fromNumber: number, intent: "flood insurance paperwork", urgency: "low", escalation: { reason: "Wants a callback about paperwork" } });
    expect(calm.hubspotContactId).toBe(known.id);
    const lowTask = stack.sim.portal(portalId).object("tasks", calm.hubspotFollowUpId!)!;
    expect(lowTask.properties.hubspot_owner_id).toBe(owners[0]);
    const due = new Date(lowTask.properties.hs_timestamp!);
    expect(due.toISOString().slice(11)).toBe("09:00:00.000Z"); // booking not set up: UTC
    expect([1, 2, 3, 4, 5]).toContain(due.getUTCDay());
    expect(due.getTime()).toBeGreaterThan(Date.parse(lowTask.properties.hs_createdate!));
    expect(due.getTime() - Date.parse(lowTask.properties.hs_createdate!)).toBeLessThan(4 * 24 * 3_600_000);
  });
});

describe("a HubSpot Lead for new callers (off by default)", () => {
  it("on: one Lead per new caller, on the contact, for the routed owner; none for a known caller", async () => {
    await saveRouting({ ownerRule: "round_robin", roundRobinOwnerIds: [owners[2]!], createLeads: true });
    const row = await newCaller(generic, { caller: { firstName: "Lina", lastName: "Park" } });
    expect(row).toMatchObject({ leadState: "created", hubspotLeadId: expect.any(String) });
    const lead = stack.sim.portal(portalId).object("leads", row.hubspotLeadId!)!;
    expect(lead.associations).toEqual([row.hubspotContactId]);
    expect(lead.properties).toMatchObject({ hs_lead_name: "Lina Park (AI receptionist call)", hubspot_owner_id: owners[2] });
    const leadsBefore = stack.sim.portal(portalId).leads().length;
    const phone = stack.sim.portal(portalId).object("contacts", row.hubspotContactId!)!.properties.phone;
    const known = await newCaller(generic, { fromNumber: phone });
    expect(known.leadState).toBeNull();
    expect(stack.sim.portal(portalId).leads()).toHaveLength(leadsBefore);
  });

  it("an install without the Leads permission: the call syncs, the Lead is skipped, the reason shows in settings", async () => {
    const narrow = await stack.install(undefined, { scopes: [...REQUIRED_SCOPES] });
    stack.sim.addUser(narrow, { id: ADMIN.id, email: ADMIN.email, superAdmin: true });
    const connection = await stack.connect(narrow, "generic");
    await saveRouting({ createLeads: true }, narrow);
    const row = await newCaller(connection);
    expect(row).toMatchObject({ status: "synced", leadState: "skipped", hubspotLeadId: null });
    expect(stack.sim.portal(narrow).calls().some((c) => c.id === row.hubspotCallId)).toBe(true);
    expect(stack.sim.countRequests({ portalId: narrow, pathPrefix: "/crm/v3/objects/leads" })).toBe(0);
    const settings = (await ui("/ui/v1/routing", { portal: narrow })).body as RoutingResponse;
    expect(settings.leadsSkipped?.reason).toContain("crm.objects.leads.write");
  });

  it("HubSpot refusing the Lead (403) is skipped the same way, never failing the call", async () => {
    stack.sim.failMatching((r) => r.path.startsWith("/crm/v3/objects/leads"), { status: 403 });
    try {
      const row = await newCaller(generic);
      expect(row).toMatchObject({ status: "synced", leadState: "skipped" });
      expect((await ui("/ui/v1/routing")).body.leadsSkipped.reason).toContain("permission");
    } finally {
      stack.sim.failMatching(null);
    }
  });
});
