import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, TEST_APP_ID, TEST_CLIENT_SECRET, TEST_PUBLIC_BASE_URL, type Connection, type Stack } from "../support/harness.js";
import { startVendorApiSim, type DialVendor, type VendorAccount, type VendorApiSim } from "../../simulators/vendors-api/index.js";
import { runCli } from "../../server/cli/main.js";
import { outboundSet } from "../../server/cli/workflows.js";
import { ACTION_PATH } from "../../server/workflows/definition.js";
import type { CallRecord } from "../../server/calls/record.js";

// The workflow action "Call this contact with the AI receptionist", end to end over real HTTP: the app
// registers it with HubSpot's automation actions API (developer key), a workflow in the HubSpot
// simulator executes it for a contact (signed as HubSpot signs), the app starts the call through the
// vendor simulator's API, the vendor sends the call's post-call webhook, and the worker logs an
// OUTBOUND Call on that contact. Failures come back as FAIL_CONTINUE with the reason the workflow
// history shows; HubSpot's retries of one execution never dial twice.

const DEVELOPER_KEY = "dev-key-0123456789abcdef";

let stack: Stack;
let vendors: VendorApiSim;
let portalId: string;
let definitionId: string;
let ownerId: string;

beforeAll(async () => {
  let appUrl = "";
  // The vendors post webhooks to the app's public URL: the simulator delivers them to its local address.
  vendors = await startVendorApiSim({ route: (url) => url.replace(TEST_PUBLIC_BASE_URL, appUrl) });
  stack = await startStack({ env: { HUBSPOT_DEVELOPER_API_KEY: DEVELOPER_KEY, RETELL_API_BASE_URL: vendors.urls.retell, VAPI_API_BASE_URL: vendors.urls.vapi, BLAND_API_BASE_URL: vendors.urls.bland } });
  appUrl = stack.url;
  stack.sim.automation.addDeveloperKey(Number(TEST_APP_ID), DEVELOPER_KEY);
  portalId = await stack.install();
  ownerId = stack.sim.addOwner(portalId, { email: "priya.owner@example.com", firstName: "Priya", lastName: "Natarajan" });
  const registered = (await runCli(["workflows", "register"], stack.app.runtime)) as { definitionId: string; created: boolean; actionUrl: string };
  expect(registered).toMatchObject({ created: true, actionUrl: `${TEST_PUBLIC_BASE_URL}${ACTION_PATH}` });
  definitionId = registered.definitionId;
});
afterAll(async () => {
  await stack?.stop();
  await vendors?.close();
});

/** A connection of the vendor with outbound calls set up, and the vendor account behind it. */
async function outboundConnection(vendor: DialVendor, options: { agents?: string[]; agent?: string; concurrency?: number; maxConcurrent?: number } = {}): Promise<{ connection: Connection; account: VendorAccount }> {
  const webhookSecret = `whsec-${vendor}-${Math.random().toString(36).slice(2, 12)}`;
  const apiKey = `key-${vendor}-${Math.random().toString(36).slice(2, 12)}`;
  // Retell signs webhooks with the API key itself; Vapi and Bland with their webhook secret.
  const connection = await stack.connect(portalId, vendor, vendor === "retell" ? apiKey : webhookSecret);
  const agents = options.agents ?? ["agent_outbound_1"];
  const account = vendors.addAccount(vendor, { apiKey, webhookSecret, webhookUrl: connection.webhookUrl, numbers: ["+14155550100"], phoneNumberIds: { "pn_sim_1": "+14155550100" }, agents, concurrency: options.concurrency ?? 20 });
  await outboundSet(stack.app.runtime, {
    portalId,
    connectionId: connection.id,
    apiKey,
    fromNumber: vendor === "vapi" ? undefined : "+14155550100",
    agentId: options.agent ?? agents[0],
    phoneNumberId: vendor === "vapi" ? "pn_sim_1" : undefined,
    maxConcurrent: options.maxConcurrent === undefined ? undefined : String(options.maxConcurrent),
  });
  return { connection, account };
}

