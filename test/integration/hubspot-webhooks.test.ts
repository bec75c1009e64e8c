import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, TEST_APP_ID, TEST_CLIENT_SECRET, TEST_PUBLIC_BASE_URL, newPortalId, type Connection, type Stack } from "../support/harness.js";
import { retellCall } from "../support/payloads.js";
import { signV3 } from "../../server/hubspot/signature.js";

// /hubspot/webhooks takes HubSpot's app webhook deliveries only. hubspot.fetch requests from the card
// or settings page carry the same v3 signature (same client secret), so a user of any portal could
// otherwise have HubSpot sign a privacy deletion or a merge naming another portal.

let stack: Stack;
let victim: string;
let attacker: string;
let victimContact: string;
const TARGET = `${TEST_PUBLIC_BASE_URL}/hubspot/webhooks`;

/** What a user of `portalId` can make HubSpot send through hubspot.fetch: the query is always appended. */
async function viaHubSpotFetch(portalId: string, events: unknown, path = "/hubspot/webhooks") {
  const url = new URL(path, TEST_PUBLIC_BASE_URL);
  url.searchParams.set("portalId", portalId);
  url.searchParams.set("userId", "42");
  url.searchParams.set("userEmail", "someone@example.com");
  const body = JSON.stringify(events);
  const timestamp = Date.now();
  const response = await fetch(url.toString().replace(TEST_PUBLIC_BASE_URL, stack.url), {
    method: "POST",
    headers: { "content-type": "application/json", "x-hubspot-signature-v3": signV3(TEST_CLIENT_SECRET, "POST", url.toString(), body, timestamp), "x-hubspot-request-timestamp": String(timestamp) },
    body,
  });
  return { status: response.status, body: await response.text() };
}

/** Signed exactly as HubSpot signs its webhook deliveries, but with a body of our choosing. */
async function signedDelivery(events: unknown) {
  const body = JSON.stringify(events);
  const timestamp = Date.now();
  const response = await fetch(`${stack.url}/hubspot/webhooks`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hubspot-signature-v3": signV3(TEST_CLIENT_SECRET, "POST", TARGET, body, timestamp), "x-hubspot-request-timestamp": String(timestamp) },
    body,
  });
  return { status: response.status, body: await response.text() };
}

const victimCallIntact = async () => {
  const calls = await stack.app.runtime.db.call.findMany({ where: { portalId: victim } });
  return calls.length > 0 && calls.every((c) => JSON.stringify(c.record).includes("4155550777"));
};

beforeAll(async () => {
  stack = await startStack();
  victim = await stack.install();
  attacker = await stack.install();
  const retell: Connection = await stack.connect(victim, "retell");
  const payload = retellCall("call_analyzed", { from: "+14155550777", analysis: { first_name: "Ines" } });
  await stack.deliver(retell, payload);
  const row = await stack.waitFor(() => stack.app.runtime.db.call.findFirst({ where: { portalId: victim, status: "synced" } }), { what: "victim call synced" });
  victimContact = row.hubspotContactId!;
});
afterAll(async () => stack?.stop());

describe("HubSpot webhooks accept only HubSpot's deliveries", () => {
  it("a hubspot.fetch request (it always has a query string) cannot delete another portal's contact", async () => {
    const forged = [{ subscriptionType: "contact.privacyDeletion", portalId: Number(victim), objectId: Number(victimContact), appId: Number(TEST_APP_ID) }];
    const response = await viaHubSpotFetch(attacker, forged);
    expect(response.status).toBe(400);
    expect(response.body).toMatch(/query/);
    expect(await victimCallIntact()).toBe(true);
  });

  it("events of another app are refused", async () => {
    const response = await signedDelivery([{ subscriptionType: "contact.privacyDeletion", portalId: Number(victim), objectId: Number(victimContact), appId: 999 }]);
    expect(response.status).toBe(400);
    expect(response.body).toMatch(/appId/);
    const missing = await signedDelivery([{ subscriptionType: "contact.privacyDeletion", portalId: Number(victim), objectId: Number(victimContact) }]);
    expect(missing.status).toBe(400);
    expect(await victimCallIntact()).toBe(true);
  });

  it("at most 100 events per request, as HubSpot sends them", async () => {
    const events = Array.from({ length: 101 }, (_, i) => ({ subscriptionType: "contact.deletion", portalId: Number(victim), objectId: 10_000 + i, appId: Number(TEST_APP_ID) }));
    const response = await signedDelivery(events);
    expect(response.status).toBe(400);
    expect(response.body).toMatch(/100/);
  });

  it("an event acts only on a portal that has the app installed", async () => {
    const gone = newPortalId();
    const db = stack.app.runtime.db;
    await db.portal.create({ data: { id: gone, status: "uninstalled" } });
    const connection = await db.connection.findFirstOrThrow({ where: { portalId: victim } });
    await db.call.create({ data: { portalId: gone, connectionId: connection.id, vendor: "retell", vendorCallId: `kept_${gone}`, record: { fromNumber: "+14155550778" }, hubspotContactId: "555" } });
    const response = await signedDelivery([{ subscriptionType: "contact.privacyDeletion", portalId: Number(gone), objectId: 555, appId: Number(TEST_APP_ID) }]);
    expect(response.status).toBe(204);
    const kept = await db.call.findFirstOrThrow({ where: { portalId: gone } });
    expect(JSON.stringify(kept.record)).toContain("4155550778");
  });

  it("HubSpot's own delivery (the simulator signs it as HubSpot does) is obeyed", async () => {
    const response = await stack.sim.deliverAppWebhook({ targetUrl: TARGET, send: `${stack.url}/hubspot/webhooks`, events: [{ subscriptionType: "contact.privacyDeletion", portalId: Number(victim), objectId: Number(victimContact) }] });
    expect(response.status).toBe(204);
    expect(await victimCallIntact()).toBe(false);
  });
});
