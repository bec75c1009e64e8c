import { afterAll, beforeAll, describe, expect, it } from "vitest";
import express from "express";
import { failOnce } from "../support/db-faults.js";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { startStack, TEST_APP_ID, TEST_PUBLIC_BASE_URL, type Connection, type Stack } from "../support/harness.js";
import { newCallId, retellCall } from "../support/payloads.js";
import { runCli } from "../../server/cli/main.js";
import { registerRecordingUrl } from "../../server/hubspot/calling.js";
import { ALL_SCOPES } from "../../simulators/hubspot/index.js";

// Calls that feel native in HubSpot (issue 11): from a vendor-signed webhook to HubSpot's own
// recording player (the registered URL, the ready notice, HubSpot's ranged read of the audio) and
// HubSpot's own transcript viewer (utterances, their language, replaced by a later event and never
// duplicated), and an install without the optional transcript scopes that still logs its calls.

const DEVELOPER_KEY = "dev-key-for-tests-0001";
const APP_ID = Number(TEST_APP_ID);
const AUDIO = Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(3996, 3)]);

let stack: Stack;
let audioHost: Server;
let audioUrl: string;
let portalId: string;
let retell: Connection;

beforeAll(async () => {
  const app = express().get("/rec.wav", (_req, res) => void res.type("audio/wav").send(AUDIO));
  audioHost = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  audioUrl = `http://127.0.0.1:${(audioHost.address() as AddressInfo).port}/rec.wav`;
  stack = await startStack({ env: { HUBSPOT_DEVELOPER_API_KEY: DEVELOPER_KEY } });
  stack.sim.calling.setDeveloperApiKey(APP_ID, DEVELOPER_KEY);
  // HubSpot reaches our public URLs; in tests they are served on a local port.
  stack.sim.calling.routeOutbound(TEST_PUBLIC_BASE_URL, stack.url);
  portalId = await stack.install();
  retell = await stack.connect(portalId, "retell");
});

afterAll(async () => {
  await stack?.stop();
  audioHost?.close();
});

const turns = [
  { role: "agent", content: "Bayview Plumbing, how can I help?", words: [{ word: "Bayview", start: 0.4, end: 0.9 }, { word: "help?", start: 2.1, end: 2.6 }] },
  { role: "user", content: "My water heater is leaking.", words: [{ word: "My", start: 3.0, end: 3.2 }, { word: "leaking.", start: 4.5, end: 5.1 }] },
];

/** Delivers a Retell event and waits until its version is in HubSpot; returns the call row. */
async function deliverSynced(connection: Connection, payload: ReturnType<typeof retellCall>, expected = 202) {
  expect((await stack.deliver(connection, payload)).status).toBe(expected);
  const db = stack.app.runtime.db;
  return stack.waitFor(async () => {
    const row = await db.call.findFirst({ where: { vendorCallId: payload.call.call_id as string } });
    return row && row.status === "synced" && row.syncedVersion >= row.version && row.hubspotCallId ? row : null;
  }, { what: "call synced" });
}

const readyz = async () => (await fetch(`${stack.url}/readyz`)).json() as Promise<{ status: string; warnings?: string[] }>;

