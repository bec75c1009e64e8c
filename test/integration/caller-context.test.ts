import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { startStack, TEST_CLIENT_SECRET, TEST_PUBLIC_BASE_URL, type Connection, type Stack } from "../support/harness.js";
import { newCallId, retellCall } from "../support/payloads.js";
import { retellToolCall } from "../support/tools.js";
import { getVendor } from "../../server/vendors/registry.js";
import { signV3 } from "../../server/hubspot/signature.js";
import { speakable } from "../../server/booking/time.js";
import { DEFAULT_SHARED } from "../../server/context/settings.js";
import type { CallerContextShared } from "../../hubspot-app/app/shared/api.js";

// Caller context at the start of a call, end to end over HTTP: the vendors' inbound-call requests on
// the webhook URL (Retell call_inbound, Vapi assistant-request, Synthflow call_inbound) and the
// lookup_caller tool, for a caller we know (from a synced call, a booking and the contact index), one
// only HubSpot knows, one nobody knows, with HubSpot down, across portals, and per portal setting.

const DEADLINE_MS = 1_500; // the production default
const DANA = "+14155550134"; // known: a synced call, a booking, an owner who is on the staff
const LEE = "+14155550177"; // known: a synced call, an owner who is not on the staff
const RILEY = "+14155550188"; // only in HubSpot
const NOBODY = "+14155550199";
const ADMIN = { id: "42", email: "admin@example.com" };

let stack: Stack;
let portalId: string;
let otherPortal: string;
let retell: Connection;
let vapi: Connection;
let synthflow: Connection;
let generic: Connection;
let otherRetell: Connection;
let bookingStart: Date;

const db = () => stack.app.runtime.db;

