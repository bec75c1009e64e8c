import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { startStack, TEST_PUBLIC_BASE_URL, type Connection, type Stack } from "../support/harness.js";
import { uiFetch, type UiUser } from "../support/ui.js";
import { startSynthflowSim, type SynthflowSim } from "../../simulators/vendors-api/synthflow.js";
import { hubspotAudioUrl } from "../../server/recordings/links.js";
import type { ConnectionsResponse } from "../../hubspot-app/app/shared/api.js";

// From 2027-01-10 the link in Synthflow's post-call webhook expires 24 hours after it was issued
// (docs.synthflow.ai/recordings-migration-guide). A call whose copy could not be made in time (the
// worker down for a day, Synthflow's storage failing) is fetched again through Synthflow's recordings
// endpoint with the API key the admin entered; the key never reaches the storage host.

const ADMIN: UiUser = { id: "81", email: "owner@example.com" };
const DAY_MS = 24 * 60 * 60_000;
const WAV = Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(60, 7)]);

let stack: Stack;
let synthflow: SynthflowSim;
let portalId: string;
let connection: Connection;

beforeAll(async () => {
  synthflow = await startSynthflowSim();
  stack = await startStack({ env: { SYNTHFLOW_API_BASE_URL: synthflow.url } });
  portalId = await stack.install();
  stack.sim.addUser(portalId, { id: ADMIN.id, email: ADMIN.email, superAdmin: true });
  connection = await stack.connect(portalId, "synthflow");
});
afterAll(async () => {
  await stack?.stop();
  await synthflow?.close();
});

/** A Synthflow post-call webhook whose recording link was issued `issuedAgoMs` ago; returns our call id. */
async function callWithRecording(apiKey: string, issuedAgoMs: number): Promise<string> {
  const callId = `sf_${randomBytes(6).toString("hex")}`;
  synthflow.addRecording(apiKey, callId, WAV);
  synthflow.advance(-issuedAgoMs);
  const recordingUrl = synthflow.webhookLink(callId);
  synthflow.advance(issuedAgoMs);
  const payload = {
    status: "completed",
    lead: { name: "Jordan Blake", phone_number: `+1415555${String(Math.floor(Math.random() * 9000) + 1000)}` },
    call: { call_id: callId, status: "completed", end_call_reason: "human_goodbye", duration: 95, start_time: new Date(Date.now() - issuedAgoMs).toISOString(), transcript: "Bot: Hello.\nHuman: I need a plumber.", recording_url: recordingUrl },
    analysis: { call_summary: "Needs a plumber.", user_sentiment: "neutral" },
  };
  expect((await stack.deliver(connection, payload)).status).toBe(202);
  const row = await stack.waitFor(() => stack.app.runtime.db.call.findFirst({ where: { vendorCallId: callId, status: "synced" } }), { what: "call synced" });
  return row.id;
}

const hubspotLink = (callId: string) => hubspotAudioUrl(stack.env.PUBLIC_BASE_URL, stack.env.ENCRYPTION_KEY, callId).replace(TEST_PUBLIC_BASE_URL, stack.url);
const saveKey = (apiKey: string) => uiFetch(stack, `/ui/v1/connections/${connection.id}/setup/api-key`, { method: "PUT", portal: portalId, user: ADMIN, body: { apiKey } });
const copyOf = (callId: string) => stack.app.runtime.db.recording.findUnique({ where: { callId } });