describe("HubSpot's recording player", () => {
  it("the CLI registers our retrieval URL with the developer key; readiness warns until it has", async () => {
    expect((await readyz()).warnings?.join(" ")).toMatch(/recording URL not registered with HubSpot/);
    const template = `${TEST_PUBLIC_BASE_URL}/recordings/hubspot/%s`;
    expect(await runCli(["hubspot", "recording-settings"], stack.app.runtime)).toEqual({ action: "registered", url: template });
    expect(stack.sim.calling.recordingUrl(APP_ID)).toBe(template);
    expect((await readyz()).warnings).toBeUndefined();
    expect(await runCli(["hubspot", "recording-settings"], stack.app.runtime)).toEqual({ action: "unchanged", url: template });
    // Not a portal token: the settings endpoints refuse a wrong developer key.
    await expect(registerRecordingUrl({ apiBaseUrl: stack.sim.url, appId: TEST_APP_ID, developerApiKey: "wrong-key-0000" }, template)).rejects.toThrow(/401/);
  });

  it("a vendor-signed call: the Call carries what HubSpot needs, HubSpot is told it is ready and reads the audio with Range (206)", async () => {
    const callId = newCallId();
    const payload = retellCall("call_analyzed", { callId, recordingUrl: audioUrl });
    (payload.call as Record<string, unknown>).transcript_object = turns;
    const row = await deliverSynced(retell, payload);
    const engagementId = Number(row.hubspotCallId);

    const call = stack.sim.portal(portalId).object("calls", row.hubspotCallId!)!;
    expect(call.properties).toMatchObject({ hs_call_external_id: row.id, hs_call_external_account_id: portalId, hs_call_app_id: TEST_APP_ID, hs_call_source: "INTEGRATIONS_PLATFORM" });
    // No bearer link to the audio anywhere on the Call.
    expect(call.properties.hs_call_recording_url ?? null).toBeNull();
    expect(JSON.stringify(call.properties)).not.toContain("/recordings/");

    expect(stack.sim.calling.readyNotices.filter((n) => n.engagementId === engagementId)).toHaveLength(1);
    const fetched = await stack.waitFor(async () => stack.sim.calling.recordingFetches.find((f) => f.engagementId === engagementId && (f.reads.length === 2 || f.error)), { what: "HubSpot's recording fetch" });
    expect(fetched.error).toBeNull();
    expect(fetched.retrievalUrl).toBe(`${TEST_PUBLIC_BASE_URL}/recordings/hubspot/${row.id}?externalAccountId=${portalId}&appId=${TEST_APP_ID}`);
    expect(fetched.retrievalStatus).toBe(200);
    expect(fetched.authenticatedUrl).toMatch(new RegExp(`^${TEST_PUBLIC_BASE_URL}/recordings/${row.id}/audio\\?exp=\\d+&sig=`));
    expect(fetched.reads).toEqual([
      { range: "bytes=0-1023", status: 206, contentRange: `bytes 0-1023/${AUDIO.length}`, contentType: "application/octet-stream", bytes: 1024 },
      { range: `bytes=${AUDIO.length / 2}-`, status: 206, contentRange: `bytes ${AUDIO.length / 2}-${AUDIO.length - 1}/${AUDIO.length}`, contentType: "application/octet-stream", bytes: AUDIO.length / 2 },
    ]);
    // Another portal's account id gets nothing for this call.
    expect((await fetch(`${stack.url}/recordings/hubspot/${row.id}?externalAccountId=1&appId=${TEST_APP_ID}`)).status).toBe(404);
  });
});

