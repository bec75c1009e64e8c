import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { startStack, TEST_PUBLIC_BASE_URL, type Connection, type Stack } from "../support/harness.js";
import { uiFetch, type UiRequest, type UiUser } from "../support/ui.js";
import { startVendorApiSim, type VendorAccount, type VendorApiSim } from "../../simulators/vendors-api/index.js";
import { getVendor } from "../../server/vendors/registry.js";
import type { AuditEntryView, VendorApplyResponse, VendorSetupResponse, VendorTargetsResponse, VendorUndoResponse } from "../../hubspot-app/app/shared/api.js";

// The settings page's vendor setup over real HTTP: signed /ui/v1 requests, the app configuring Retell
// agents (webhook URL, functions on the agent's Retell LLM) and Vapi assistants (server URL, tools)
// through the vendor API simulators, a record per change, undo, and the undo after an uninstall.

const ADMIN: UiUser = { id: "71", email: "owner@example.com" };
const REP: UiUser = { id: "72", email: "rep@example.com" };

let stack: Stack;
let vendors: VendorApiSim;
let portalId: string;
let otherPortal: string;
let retell: Connection;
let retellAccount: VendorAccount;
let vapi: Connection;
let vapiAccount: VendorAccount;

const hubspotFetch = (path: string, options: Partial<UiRequest> = {}) => uiFetch(stack, path, { ...options, portal: options.portal ?? portalId, user: options.user ?? ADMIN });
const TOOL_NAMES = ["check_availability", "book_appointment", "reschedule_appointment", "cancel_appointment", "lookup_caller"];
/** A vendor record without the timestamp the vendor moves on every write. */
const settled = <T extends object>(record: T) => {
  const { last_modification_timestamp: _l, updatedAt: _u, ...rest } = structuredClone(record) as T & { last_modification_timestamp?: number; updatedAt?: string };
  return rest;
};

beforeAll(async () => {
  let appUrl = "";
  vendors = await startVendorApiSim({ route: (url) => url.replace(TEST_PUBLIC_BASE_URL, appUrl) });
  stack = await startStack({ env: { RETELL_API_BASE_URL: vendors.urls.retell, VAPI_API_BASE_URL: vendors.urls.vapi, VENDOR_UNDO_BACKOFF_MS: "50" } });
  appUrl = stack.url;
  portalId = await stack.install();
  otherPortal = await stack.install();
  for (const portal of [portalId, otherPortal]) stack.sim.addUser(portal, { id: ADMIN.id, email: ADMIN.email, superAdmin: true });
  stack.sim.addUser(portalId, { id: REP.id, email: REP.email, superAdmin: false });
  const retellKey = `key_${randomBytes(12).toString("hex")}`;
  retell = await stack.connect(portalId, "retell", retellKey);
  // The account's own webhook goes nowhere we serve: a call lands only if the agent's URL is ours.
  retellAccount = vendors.addAccount("retell", { apiKey: retellKey, webhookUrl: "https://elsewhere.invalid/hook", numbers: ["+14155550100"] });
  vapi = await stack.connect(portalId, "vapi");
  vapiAccount = vendors.addAccount("vapi", { webhookUrl: "https://elsewhere.invalid/vapi" });
});
afterAll(async () => {
  await stack?.stop();
  await vendors?.close();
});