async function post(connection: Connection, path: "webhooks" | "tools", payload: unknown, options: { tamper?: boolean } = {}) {
  const rawBody = Buffer.from(JSON.stringify(payload));
  const headers = await getVendor(connection.vendor as never).sign(rawBody, connection.secret, Date.now());
  const sent = options.tamper ? Buffer.from(rawBody.toString("utf8").replace("555", "556")) : rawBody;
  const started = performance.now();
  const response = await fetch(`${stack.url}/${path}/${connection.token}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: new Uint8Array(sent) });
  return { status: response.status, body: (await response.json()) as Record<string, any>, ms: performance.now() - started };
}

const retellInbound = (from: string | null) => ({ event: "call_inbound", call_inbound: { agent_id: "agent_demo", from_number: from, to_number: "+14155550100" } });
const vapiAssistantRequest = (from: string) => ({ message: { type: "assistant-request", call: { id: newCallId("vapi"), type: "inboundPhoneCall", customer: { number: from } }, customer: { number: from }, phoneNumber: { number: "+14155550100" } } });
const synthflowInbound = (from: string, callId = newCallId("sf")) => ({ event: "call_inbound", call_inbound: { model_id: "model_demo", from_number: from, to_number: "+14155550100", call_id: callId } });

async function hubspotFetch(path: string, options: { method?: string; body?: unknown; portal?: string } = {}) {
  const method = options.method ?? "GET";
  const url = new URL(path, TEST_PUBLIC_BASE_URL);
  url.searchParams.set("portalId", options.portal ?? portalId);
  url.searchParams.set("userId", ADMIN.id);
  url.searchParams.set("userEmail", ADMIN.email);
  const body = options.body === undefined ? "" : JSON.stringify(options.body);
  const timestamp = Date.now();
  const signature = signV3(TEST_CLIENT_SECRET, method, url.toString(), body, timestamp);
  const response = await fetch(url.toString().replace(TEST_PUBLIC_BASE_URL, stack.url), { method, headers: { "content-type": "application/json", "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": String(timestamp) }, body: body || undefined });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const share = (shared: CallerContextShared, portal = portalId, vapiAssistants?: Record<string, string | null>) => hubspotFetch("/ui/v1/caller-context", { method: "PUT", portal, body: { shared, ...(vapiAssistants ? { vapiAssistants } : {}) } });
const ALL: CallerContextShared = { firstName: true, upcomingBooking: true, lastCall: true, ownerName: true };

async function syncedCall(from: string, analysis: Record<string, unknown>, summary: string) {
  const payload = retellCall("call_analyzed", { from, summary, analysis });
  expect((await stack.deliver(retell, payload)).status).toBe(202);
  return stack.waitFor(() => db().call.findFirst({ where: { vendorCallId: payload.call.call_id as string, status: "synced" } }), { what: "call synced" });
}

beforeAll(async () => {
  // HubSpot's own client timeout far beyond the vendors': only our deadline can answer a hanging HubSpot in time.
  stack = await startStack({ env: { CALLER_CONTEXT_DEADLINE_MS: String(DEADLINE_MS), HUBSPOT_TIMEOUT_MS: "30000" } });
  portalId = await stack.install();
  otherPortal = await stack.install();
  for (const portal of [portalId, otherPortal]) stack.sim.addUser(portal, { id: ADMIN.id, email: ADMIN.email, superAdmin: true });
  [retell, vapi, synthflow, generic, otherRetell] = await Promise.all([stack.connect(portalId, "retell"), stack.connect(portalId, "vapi"), stack.connect(portalId, "synthflow"), stack.connect(portalId, "generic"), stack.connect(otherPortal, "retell")]);

  // Dana called before (synced: indexed, snapshot), booked a haircut, and her owner is on the staff.
  const dana = await syncedCall(DANA, { first_name: "Dana", last_name: "Whitfield", intent: "Water heater repair" }, "Dana's water heater is leaking. She wants a technician this week.");
  const staffOwner = stack.sim.addOwner(portalId, { email: "sam@example.com", firstName: "Sam", lastName: "Okafor" });
  await db().contactSnapshot.update({ where: { portalId_contactId: { portalId, contactId: dana.hubspotContactId! } }, data: { ownerId: staffOwner } });
  await db().bookingSettings.create({ data: { portalId, timezone: "America/Los_Angeles" } });
  const service = await db().serviceType.create({ data: { portalId, name: "Haircut", durationMinutes: 30, aliases: [], reminderMinutes: [] } });
  const staff = await db().staffMember.create({ data: { portalId, name: "Sam Okafor", email: "sam@example.com", timezone: "America/Los_Angeles", hours: {}, hubspotOwnerId: staffOwner } });
  bookingStart = new Date(Math.ceil((Date.now() + 2 * 86_400_000) / 3_600_000) * 3_600_000);
  const end = new Date(bookingStart.getTime() + 30 * 60_000);
  await db().booking.create({ data: { portalId, staffId: staff.id, serviceTypeId: service.id, status: "confirmed", reference: "K7M4QXR9", startAt: bookingStart, endAt: end, blockEndAt: end, callerPhone: DANA, callerName: "Dana Whitfield" } });

  // Lee called before; his owner is not on the staff (HubSpot's owners API has the name).
  const lee = await syncedCall(LEE, { first_name: "Lee", intent: "Billing question" }, "Asked about an invoice.");
  const owner = stack.sim.addOwner(portalId, { email: "jo@example.com", firstName: "Jo", lastName: "Marsh" });
  await db().contactSnapshot.update({ where: { portalId_contactId: { portalId, contactId: lee.hubspotContactId! } }, data: { ownerId: owner } });

  // Riley is a contact in HubSpot the app has never seen.
  stack.sim.seedContact(portalId, { firstname: "Riley", lastname: "Chen", phone: "(415) 555-0188" });
});
afterEach(async () => {
  stack.sim.setDown(false);
  stack.sim.releaseHung();
  await db().callerContextSettings.deleteMany({});
});
afterAll(async () => stack?.stop());

describe("inbound-call webhooks", () => {
  it("Retell call_inbound for a known caller: first name and upcoming booking (the defaults), no HubSpot request, nothing stored", async () => {
    const calls = await db().call.count();
    const requests = stack.sim.countRequests();
    const answer = await post(retell, "webhooks", retellInbound(DANA));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      call_inbound: {
        dynamic_variables: {
          known: "true",
          caller_first_name: "Dana",
          has_upcoming_booking: "true",
          upcoming_booking_service: "Haircut",
          upcoming_booking_time: speakable(bookingStart, "America/Los_Angeles"),
          upcoming_booking_reference: "K 7 M 4, Q X R 9",
        },
      },
    });
    expect(stack.sim.countRequests()).toBe(requests);
    expect(await db().call.count()).toBe(calls);
    expect(await db().quarantinedPayload.count()).toBe(0);
  });

  it("Vapi assistant-request: the connection's assistant, and every field the portal shares (owner from the staff table)", async () => {
    expect((await share(ALL, portalId, { [vapi.id]: "asst_demo_1" })).status).toBe(200);
    const requests = stack.sim.countRequests();
    const answer = await post(vapi, "webhooks", vapiAssistantRequest(DANA));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      assistantId: "asst_demo_1",
      assistantOverrides: { variableValues: { known: "true", caller_first_name: "Dana", has_upcoming_booking: "true", last_call_intent: "Water heater repair", last_call_summary: "Dana's water heater is leaking.", owner_first_name: "Sam" } },
    });
    expect(stack.sim.countRequests()).toBe(requests);
  });

  it("Vapi assistant-request without a configured assistant: Vapi is told why (an error it speaks), not an assistant-less answer", async () => {
    const answer = await post(vapi, "webhooks", vapiAssistantRequest(DANA));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ error: expect.stringMatching(/not set up/) });
  });

  it("Synthflow call_inbound for an unknown caller: empty values and known false, never an empty object", async () => {
    const answer = await post(synthflow, "webhooks", synthflowInbound(NOBODY));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ call_inbound: { override_model_id: "", custom_variables: { known: "false", caller_first_name: "", has_upcoming_booking: "false", upcoming_booking_service: "", upcoming_booking_time: "", upcoming_booking_reference: "" } } });
  });

  it("a Synthflow inbound webhook without a call id (nothing its signature could cover) is answered as an unknown caller, so the call goes on", async () => {
    const { call_id: _none, ...inbound } = synthflowInbound(DANA).call_inbound;
    const response = await fetch(`${stack.url}/webhooks/${synthflow.token}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ event: "call_inbound", call_inbound: inbound }) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ call_inbound: { override_model_id: "", custom_variables: { known: "false", caller_first_name: "", has_upcoming_booking: "false", upcoming_booking_service: "", upcoming_booking_time: "", upcoming_booking_reference: "" } } });
    // Not a wrong secret: the connection is not flagged for it.
    expect((await stack.app.runtime.db.connection.findUniqueOrThrow({ where: { id: synthflow.id } })).lastError).toBeNull();
  });

  it("Synthflow signs only the call id: a second, different body for the same call id gets no caller's context", async () => {
    const callId = newCallId("sf");
    const first = await post(synthflow, "webhooks", synthflowInbound(NOBODY, callId));
    expect(first.body.call_inbound.custom_variables.known).toBe("false");
    const replayed = await post(synthflow, "webhooks", synthflowInbound(DANA, callId));
    expect(replayed.status).toBe(200);
    expect(replayed.body.call_inbound.custom_variables).toMatchObject({ known: "false", caller_first_name: "" });
    // A fresh call id from Dana is answered with her context: the refusal above was the replay's.
    const fresh = await post(synthflow, "webhooks", synthflowInbound(DANA));
    expect(fresh.body.call_inbound.custom_variables).toMatchObject({ known: "true", caller_first_name: "Dana" });
  });

  it("a caller only HubSpot knows: one bounded HubSpot search, and their first name", async () => {
    const searches = () => stack.sim.countRequests({ method: "POST", path: "/crm/v3/objects/contacts/search" });
    const before = searches();
    const answer = await post(retell, "webhooks", retellInbound(RILEY));
    expect(answer.body.call_inbound.dynamic_variables).toMatchObject({ known: "true", caller_first_name: "Riley", has_upcoming_booking: "false" });
    expect(searches()).toBe(before + 1);
  });

  it("HubSpot down (hanging): an unknown caller is answered at the deadline, well inside the vendor's, with what we have", async () => {
    stack.sim.setDown(true, { mode: "hang" });
    const answer = await post(retell, "webhooks", retellInbound(RILEY));
    expect(answer.status).toBe(200);
    expect(answer.body.call_inbound.dynamic_variables).toMatchObject({ known: "false", caller_first_name: "" });
    // The deadline is 1.5 s; the hanging request would hold the answer for seconds (HubSpot's
    // client gives up after 30 s). Vapi drops an assistant-request after 7.5 s.
    expect(answer.ms).toBeLessThan(3_000);
  });

  it("HubSpot down: a known caller whose owner's name is HubSpot's still gets everything else", async () => {
    await share(ALL);
    stack.sim.setDown(true, { mode: "503" });
    const down = await post(retell, "webhooks", retellInbound(LEE));
    expect(down.body.call_inbound.dynamic_variables).toMatchObject({ known: "true", caller_first_name: "Lee", last_call_intent: "Billing question", owner_first_name: "" });
    stack.sim.setDown(false);
    const up = await post(retell, "webhooks", retellInbound(LEE));
    expect(up.body.call_inbound.dynamic_variables.owner_first_name).toBe("Jo");
  });

  it("a field the portal does not share is absent", async () => {
    expect((await share({ firstName: false, upcomingBooking: false, lastCall: true, ownerName: false })).status).toBe(200);
    const vars = (await post(retell, "webhooks", retellInbound(DANA))).body.call_inbound.dynamic_variables;
    expect(vars).toEqual({ known: "true", last_call_intent: "Water heater repair", last_call_summary: "Dana's water heater is leaking." });
    expect(JSON.stringify(vars)).not.toMatch(/Dana"|Haircut|K 7 M 4/);
  });

  it("a bad signature is refused, and nothing about the caller is said", async () => {
    for (const [connection, payload] of [[retell, retellInbound(DANA)], [vapi, vapiAssistantRequest(DANA)], [synthflow, synthflowInbound(DANA)]] as const) {
      const refused = await post(connection, "webhooks", payload, { tamper: true });
      if (connection.vendor === "synthflow") {
        // Its signature covers the call id only: a changed number still verifies, and is the first body of its call.
        expect(refused.status).toBe(200);
        continue;
      }
      expect(refused.status).toBe(401);
      expect(JSON.stringify(refused.body)).not.toMatch(/Dana|Haircut/);
    }
    const forged = await fetch(`${stack.url}/webhooks/${retell.token}`, { method: "POST", headers: { "content-type": "application/json", "x-retell-signature": `v=${Date.now()},d=${randomBytes(32).toString("hex")}` }, body: JSON.stringify(retellInbound(DANA)) });
    expect(forged.status).toBe(401);
    expect(await forged.text()).not.toMatch(/Dana/);
  });

  it("another portal's caller is unknown here, whichever number calls", async () => {
    const answer = await post(otherRetell, "webhooks", retellInbound(DANA));
    expect(answer.body.call_inbound.dynamic_variables).toMatchObject({ known: "false", caller_first_name: "", has_upcoming_booking: "false" });
  });
});