describe("HubSpot's transcript viewer", () => {
  const transcriptsOf = (engagementId: number, portal = portalId) => stack.sim.calling.transcripts(portal).filter((t) => t.engagementId === engagementId);

  it("the vendor's structured transcript becomes utterances: speaker, text, times, language", async () => {
    const payload = retellCall("call_analyzed", { callId: newCallId(), analysis: { first_name: "Dana", last_name: "Whitfield" } });
    (payload.call as Record<string, unknown>).transcript_object = turns;
    const row = await deliverSynced(retell, payload);
    const [transcript, ...more] = transcriptsOf(Number(row.hubspotCallId));
    expect(more).toHaveLength(0);
    expect(transcript!.utterances.map(({ id: _, ...u }) => u)).toEqual([
      { speaker: { id: "ai-receptionist", name: "AI receptionist" }, text: "Bayview Plumbing, how can I help?", languageCode: "en-US", startTimeMillis: 400, endTimeMillis: 2600 },
      { speaker: { id: "caller", name: "Dana Whitfield" }, text: "My water heater is leaking.", languageCode: "en-US", startTimeMillis: 3000, endTimeMillis: 5100 },
    ]);
  });

  it("a Spanish call's utterances carry Spanish, split from its text by turn", async () => {
    const payload = retellCall("call_analyzed", { callId: newCallId(), transcript: "Agente: Gracias por llamar.\nUsuario: Necesito una cita urgente.", analysis: { nombre: "María", idioma: "español" } });
    const row = await deliverSynced(retell, payload);
    const [transcript] = transcriptsOf(Number(row.hubspotCallId));
    expect(transcript!.utterances.map((u) => [u.speaker.id, u.text, u.languageCode])).toEqual([
      ["ai-receptionist", "Gracias por llamar.", "es-ES"],
      ["caller", "Necesito una cita urgente.", "es-ES"],
    ]);
    expect(transcript!.utterances[1]!.startTimeMillis).toBeGreaterThanOrEqual(transcript!.utterances[0]!.endTimeMillis);
  });

  it("a redelivered event leaves the transcript alone; a later event replaces it, never a second one", async () => {
    const callId = newCallId();
    const ended = retellCall("call_ended", { callId });
    (ended.call as Record<string, unknown>).transcript_object = turns.slice(0, 1);
    const row = await deliverSynced(retell, ended);
    const engagementId = Number(row.hubspotCallId);
    const first = transcriptsOf(engagementId);
    expect(first).toHaveLength(1);

    const posts = () => stack.sim.countRequests({ method: "POST", path: "/crm/v3/extensions/calling/transcripts", portalId });
    const deletes = () => stack.sim.countRequests({ method: "DELETE", path: /^\/crm\/v3\/extensions\/calling\/transcripts\//, portalId });
    const [postsBefore, deletesBefore] = [posts(), deletes()];
    expect((await stack.deliver(retell, ended)).status).toBe(200); // the same delivery again: a duplicate
    await stack.sim.calling.settled();
    expect(transcriptsOf(engagementId).map((t) => t.id)).toEqual(first.map((t) => t.id));

    const analyzed = retellCall("call_analyzed", { callId });
    (analyzed.call as Record<string, unknown>).transcript_object = turns;
    await deliverSynced(retell, analyzed);
    const replaced = transcriptsOf(engagementId);
    expect(replaced).toHaveLength(1);
    expect(replaced[0]!.id).not.toBe(first[0]!.id);
    expect(replaced[0]!.utterances.map((u) => u.text)).toEqual(turns.map((t) => t.content));
    expect([posts() - postsBefore, deletes() - deletesBefore]).toEqual([1, 1]);
  });

  it("a transcript HubSpot created but we never stored (the worker stopped in between) is found through its Call and replaced, not left beside a second", async () => {
    // PostgreSQL refuses, once, to store the id HubSpot gave the transcript: as if the process had died
    // between HubSpot's create and our write. The job is retried.
    const restore = await failOnce(stack.databaseUrl, { name: "lose_first_transcript_id", table: "CallExtension", events: "INSERT OR UPDATE", condition: `NEW."transcriptId" IS NOT NULL`, message: "simulated: the worker stopped before storing the transcript id" });
    try {
      const posts = () => stack.sim.countRequests({ method: "POST", path: "/crm/v3/extensions/calling/transcripts", portalId });
      const postsBefore = posts();
      const payload = retellCall("call_analyzed", { callId: newCallId() });
      (payload.call as Record<string, unknown>).transcript_object = turns;
      const row = await deliverSynced(retell, payload);
      const engagementId = Number(row.hubspotCallId);
      const stored = await stack.waitFor(() => stack.app.runtime.db.callExtension.findFirst({ where: { callId: row.id, transcriptId: { not: null } } }), { what: "the transcript id stored" });
      expect(posts() - postsBefore).toBe(2); // the one whose id was lost, and the one that replaced it
      expect(transcriptsOf(engagementId).map((t) => t.id)).toEqual([stored.transcriptId]);
    } finally {
      await restore();
    }
  });

  it("an install without the transcript scopes still logs the call, and records why it has no transcript", async () => {
    const narrow = ALL_SCOPES.filter((s) => !s.startsWith("crm.extensions_calling_transcripts."));
    const portal = await stack.install(undefined, { scopes: narrow });
    const connection = await stack.connect(portal, "retell");
    const payload = retellCall("call_analyzed", { callId: newCallId() });
    (payload.call as Record<string, unknown>).transcript_object = turns;
    const row = await deliverSynced(connection, payload);
    expect(stack.sim.portal(portal).object("calls", row.hubspotCallId!)?.properties.hs_call_external_id).toBe(row.id);
    expect(stack.sim.calling.transcripts(portal)).toEqual([]);
    expect(stack.sim.countRequests({ pathPrefix: "/crm/v3/extensions/calling/transcripts", portalId: portal })).toBe(0);
    const extension = await stack.app.runtime.db.callExtension.findUniqueOrThrow({ where: { callId: row.id } });
    expect(extension.transcriptSkipped).toMatch(/crm\.extensions_calling_transcripts\.write: re-authorise/);
    expect(extension.transcriptId).toBeNull();
  });
});
