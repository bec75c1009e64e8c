import { afterEach, describe, expect, it } from "vitest";
import { startHubSpotSim, ALL_SCOPES, type HubSpotSim } from "../../simulators/hubspot/index.js";

// The simulator's calling extensions are as strict as the rest of it: the developer key on the app's
// recording settings, scopes on transcripts, utterances validated, the ready notice refused for a Call
// HubSpot could not fetch a recording for.

const APP_ID = 777_001;
const KEY = "developer-key-0001";
const sims: HubSpotSim[] = [];
afterEach(async () => void (await Promise.all(sims.splice(0).map((s) => s.close()))));

async function setUp(scopes?: string[]) {
  const sim = await startHubSpotSim();
  sims.push(sim);
  sim.registerApp({ clientId: "cid", clientSecret: "secret", redirectUri: "https://app.example/cb", appId: APP_ID });
  sim.calling.setDeveloperApiKey(APP_ID, KEY);
  const code = sim.issueAuthCode("123", scopes ? { scopes } : {});
  const token = (await (await fetch(`${sim.url}/oauth/v1/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ grant_type: "authorization_code", client_id: "cid", client_secret: "secret", redirect_uri: "https://app.example/cb", code }) })).json()).access_token as string;
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sim.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  const call = await api("POST", "/crm/v3/objects/calls", { properties: { hs_timestamp: new Date().toISOString(), hs_call_external_id: "ext-1", hs_call_app_id: String(APP_ID), hs_call_source: "INTEGRATIONS_PLATFORM" } });
  return { sim, api, callId: Number(call.body.id) };
}

const utterance = (overrides: Record<string, unknown> = {}) => ({ speaker: { id: "a", name: "Agent" }, text: "Hello", startTimeMillis: 0, endTimeMillis: 900, ...overrides });
const settings = (sim: HubSpotSim, key: string | null, method = "GET", body?: unknown) =>
  fetch(`${sim.url}/crm/v3/extensions/calling/${APP_ID}/settings/recording${key ? `?hapikey=${key}` : ""}`, { method, headers: { "content-type": "application/json" }, ...(body ? { body: JSON.stringify(body) } : {}) });

describe("recording settings", () => {
  it("take the developer key, not a token; POST once, PATCH after, a valid https URL", async () => {
    const { sim } = await setUp();
    expect((await settings(sim, null)).status).toBe(401);
    expect((await settings(sim, "wrong-key")).status).toBe(401);
    expect((await settings(sim, KEY)).status).toBe(404);
    expect((await settings(sim, KEY, "POST", { urlToRetrieveAuthedRecording: "ftp://x/%s" })).status).toBe(400);
    expect((await settings(sim, KEY, "POST", { urlToRetrieveAuthedRecording: "https://a.example/r/%s" })).status).toBe(200);
    expect((await settings(sim, KEY, "POST", { urlToRetrieveAuthedRecording: "https://a.example/r/%s" })).status).toBe(409);
    expect((await settings(sim, KEY, "PATCH", { urlToRetrieveAuthedRecording: "https://b.example/r/%s" })).status).toBe(200);
    expect(await (await settings(sim, KEY)).json()).toEqual({ urlToRetrieveAuthedRecording: "https://b.example/r/%s" });
  });
});

describe("recordings/ready", () => {
  it("needs a Call of the portal with this app's calling properties and registered settings", async () => {
    const { sim, api, callId } = await setUp();
    expect((await api("POST", "/crm/v3/extensions/calling/recordings/ready", { engagementId: callId })).body.errors[0].code).toBe("MISSING_RECORDING_SETTINGS");
    await settings(sim, KEY, "POST", { urlToRetrieveAuthedRecording: "https://127.0.0.1:1/r/%s" });
    expect((await api("POST", "/crm/v3/extensions/calling/recordings/ready", { engagementId: 999_999 })).status).toBe(404);
    expect((await api("POST", "/crm/v3/extensions/calling/recordings/ready", {})).status).toBe(400);
    const plain = await api("POST", "/crm/v3/objects/calls", { properties: { hs_timestamp: new Date().toISOString() } });
    expect((await api("POST", "/crm/v3/extensions/calling/recordings/ready", { engagementId: Number(plain.body.id) })).body.errors[0].code).toBe("INVALID_ENGAGEMENT");
    expect((await api("POST", "/crm/v3/extensions/calling/recordings/ready", { engagementId: callId })).status).toBe(204);
    await sim.calling.settled();
    // HubSpot tried our URL (nothing listens there): recorded, not thrown.
    expect(sim.calling.recordingFetches[0]).toMatchObject({ engagementId: callId, retrievalUrl: `https://127.0.0.1:1/r/ext-1?externalAccountId=123&appId=${APP_ID}`, error: expect.any(String) });
  });
});

