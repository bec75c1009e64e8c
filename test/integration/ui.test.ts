import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, TEST_CLIENT_SECRET, TEST_PUBLIC_BASE_URL, type Connection, type Stack } from "../support/harness.js";
import { retellCall } from "../support/payloads.js";
import { signV3 } from "../../server/ui/hubspot-signature.js";
import { playerUrl } from "../../server/recordings/links.js";

// The backend of the card and settings page, called exactly as hubspot.fetch calls it: HubSpot
// appends portalId/userId/userEmail to the URL and signs METHOD + URL + body + timestamp (v3).

let stack: Stack;
let portalId: string;
let otherPortal: string;
let retell: Connection;
let contactId: string;

async function hubspotFetch(path: string, options: { method?: string; body?: unknown; portal?: string; timestamp?: number; tamper?: (url: string) => string; secret?: string } = {}) {
  const method = options.method ?? "GET";
  const url = new URL(path, TEST_PUBLIC_BASE_URL);
  url.searchParams.set("portalId", options.portal ?? portalId);
  url.searchParams.set("userId", "42");
  url.searchParams.set("userEmail", "rep@example.com");
  const body = options.body === undefined ? "" : JSON.stringify(options.body);
  const timestamp = options.timestamp ?? Date.now();
  const signature = signV3(options.secret ?? TEST_CLIENT_SECRET, method, url.toString(), body, timestamp);
  const sentUrl = options.tamper ? options.tamper(url.toString()) : url.toString();
  const local = sentUrl.replace(TEST_PUBLIC_BASE_URL, stack.url);
  const response = await fetch(local, { method, headers: { "content-type": "application/json", "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": String(timestamp) }, body: body || undefined });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

beforeAll(async () => {
  stack = await startStack();
  portalId = await stack.install();
  otherPortal = await stack.install();
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
  const sendEvents = async (events: unknown[], secret = TEST_CLIENT_SECRET) => {
    const body = JSON.stringify(events);
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