const execute = (contactId: string, inputFields: Record<string, string>, extra: { callbackId?: string; signing?: Parameters<Stack["sim"]["automation"]["execute"]>[0]["signing"] } = {}) =>
  stack.sim.automation.execute({ definitionId, portalId, objectId: contactId, inputFields, send: `${stack.url}${ACTION_PATH}`, ...extra });

async function loggedCall(vendorCallId: string) {
  return stack.waitFor(async () => {
    const row = await stack.app.runtime.db.call.findFirst({ where: { vendorCallId } });
    // Every event delivered so far is synced (call_ended may sync before call_analyzed lands).
    return row?.status === "synced" && row.hubspotCallId && row.syncedVersion >= row.version ? row : null;
  }, { what: `the outbound call ${vendorCallId} logged in HubSpot` });
}

describe("workflow action: call this contact with the AI receptionist", () => {
  it("is registered once per app with the developer key, and registering again updates it", async () => {
    const again = (await runCli(["workflows", "register"], stack.app.runtime)) as { definitionId: string; created: boolean };
    expect(again).toEqual({ definitionId, created: false, actionUrl: `${TEST_PUBLIC_BASE_URL}${ACTION_PATH}` });
    const [definition, ...others] = stack.sim.automation.definitionsOf(Number(TEST_APP_ID));
    expect(others).toEqual([]);
    expect(definition!.revisionId).toBe("2");
    expect(definition!.objectRequestOptions?.properties).toEqual(expect.arrayContaining(["firstname", "phone", "hubspot_owner_id"]));
    expect(definition!.inputFields.map((f) => f.typeDefinition.name)).toEqual(["connection", "reason"]);
  });

  it("Retell: from HubSpot's signed execution to the vendor's outbound call and back to an OUTBOUND Call on that contact", async () => {
    const { connection } = await outboundConnection("retell");
    // Another contact shares the number and is older: matching by phone alone would pick it.
    const decoy = stack.sim.seedContact(portalId, { firstname: "Casey", lastname: "Older", phone: "+14155550142" });
    const contact = stack.sim.seedContact(portalId, { firstname: "Jordan", lastname: "Reyes", phone: "(415) 555-0142", hubspot_owner_id: ownerId });

    const execution = await execute(contact.id, { connection: connection.id, reason: "follow up on the water heater quote" });
    expect(execution.status).toBe(200);
    expect(execution.history).toEqual({ state: "SUCCESS", message: null });
    const [created, ...more] = vendors.calls("retell");
    expect(more).toEqual([]);
    expect(execution.body).toMatchObject({ outputFields: { hs_execution_state: "SUCCESS", vendor_call_id: created!.id } });
    expect(created).toMatchObject({ to: "+14155550142", from: "+14155550100", agentId: "agent_outbound_1", variables: { first_name: "Jordan", owner_first_name: "Priya", reason: "follow up on the water heater quote" } });

    // HubSpot retries the same execution (a timeout on its side): the first answer, no second call.
    const retry = await execute(contact.id, { connection: connection.id, reason: "follow up on the water heater quote" }, { callbackId: lastCallbackId() });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(execution.body);
    expect(vendors.calls("retell")).toHaveLength(1);
    expect(vendors.requests("retell")).toHaveLength(1);

    // The call ends; Retell's call_ended and call_analyzed land like any other call's.
    const answers = await vendors.completeCall(created!.id, { summary: "Jordan confirmed the quote and wants the install next week.", sentiment: "Positive", extracted: { intent: "quote follow-up" } });
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    const row = await loggedCall(created!.id);
    expect((row.record as unknown as CallRecord).direction).toBe("outbound");
    expect(row.hubspotContactId).toBe(contact.id);
    const logged = stack.sim.portal(portalId).object("calls", row.hubspotCallId!)!;
    expect(logged.associations).toEqual([contact.id]);
    expect(logged.properties).toMatchObject({ hs_call_direction: "OUTBOUND", hs_call_to_number: "+14155550142", hs_call_from_number: "+14155550100" });
    const after = stack.sim.portal(portalId).object("contacts", contact.id)!;
    expect(after.properties).toMatchObject({ ai_call_count: "1", ai_intent: "quote follow-up", ai_sentiment: "positive" });
    expect(stack.sim.portal(portalId).object("contacts", decoy.id)!.properties.ai_call_count ?? null).toBeNull();
  });

  it("Vapi and Bland: the same round trip through their own APIs and webhooks", async () => {
    for (const vendor of ["vapi", "bland"] as const) {
      const { connection } = await outboundConnection(vendor);
      const phone = vendor === "vapi" ? "+14155550143" : "+14155550144";
      const contact = stack.sim.seedContact(portalId, { firstname: vendor === "vapi" ? "Avery" : "Morgan", phone });
      const execution = await execute(contact.id, { connection: connection.id, reason: "confirm tomorrow's visit" });
      expect(execution.history.state).toBe("SUCCESS");
      const created = vendors.calls(vendor).at(-1)!;
      expect(created).toMatchObject({ to: phone, variables: { first_name: contact.properties.firstname, owner_first_name: "", reason: "confirm tomorrow's visit" } });
      if (vendor === "bland") expect(created.webhook).toBe(connection.webhookUrl);
      expect((await vendors.completeCall(created.id)).map((a) => a.status)).toEqual([202]);
      const row = await loggedCall(created.id);
      expect(row.hubspotContactId).toBe(contact.id);
      expect(stack.sim.portal(portalId).object("calls", row.hubspotCallId!)!.properties.hs_call_direction).toBe("OUTBOUND");
    }
  });

  it("refuses a request HubSpot did not sign, a tampered one, and an old one", async () => {
    const { connection } = await outboundConnection("retell");
    const contact = stack.sim.seedContact(portalId, { firstname: "Riley", phone: "+14155550145" });
    const before = vendors.requests().length;
    const wrongSecret = await execute(contact.id, { connection: connection.id }, { signing: { secret: "not-the-client-secret-000" } });
    expect(wrongSecret.status).toBe(401);
    const old = await execute(contact.id, { connection: connection.id }, { signing: { timestampMs: Date.now() - 6 * 60_000 } });
    expect(old.status).toBe(401);
    expect(old.body).toMatchObject({ message: expect.stringContaining("older than 5 minutes") });
    const unsigned = await execute(contact.id, { connection: connection.id }, { signing: { only: "none" } });
    expect(unsigned.status).toBe(401);
    const v2WrongSecret = await execute(contact.id, { connection: connection.id }, { signing: { only: "v2", secret: "not-the-client-secret-000" } });
    expect(v2WrongSecret.status).toBe(401);
    // A tampered body: HubSpot's signature over another contact id.
    const body = JSON.stringify({ callbackId: "ap-tampered-1", origin: { portalId: Number(portalId) }, object: { objectId: Number(contact.id), objectType: "CONTACT" }, inputFields: { connection: connection.id } });
    const { createHmac } = await import("node:crypto");
    const now = Date.now();
    const signature = createHmac("sha256", TEST_CLIENT_SECRET).update(`POST${TEST_PUBLIC_BASE_URL}${ACTION_PATH}${body}${now}`).digest("base64");
    const tampered = await fetch(`${stack.url}${ACTION_PATH}`, { method: "POST", headers: { "content-type": "application/json", "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": String(now) }, body: body.replace(`"objectId":${contact.id}`, `"objectId":${Number(contact.id) + 1}`) });
    expect(tampered.status).toBe(401);
    expect(vendors.requests().length).toBe(before);
    // v2 alone, correctly signed, is what HubSpot's custom action guide describes: accepted.
    const v2 = await execute(contact.id, { connection: connection.id }, { signing: { only: "v2" } });
    expect(v2.history.state).toBe("SUCCESS");
  });

  it("a bad phone number, a missing one and a vendor's refusal are action failures with the reason HubSpot shows", async () => {
    const { connection } = await outboundConnection("retell", { agents: ["agent_outbound_1"], agent: "agent_retired_9" });
    const { connection: good } = await outboundConnection("retell");
    const badNumber = stack.sim.seedContact(portalId, { firstname: "Sam", phone: "12" });
    const noNumber = stack.sim.seedContact(portalId, { firstname: "Lee", email: "lee.nophone@example.com" });
    const fine = stack.sim.seedContact(portalId, { firstname: "Quinn", phone: "+14155550146" });
    const requests = vendors.requests("retell").length;

    const bad = await execute(badNumber.id, { connection: good.id });
    expect(bad.body).toMatchObject({ outputFields: { hs_execution_state: "FAIL_CONTINUE", errorCode: "INVALID_PHONE" } });
    expect(bad.history.state).toBe("FAILED");
    expect(bad.history.message).toMatch(/^Not called: the contact's phone number cannot be dialled\. ".*12" is not a phone number/);
    const missing = await execute(noNumber.id, { connection: good.id });
    expect(missing.history).toEqual({ state: "FAILED", message: "Not called: the contact has no phone number." });
    expect(vendors.requests("retell").length).toBe(requests);

    const refused = await execute(fine.id, { connection: connection.id, reason: "renewal" });
    expect(refused.body).toMatchObject({ outputFields: { hs_execution_state: "FAIL_CONTINUE", errorCode: "VENDOR_REFUSED" } });
    expect(refused.history.message).toBe("Not called: the AI receptionist's provider refused the call. retell answered 422: Cannot find requested asset under given api key. (override_agent_id)");
    const unknown = await execute(fine.id, { connection: "no-such-connection" });
    expect(unknown.history.message).toContain("no AI receptionist connection by that name");
    const synthflow = await stack.connect(portalId, "synthflow");
    const cannot = await execute(fine.id, { connection: synthflow.id });
    expect(cannot.body).toMatchObject({ outputFields: { errorCode: "NOT_CONFIGURED" } });
  });

  it("respects the connection's cap on calls at once and the vendor's 429: HubSpot is told to retry, and the retry dials", async () => {
    const { connection } = await outboundConnection("retell", { maxConcurrent: 1 });
    const first = stack.sim.seedContact(portalId, { firstname: "Drew", phone: "+14155550147" });
    const second = stack.sim.seedContact(portalId, { firstname: "Emery", phone: "+14155550148" });
    expect((await execute(first.id, { connection: connection.id })).history.state).toBe("SUCCESS");
    const capped = await execute(second.id, { connection: connection.id });
    expect(capped.status).toBe(429);
    expect(capped.retryAfter).toBe("60");
    expect(capped.history.state).toBe("RETRY");
    // The first call ends (its webhook is stored): the cap frees, HubSpot's retry of the execution dials.
    const firstCall = vendors.calls("retell").at(-1)!;
    await vendors.completeCall(firstCall.id);
    await loggedCall(firstCall.id);
    vendors.failNext("retell", 1, { status: 429, body: { status: "error", message: "Account rate limited, please throttle your requests." }, headers: { "retry-after": "7" } });
    const throttled = await execute(second.id, { connection: connection.id }, { callbackId: "ap-cap-retry-1" });
    expect(throttled.status).toBe(429);
    expect(throttled.retryAfter).toBe("7");
    const retried = await execute(second.id, { connection: connection.id }, { callbackId: "ap-cap-retry-1" });
    expect(retried.history.state).toBe("SUCCESS");
    expect(vendors.calls("retell").at(-1)!.to).toBe("+14155550148");
  });

  it("concurrent retries of one execution place one call", async () => {
    const { connection } = await outboundConnection("bland");
    const contact = stack.sim.seedContact(portalId, { firstname: "Harper", phone: "+14155550149" });
    const before = vendors.calls("bland").length;
    const results = await Promise.all(Array.from({ length: 5 }, () => execute(contact.id, { connection: connection.id }, { callbackId: "ap-concurrent-1" })));
    expect(vendors.calls("bland").length - before).toBe(1);
    expect(results.filter((r) => r.history.state === "SUCCESS").length).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r.history.state === "SUCCESS" || r.status === 429)).toBe(true);
  });
});

function lastCallbackId(): string {
  const [call] = vendors.calls("retell");
  return String(call!.metadata.hubspot_callback_id);
}