describe("lookup_caller tool", () => {
  it("Retell custom function: the known caller's context as one answer", async () => {
    const answer = await retellToolCall(stack, retell, "lookup_caller", {}, newCallId(), DANA);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ known: "true", caller_first_name: "Dana", upcoming_booking_service: "Haircut", upcoming_booking_reference: "K 7 M 4, Q X R 9" });
    expect(answer.body.result).toMatch(/first name Dana.*Haircut booked/);
    expect(answer.body).not.toHaveProperty("last_call_intent");
  });

  it("ignores a number passed as an argument: the caller is the call's own number", async () => {
    const answer = await retellToolCall(stack, retell, "lookup_caller", { phone: DANA }, newCallId(), NOBODY);
    expect(answer.body).toMatchObject({ known: "false", caller_first_name: "" });
  });

  it("Vapi tool-calls and the generic format answer in their own shapes", async () => {
    const vapiCall = { message: { type: "tool-calls", call: { id: newCallId("vapi") }, customer: { number: DANA }, toolCallList: [{ id: "tc_1", name: "lookup_caller", parameters: {} }] } };
    const fromVapi = await post(vapi, "tools", vapiCall);
    expect(fromVapi.status).toBe(200);
    expect(fromVapi.body.results[0].toolCallId).toBe("tc_1");
    expect(JSON.parse(fromVapi.body.results[0].result)).toMatchObject({ known: "true", caller_first_name: "Dana" });
    const fromGeneric = await post(generic, "tools", { callId: newCallId("gen"), name: "lookup_caller", args: {}, callerPhone: NOBODY });
    expect(fromGeneric.body).toMatchObject({ result: expect.stringMatching(/not known/), known: "false", caller_first_name: "" });
  });

  it("HubSpot down: an unknown caller gets known false at the deadline", async () => {
    stack.sim.setDown(true, { mode: "hang" });
    const answer = await retellToolCall(stack, retell, "lookup_caller", {}, newCallId(), RILEY);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ known: "false", caller_first_name: "" });
  });

  it("another portal's tools URL does not find this portal's caller", async () => {
    const answer = await retellToolCall(stack, otherRetell, "lookup_caller", {}, newCallId(), DANA);
    expect(answer.body).toMatchObject({ known: "false", caller_first_name: "" });
  });

  it("stays off for Synthflow, whose signature does not cover the body", async () => {
    const answer = await post(synthflow, "tools", { call: { call_id: newCallId("sf") }, name: "lookup_caller" });
    expect(answer.status).toBe(403);
  });
});