describe("Synthflow recordings whose webhook link has expired", () => {
  it("a fresh link is fetched through Synthflow's API with the entered key, the copy is served, and the key never reaches storage", async () => {
    const account = synthflow.addAccount();
    // Without a key: the expired link fails and nothing else can be tried. The call still syncs.
    const early = await callWithRecording(account.apiKey, DAY_MS + 60_000);
    expect(await copyOf(early)).toBeNull();
    expect(synthflow.requests.filter((r) => r.host === "storage").map((r) => r.status)).toEqual([400]);
    expect(synthflow.requests.filter((r) => r.host === "api")).toEqual([]);
    const listed = await uiFetch(stack, "/ui/v1/connections", { portal: portalId, user: ADMIN });
    expect((listed.body as ConnectionsResponse).connections.find((c) => c.id === connection.id)?.recordingKey).toEqual({ set: false });

    expect(await saveKey(account.apiKey)).toEqual({ status: 200, body: { saved: true } });
    expect(((await uiFetch(stack, "/ui/v1/connections", { portal: portalId, user: ADMIN })).body as ConnectionsResponse).connections.find((c) => c.id === connection.id)?.recordingKey).toEqual({ set: true });

    // The earlier call: HubSpot's player asks for it, and the copy is made through the API then.
    const played = await fetch(hubspotLink(early));
    expect(played.status).toBe(200);
    expect(Buffer.from(await played.arrayBuffer()).equals(WAV)).toBe(true);
    // A later call whose link expired before the worker got to it: copied at sync.
    const late = await callWithRecording(account.apiKey, DAY_MS + 5 * 60_000);
    expect(Buffer.from((await copyOf(late))!.audio).equals(WAV)).toBe(true);

    const api = synthflow.requests.filter((r) => r.host === "api");
    expect(api.map((r) => [r.path, r.status, r.authorization])).toEqual([
      [`/v2/calls/${(await stack.app.runtime.db.call.findUniqueOrThrow({ where: { id: early } })).vendorCallId}/recording`, 302, `Bearer ${account.apiKey}`],
      [`/v2/calls/${(await stack.app.runtime.db.call.findUniqueOrThrow({ where: { id: late } })).vendorCallId}/recording`, 302, `Bearer ${account.apiKey}`],
    ]);
    const storage = synthflow.requests.filter((r) => r.host === "storage");
    // Each call: its expired webhook link (400), then the fresh link (200), never with the key.
    expect(storage.map((r) => r.status)).toEqual([400, 400, 200, 400, 200]);
    expect(storage.every((r) => r.authorization === undefined)).toBe(true);
  });

  it("a fresh webhook link is copied directly: the API is not asked", async () => {
    const account = synthflow.addAccount();
    await saveKey(account.apiKey);
    const before = synthflow.requests.filter((r) => r.host === "api").length;
    const callId = await callWithRecording(account.apiKey, 60_000);
    expect(Buffer.from((await copyOf(callId))!.audio).equals(WAV)).toBe(true);
    expect(synthflow.requests.filter((r) => r.host === "api")).toHaveLength(before);
  });

  it("a key Synthflow refuses leaves the call without a copy, and synced", async () => {
    synthflow.addAccount();
    await saveKey(`sf_${"0".repeat(32)}`);
    const owner = synthflow.addAccount();
    const callId = await callWithRecording(owner.apiKey, DAY_MS + 60_000);
    expect(await copyOf(callId)).toBeNull();
    expect(synthflow.requests.filter((r) => r.host === "api").at(-1)).toMatchObject({ status: 401 });
    expect((await fetch(hubspotLink(callId))).status).toBe(404);
  });

  it("the key is refused for a vendor whose API the app does not call, and only a super admin may set it", async () => {
    const bland = await stack.connect(portalId, "bland");
    const refused = await uiFetch(stack, `/ui/v1/connections/${bland.id}/setup/api-key`, { method: "PUT", portal: portalId, user: ADMIN, body: { apiKey: "bland-key-0123456789" } });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/Bland AI connections take no API key/);
    stack.sim.addUser(portalId, { id: "82", email: "rep@example.com", superAdmin: false });
    const rep = await uiFetch(stack, `/ui/v1/connections/${connection.id}/setup/api-key`, { method: "PUT", portal: portalId, user: { id: "82", email: "rep@example.com" }, body: { apiKey: "rep-key-0123456789" } });
    expect(rep.status).toBe(403);
  });
});