describe("transcripts", () => {
  it("validate every utterance and name the bad one", async () => {
    const { api, callId } = await setUp();
    const post = (utterances: unknown) => api("POST", "/crm/v3/extensions/calling/transcripts", { engagementId: callId, transcriptCreateUtterances: utterances });
    expect((await post([])).status).toBe(400);
    expect((await post([utterance(), utterance({ text: " " })])).body.message).toMatch(/transcriptCreateUtterances\[1\]\.text/);
    expect((await post([utterance({ endTimeMillis: 0 })])).body.message).toMatch(/endTimeMillis/);
    expect((await post([utterance({ startTimeMillis: -5 })])).body.message).toMatch(/startTimeMillis/);
    expect((await post([utterance({ speaker: { id: "a" } })])).body.message).toMatch(/speaker\.name/);
    expect((await post([utterance({ languageCode: "Spanish" })])).body.message).toMatch(/languageCode/);
    expect((await api("POST", "/crm/v3/extensions/calling/transcripts", { engagementId: 42, transcriptCreateUtterances: [utterance()] })).status).toBe(404);
  });

  it("create, read back (languageCode defaults to en-US), delete; no update", async () => {
    const { api, callId } = await setUp();
    const created = await api("POST", "/crm/v3/extensions/calling/transcripts", { engagementId: callId, transcriptCreateUtterances: [utterance(), utterance({ text: "Hola", languageCode: "es-ES", startTimeMillis: 900, endTimeMillis: 1500 })] });
    expect(created.status).toBe(201);
    const read = await api("GET", `/crm/extensions/calling/2026-03/transcripts/${created.body.id}`);
    expect(read.body).toMatchObject({ engagementId: callId, transcriptSource: "INTEGRATOR_GENERATED", transcriptUtterances: [{ text: "Hello", languageCode: "en-US" }, { text: "Hola", languageCode: "es-ES" }] });
    expect((await api("PATCH", `/crm/v3/extensions/calling/transcripts/${created.body.id}`, {})).status).toBe(404);
    expect((await api("DELETE", `/crm/v3/extensions/calling/transcripts/${created.body.id}`)).status).toBe(204);
    expect((await api("GET", `/crm/v3/extensions/calling/transcripts/${created.body.id}`)).status).toBe(404);
  });

  it("need the transcript scopes", async () => {
    const { api, callId } = await setUp(ALL_SCOPES.filter((s) => !s.startsWith("crm.extensions_calling_transcripts.")));
    const refused = await api("POST", "/crm/v3/extensions/calling/transcripts", { engagementId: callId, transcriptCreateUtterances: [utterance()] });
    expect(refused.status).toBe(403);
    expect(refused.body.errors[0].context.requiredGranularScopes).toEqual(["crm.extensions_calling_transcripts.write"]);
    expect((await api("GET", "/crm/v3/extensions/calling/transcripts/5000001")).body.errors[0].context.requiredGranularScopes).toEqual(["crm.extensions_calling_transcripts.read"]);
  });
});