describe("the per-portal setting (/ui/v1/caller-context)", () => {
  it("defaults to first name and upcoming booking, and lists only the portal's own Vapi connections", async () => {
    const mine = await hubspotFetch("/ui/v1/caller-context");
    expect(mine.body).toEqual({ shared: DEFAULT_SHARED, vapiConnections: [{ connectionId: vapi.id, label: null, assistantId: null }] });
    const theirs = await hubspotFetch("/ui/v1/caller-context", { portal: otherPortal });
    expect(theirs.body.vapiConnections).toEqual([]);
  });

  it("a portal cannot set another portal's Vapi assistant, and its own choice does not leak into the other portal", async () => {
    const refused = await share(ALL, otherPortal, { [vapi.id]: "asst_hijack" });
    expect(refused.status).toBe(404);
    expect((await hubspotFetch("/ui/v1/caller-context")).body.shared).toEqual(DEFAULT_SHARED);
    expect((await db().callerContextSettings.findUnique({ where: { portalId } }))).toBeNull();
  });

  it("a user who is not a super admin cannot change it", async () => {
    stack.sim.addUser(portalId, { id: "43", email: "rep@example.com", superAdmin: false });
    const url = new URL("/ui/v1/caller-context", TEST_PUBLIC_BASE_URL);
    url.searchParams.set("portalId", portalId);
    url.searchParams.set("userId", "43");
    url.searchParams.set("userEmail", "rep@example.com");
    const body = JSON.stringify({ shared: ALL });
    const timestamp = Date.now();
    const response = await fetch(url.toString().replace(TEST_PUBLIC_BASE_URL, stack.url), { method: "PUT", headers: { "content-type": "application/json", "x-hubspot-signature-v3": signV3(TEST_CLIENT_SECRET, "PUT", url.toString(), body, timestamp), "x-hubspot-request-timestamp": String(timestamp) }, body });
    expect(response.status).toBe(403);
    expect(await db().callerContextSettings.findUnique({ where: { portalId } })).toBeNull();
  });
});