describe("Retell: agents listed, configured, recorded and undone", () => {
  it("lists the account's agents through Retell's API, page by page", async () => {
    const names = ["Front desk", "After hours", "Spanish line"];
    for (const name of names) vendors.addRetellAgent(retellAccount, { name });
    const setup = await hubspotFetch(`/ui/v1/connections/${retell.id}/setup`);
    expect(setup).toEqual({ status: 200, body: { supported: true, vendorLabel: "Retell AI", targetNoun: "agent", needsApiKey: false, apiKeySet: true, changes: [] } satisfies VendorSetupResponse });
    const list = await hubspotFetch(`/ui/v1/connections/${retell.id}/setup/targets`);
    expect(list.status).toBe(200);
    expect((list.body as VendorTargetsResponse).targets.map((t) => t.name)).toEqual(["Spanish line", "After hours", "Front desk"]);
    expect((list.body as VendorTargetsResponse).next).toBeNull();
  });

  it("sets the agent's webhook URL and adds our functions to its Retell LLM, shows each change, and undo restores the agent exactly", async () => {
    const { agent, llm } = vendors.addRetellAgent(retellAccount, { name: "Booking line", webhookUrl: "https://old-crm.example/retell" });
    const before = { agent: settled(agent), llm: settled(llm!) };
    const applied = await hubspotFetch(`/ui/v1/connections/${retell.id}/setup/apply`, { method: "POST", body: { targetIds: [agent.agent_id] } });
    expect(applied.status).toBe(200);
    const [result] = (applied.body as VendorApplyResponse).results;
    expect(result).toMatchObject({ targetId: agent.agent_id, name: "Booking line", outcome: "applied", note: null, error: null });
    expect(result!.changes).toEqual([
      { what: "agent webhook_url", before: "https://old-crm.example/retell", after: retell.webhookUrl },
      ...TOOL_NAMES.map((name) => ({ what: `retell_llm tool ${name}`, before: null, after: `custom tool calling ${retell.toolsUrl}` })),
    ]);
    expect(vendors.retellAgent(agent.agent_id)!.webhook_url).toBe(retell.webhookUrl);
    const tools = vendors.retellLlm(llm!.llm_id)!.general_tools;
    expect(tools.map((t) => t.name)).toEqual(["end_call", ...TOOL_NAMES]);
    expect(tools.slice(1).every((t) => t.url === retell.toolsUrl && t.type === "custom")).toBe(true);

    // Applying again changes nothing and records nothing.
    const again = await hubspotFetch(`/ui/v1/connections/${retell.id}/setup/apply`, { method: "POST", body: { targetIds: [agent.agent_id] } });
    expect((again.body as VendorApplyResponse).results[0]).toMatchObject({ outcome: "unchanged", changes: [] });

    const view = (await hubspotFetch(`/ui/v1/connections/${retell.id}/setup`)).body as Extract<VendorSetupResponse, { supported: true }>;
    const mine = view.changes.filter((c) => c.targetId === agent.agent_id);
    expect(mine.map((c) => [c.resource, c.resourceId, c.status, c.appliedBy])).toEqual([
      ["retell_llm", llm!.llm_id, "applied", ADMIN.email],
      ["agent", agent.agent_id, "applied", ADMIN.email],
    ]);
    expect(((await hubspotFetch(`/ui/v1/connections/${retell.id}/setup/targets`)).body as VendorTargetsResponse).targets.find((t) => t.id === agent.agent_id)!.applied).toBe(true);

    const undone = await hubspotFetch(`/ui/v1/connections/${retell.id}/setup/undo`, { method: "POST", body: { targetId: agent.agent_id } });
    expect(undone.status).toBe(200);
    expect((undone.body as VendorUndoResponse).conflicts).toEqual([]);
    expect((undone.body as VendorUndoResponse).restored).toHaveLength(6);
    expect({ agent: settled(vendors.retellAgent(agent.agent_id)!), llm: settled(vendors.retellLlm(llm!.llm_id)!) }).toEqual(before);
    const after = (await hubspotFetch(`/ui/v1/connections/${retell.id}/setup`)).body as Extract<VendorSetupResponse, { supported: true }>;
    expect(after.changes.filter((c) => c.targetId === agent.agent_id).map((c) => c.status)).toEqual(["undone", "undone"]);

    const log = (await hubspotFetch("/ui/v1/audit?limit=10")).body.entries.map((e: AuditEntryView) => e.summary);
    expect(log).toEqual(expect.arrayContaining(["Set up in retell: Booking line (6 changes)", `Undid the retell setup of ${agent.agent_id}: 6 values restored`]));
  });

  it("undo leaves alone what the admin changed since, and reports it", async () => {
    const { agent, llm } = vendors.addRetellAgent(retellAccount, { name: "Edited later" });
    await hubspotFetch(`/ui/v1/connections/${retell.id}/setup/apply`, { method: "POST", body: { targetIds: [agent.agent_id] } });
    // In Retell's dashboard, the admin points the webhook elsewhere and edits one of our functions.
    vendors.retellAgent(agent.agent_id)!.webhook_url = "https://admin-choice.example/hook";
    const lookup = vendors.retellLlm(llm!.llm_id)!.general_tools.find((t) => t.name === "lookup_caller")!;
    lookup.description = "Edited by the admin";
    const undone = await hubspotFetch(`/ui/v1/connections/${retell.id}/setup/undo`, { method: "POST", body: { targetId: agent.agent_id } });
    expect(undone.status).toBe(200);
    expect((undone.body as VendorUndoResponse).conflicts).toEqual([
      { what: "retell_llm tool lookup_caller", before: `custom tool calling ${retell.toolsUrl}`, after: `custom tool calling ${retell.toolsUrl}` },
      { what: "agent webhook_url", before: retell.webhookUrl, after: "https://admin-choice.example/hook" },
    ]);
    expect(vendors.retellAgent(agent.agent_id)!.webhook_url).toBe("https://admin-choice.example/hook");
    expect(vendors.retellLlm(llm!.llm_id)!.general_tools.map((t) => t.name)).toEqual(["end_call", "lookup_caller"]);
  });

  it("an agent on a conversation flow gets its webhook URL and a note to add the functions by hand", async () => {
    const { agent } = vendors.addRetellAgent(retellAccount, { name: "Flow agent", engine: "conversation-flow" });
    const applied = await hubspotFetch(`/ui/v1/connections/${retell.id}/setup/apply`, { method: "POST", body: { targetIds: [agent.agent_id] } });
    const [result] = (applied.body as VendorApplyResponse).results;
    expect(result).toMatchObject({ outcome: "applied", changes: [{ what: "agent webhook_url", before: null, after: retell.webhookUrl }] });
    expect(result!.note).toMatch(/conversation-flow.*by hand/);
  });

  it("shows the vendor's refusal with its reason: an unknown agent, Retell rate limiting, a revoked key", async () => {
    const unknown = await hubspotFetch(`/ui/v1/connections/${retell.id}/setup/apply`, { method: "POST", body: { targetIds: ["agent_nope"] } });
    expect((unknown.body as VendorApplyResponse).results[0]).toMatchObject({ outcome: "failed", error: expect.stringMatching(/^Retell AI has no such agent or assistant under this API key \(Not Found/) });
    vendors.failNext("retell", 1, { status: 429, body: { status: "error", message: "Rate limit exceeded" } });
    expect(await hubspotFetch(`/ui/v1/connections/${retell.id}/setup/targets`)).toEqual({ status: 503, body: { error: "Retell AI is not answering right now (Rate limit exceeded); nothing more was changed. Try again in a minute.", vendorError: "unavailable" } });
    const revoked = await stack.connect(portalId, "retell", "key_revoked_0123456789");
    expect(await hubspotFetch(`/ui/v1/connections/${revoked.id}/setup/targets`)).toEqual({ status: 502, body: { error: "Retell AI did not accept the API key (API key is missing or invalid.). Check the key on the connection.", vendorError: "unauthorized" } });
  });
});

describe("Vapi: the admin's private key, the assistant's server URL and tools", () => {
  it("asks for the key first, keeps it sealed, then configures and undoes the assistant", async () => {
    const assistant = vendors.addVapiAssistant(vapiAccount, { name: "Reception", serverUrl: "https://old.example/vapi" });
    const before = settled(assistant);
    expect((await hubspotFetch(`/ui/v1/connections/${vapi.id}/setup`)).body).toMatchObject({ supported: true, targetNoun: "assistant", needsApiKey: true, apiKeySet: false });
    expect(await hubspotFetch(`/ui/v1/connections/${vapi.id}/setup/targets`)).toMatchObject({ status: 409, body: { error: expect.stringMatching(/^Enter the Vapi private API key first/) } });
    expect(await hubspotFetch(`/ui/v1/connections/${vapi.id}/setup/api-key`, { method: "PUT", body: { apiKey: vapiAccount.apiKey } })).toEqual({ status: 200, body: { saved: true } });
    const stored = await stack.app.runtime.db.vendorApiKey.findUniqueOrThrow({ where: { connectionId: vapi.id } });
    expect(stored.apiKeyEnc).toMatch(/^v2\./);
    expect(stored.apiKeyEnc).not.toContain(vapiAccount.apiKey);

    const applied = await hubspotFetch(`/ui/v1/connections/${vapi.id}/setup/apply`, { method: "POST", body: { targetIds: [assistant.id] } });
    const [result] = (applied.body as VendorApplyResponse).results;
    expect(result!.changes[0]).toEqual({ what: "assistant server.url", before: "https://old.example/vapi", after: vapi.webhookUrl });
    expect(result!.changes.slice(1).map((c) => c.what)).toEqual(TOOL_NAMES.map((name) => `assistant tool ${name}`));
    expect(JSON.stringify(result)).not.toContain(vapi.secret);
    const live = vendors.vapiAssistant(assistant.id)!;
    expect(live.server).toEqual({ url: vapi.webhookUrl, timeoutSeconds: 20 });
    const ourTools = live.model!.tools!.filter((t) => t.type === "function");
    expect(ourTools.map((t) => (t as { server: unknown }).server)).toEqual(TOOL_NAMES.map(() => ({ url: vapi.toolsUrl, secret: vapi.secret })));
    // The change record is sealed too: a tool carries the connection's secret.
    const rows = await stack.app.runtime.db.vendorChange.findMany({ where: { connectionId: vapi.id } });
    expect(rows.every((r) => r.recordEnc.startsWith("v2.") && !r.recordEnc.includes(vapi.secret))).toBe(true);

    // A Vapi tool call signed as the tool's server makes it (X-Vapi-Secret) is accepted on that URL.
    const toolCall = await fetch(`${stack.url}${new URL(vapi.toolsUrl).pathname}`, { method: "POST", headers: { "content-type": "application/json", "x-vapi-secret": (ourTools[4] as { server: { secret: string } }).server.secret }, body: JSON.stringify({ message: { type: "tool-calls", call: { id: "call-vapi-1" }, customer: { number: "+14155550177" }, toolCallList: [{ id: "tc-1", name: "lookup_caller", parameters: {} }] } }) });
    expect(toolCall.status).toBe(200);

    const undone = await hubspotFetch(`/ui/v1/connections/${vapi.id}/setup/undo`, { method: "POST", body: { targetId: assistant.id } });
    expect((undone.body as VendorUndoResponse).conflicts).toEqual([]);
    expect(settled(vendors.vapiAssistant(assistant.id)!)).toEqual(before);
  });

  it("shows Vapi's validation refusal as the reason", async () => {
    const assistant = vendors.addVapiAssistant(vapiAccount, { name: "Bad tools" });
    // A tool of the admin's that Vapi itself would no longer accept makes the PATCH fail.
    assistant.model!.tools!.push({ type: "function", function: { name: "has spaces" } });
    const applied = await hubspotFetch(`/ui/v1/connections/${vapi.id}/setup/apply`, { method: "POST", body: { targetIds: [assistant.id] } });
    expect((applied.body as VendorApplyResponse).results[0]).toMatchObject({ outcome: "failed", changes: [], error: "Vapi refused the change: model.tools.1.function.name must be 1-64 characters of a-z, A-Z, 0-9, _ or -" });
    expect(await stack.app.runtime.db.vendorChange.count({ where: { targetId: assistant.id } })).toBe(0);
  });
});

describe("who may set up, and which connections", () => {
  it("another portal's connection ids are 404 on every route, and nothing changes at the vendor", async () => {
    const { agent } = vendors.addRetellAgent(retellAccount, { name: "Not theirs" });
    const requests = vendors.requests().length;
    for (const [method, path, body] of [
      ["GET", `/ui/v1/connections/${retell.id}/setup`],
      ["GET", `/ui/v1/connections/${retell.id}/setup/targets`],
      ["PUT", `/ui/v1/connections/${vapi.id}/setup/api-key`, { apiKey: "stolen-key-0123456789" }],
      ["POST", `/ui/v1/connections/${retell.id}/setup/apply`, { targetIds: [agent.agent_id] }],
      ["POST", `/ui/v1/connections/${retell.id}/setup/undo`, { targetId: agent.agent_id }],
    ] as [string, string, unknown?][]) {
      const response = await hubspotFetch(path, { portal: otherPortal, method, body });
      expect({ path, method, status: response.status }).toEqual({ path, method, status: 404 });
    }
    expect(vendors.requests().length).toBe(requests);
    expect(vendors.retellAgent(agent.agent_id)!.webhook_url).toBeUndefined();
  });

  it("a user who is not a super admin gets 403 with the reason on every write, and may read", async () => {
    const { agent } = vendors.addRetellAgent(retellAccount, { name: "Rep tries" });
    for (const [method, path, body] of [
      ["PUT", `/ui/v1/connections/${vapi.id}/setup/api-key`, { apiKey: "rep-key-0123456789" }],
      ["POST", `/ui/v1/connections/${retell.id}/setup/apply`, { targetIds: [agent.agent_id] }],
      ["POST", `/ui/v1/connections/${retell.id}/setup/undo`, { targetId: agent.agent_id }],
    ] as [string, string, unknown][]) {
      expect(await hubspotFetch(path, { user: REP, method, body })).toEqual({ status: 403, body: { error: "Only a super admin can change this.", code: "not_super_admin" } });
    }
    expect(vendors.retellAgent(agent.agent_id)!.webhook_url).toBeUndefined();
    expect((await hubspotFetch(`/ui/v1/connections/${retell.id}/setup`, { user: REP })).status).toBe(200);
  });

  it("connections of a vendor the app cannot configure say so", async () => {
    const bland = await stack.connect(portalId, "bland");
    expect((await hubspotFetch(`/ui/v1/connections/${bland.id}/setup`)).body).toMatchObject({ supported: false, vendorLabel: getVendor("bland").label, reason: expect.stringMatching(/by hand/) });
    expect((await hubspotFetch(`/ui/v1/connections/${bland.id}/setup/apply`, { method: "POST", body: { targetIds: ["x"] } })).status).toBe(409);
  });
});

describe("end to end", () => {
  it("a configured Retell agent's call lands through the configured URL; undo restores it; uninstall undoes what is left", async () => {
    const portal = await stack.install();
    stack.sim.addUser(portal, { id: ADMIN.id, email: ADMIN.email, superAdmin: true });
    const key = `key_${randomBytes(12).toString("hex")}`;
    const connection = await stack.connect(portal, "retell", key);
    const account = vendors.addAccount("retell", { apiKey: key, webhookUrl: "https://elsewhere.invalid/hook", numbers: ["+14155550111"] });
    const first = vendors.addRetellAgent(account, { name: "Main line" });
    const second = vendors.addRetellAgent(account, { name: "Overflow", webhookUrl: "https://old.example/overflow" });
    const snapshot = () => ({ first: settled(vendors.retellAgent(first.agent.agent_id)!), firstLlm: settled(vendors.retellLlm(first.llm!.llm_id)!), second: settled(vendors.retellAgent(second.agent.agent_id)!), secondLlm: settled(vendors.retellLlm(second.llm!.llm_id)!) });
    const before = snapshot();
    const as = (path: string, body: unknown) => hubspotFetch(path, { portal, method: "POST", body });
    expect((await as(`/ui/v1/connections/${connection.id}/setup/apply`, { targetIds: [first.agent.agent_id, second.agent.agent_id] })).status).toBe(200);

    // A call on the configured agent: Retell posts its signed webhooks to the agent's URL, ours.
    const created = await fetch(`${vendors.urls.retell}/v2/create-phone-call`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ from_number: "+14155550111", to_number: "+14155550188", override_agent_id: first.agent.agent_id }) });
    const { call_id: callId } = (await created.json()) as { call_id: string };
    const answers = await vendors.completeCall(callId, { summary: "Asked to book a haircut." });
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    const row = await stack.waitFor(async () => {
      const call = await stack.app.runtime.db.call.findFirst({ where: { vendorCallId: callId } });
      return call?.status === "synced" && call.syncedVersion >= call.version ? call : null;
    }, { what: "the call synced to HubSpot" });
    expect(row).toMatchObject({ portalId: portal, connectionId: connection.id });

    // A function call from the configured LLM, signed as Retell signs, is answered on its URL.
    const toolUrl = String(vendors.retellLlm(first.llm!.llm_id)!.general_tools.find((t) => t.name === "lookup_caller")!.url);
    const toolBody = Buffer.from(JSON.stringify({ name: "lookup_caller", call: { call_id: callId, direction: "inbound", from_number: "+14155550188", to_number: "+14155550111" }, args: {} }));
    const tool = await fetch(`${stack.url}${new URL(toolUrl).pathname}`, { method: "POST", headers: { "content-type": "application/json", ...(await getVendor("retell").sign(toolBody, key, Date.now())) }, body: new Uint8Array(toolBody) });
    expect(tool.status).toBe(200);

    // Undo on request restores the first agent exactly.
    await as(`/ui/v1/connections/${connection.id}/setup/undo`, { targetId: first.agent.agent_id });
    expect({ agent: snapshot().first, llm: snapshot().firstLlm }).toEqual({ agent: before.first, llm: before.firstLlm });

    // Uninstall: answered at once although Retell fails the first undo attempt; the worker retries.
    vendors.failNext("retell", 1, { status: 500, body: { status: "error", message: "Internal Server Error" } });
    expect(await hubspotFetch("/ui/v1/install", { portal, method: "DELETE" })).toEqual({ status: 200, body: { uninstalled: true } });
    await stack.waitFor(async () => (await stack.app.runtime.db.vendorUndoTask.count()) === 0, { what: "the undo tasks done", timeoutMs: 30_000 });
    expect(snapshot()).toEqual(before);
    expect(vendors.requests("retell").filter((r) => r.status === 500)).toHaveLength(1);
    expect(await stack.app.runtime.db.vendorChange.count({ where: { portalId: portal } })).toBe(0);
  });
});
