import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Retell from "retell-sdk";
import { startVendorApiSim, type VendorAccount, type VendorApiSim } from "../../simulators/vendors-api/index.js";

// The vendors' configuration APIs in simulators/vendors-api/: Retell's agents and Retell LLMs through
// the real retell-sdk client, Vapi's assistants over plain HTTP, each as strict as the vendor.

let sim: VendorApiSim;
let retellAccount: VendorAccount;
let otherRetell: VendorAccount;
let vapiAccount: VendorAccount;
let retell: Retell;

beforeAll(async () => {
  sim = await startVendorApiSim();
  retellAccount = sim.addAccount("retell", { webhookUrl: "https://account.example/hook" });
  otherRetell = sim.addAccount("retell", { webhookUrl: "https://other.example/hook" });
  vapiAccount = sim.addAccount("vapi", { webhookUrl: "https://account.example/vapi" });
  retell = new Retell({ apiKey: retellAccount.apiKey, baseURL: sim.urls.retell, maxRetries: 0 });
});
afterAll(async () => sim?.close());

const vapi = (path: string, init: { method?: string; body?: unknown; key?: string } = {}) =>
  fetch(`${sim.urls.vapi}${path}`, { method: init.method ?? "GET", headers: { "content-type": "application/json", ...(init.key === "" ? {} : { authorization: `Bearer ${init.key ?? vapiAccount.apiKey}` }) }, body: init.body === undefined ? undefined : JSON.stringify(init.body) }).then(async (r) => ({ status: r.status, body: await r.json() }));

describe("Retell agent and Retell LLM API", () => {
  it("lists the account's agents only, paged by pagination_key", async () => {
    const mine = ["Front desk", "After hours", "Spanish line"].map((name) => sim.addRetellAgent(retellAccount, { name }).agent.agent_id);
    sim.addRetellAgent(otherRetell, { name: "Not yours" });
    const first = await retell.agent.list({ limit: 2 });
    expect(first.items.map((a) => a.agent_name)).toEqual(["Spanish line", "After hours"]);
    expect(first.has_more).toBe(true);
    const second = await retell.agent.list({ limit: 2, pagination_key: first.pagination_key });
    expect(second).toMatchObject({ has_more: false, items: [{ agent_id: mine[0], agent_name: "Front desk", channel: "voice" }] });
    expect(second.pagination_key).toBeUndefined();
  });

  it("reads and updates an agent's webhook URL and its LLM's tools", async () => {
    const { agent, llm } = sim.addRetellAgent(retellAccount, { name: "Booking line" });
    const read = await retell.agent.retrieve(agent.agent_id);
    expect(read.response_engine).toEqual({ type: "retell-llm", llm_id: llm!.llm_id, version: 0 });
    expect(read.webhook_url).toBeUndefined();
    await retell.agent.update(agent.agent_id, { webhook_url: "https://app.example/webhooks/tok" });
    expect(sim.retellAgent(agent.agent_id)!.webhook_url).toBe("https://app.example/webhooks/tok");
    const tool = { type: "custom" as const, name: "lookup_caller", description: "Who is calling", url: "https://app.example/tools/tok", parameters: { type: "object" as const, properties: {} } };
    const updated = await retell.llm.update(llm!.llm_id, { general_tools: [...(await retell.llm.retrieve(llm!.llm_id)).general_tools!, tool] as never });
    expect(updated.general_tools!.map((t) => t.name)).toEqual(["end_call", "lookup_caller"]);
  });

  it("refuses without the key (401), another account's ids (404), unknown fields and bad tools (400), with Retell's bodies", async () => {
    const { agent, llm } = sim.addRetellAgent(otherRetell, { name: "Theirs" });
    const status = async (p: Promise<unknown>) => p.then(() => ({ status: 200 }), (e: { status: number; error: unknown }) => ({ status: e.status, body: e.error }));
    expect(await status(new Retell({ apiKey: "wrong-key", baseURL: sim.urls.retell, maxRetries: 0 }).agent.list())).toEqual({ status: 401, body: { status: "error", message: "API key is missing or invalid." } });
    expect(await status(retell.agent.retrieve(agent.agent_id))).toMatchObject({ status: 404, body: { status: "error" } });
    expect(await status(retell.llm.update(llm!.llm_id, { general_tools: [] }))).toMatchObject({ status: 404 });
    const mine = sim.addRetellAgent(retellAccount, { name: "Strict" });
    expect(await status(retell.agent.update(mine.agent.agent_id, { webhook_url: "x", nonsense: 1 } as never))).toEqual({ status: 400, body: { status: "error", message: "Invalid request format, please check API reference. Unrecognized key: nonsense" } });
    const custom = { type: "custom", name: "book_appointment", description: "d", url: "https://app.example/tools/t" };
    expect(await status(retell.llm.update(mine.llm!.llm_id, { general_tools: [custom, custom] as never }))).toEqual({ status: 400, body: { status: "error", message: "Tool names must be unique: book_appointment is used twice" } });
    expect(await status(retell.llm.update(mine.llm!.llm_id, { general_tools: [{ ...custom, url: undefined }] as never }))).toMatchObject({ status: 400 });
    expect(sim.retellLlm(mine.llm!.llm_id)!.general_tools.map((t) => t.name)).toEqual(["end_call"]);
  });

  it("answers 429 on demand", async () => {
    sim.failNext("retell", 1, { status: 429, body: { status: "error", message: "Rate limit exceeded" }, headers: { "retry-after": "2" } });
    await expect(retell.agent.list()).rejects.toMatchObject({ status: 429 });
    await expect(retell.agent.list()).resolves.toMatchObject({ items: expect.any(Array) });
  });
});

describe("Vapi assistant API", () => {
  it("lists newest first, paged by createdAtLt", async () => {
    const made = ["One", "Two", "Three"].map((name) => sim.addVapiAssistant(vapiAccount, { name }));
    const first = await vapi("/assistant?limit=2");
    expect(first.body.map((a: { name: string }) => a.name)).toEqual(["Three", "Two"]);
    const next = await vapi(`/assistant?limit=2&createdAtLt=${encodeURIComponent(first.body[1].createdAt)}`);
    expect(next.body.map((a: { id: string }) => a.id)).toEqual([made[0]!.id]);
  });

  it("patches server and model whole, and refuses unknown properties with NestJS's body", async () => {
    const assistant = sim.addVapiAssistant(vapiAccount, { name: "Desk", serverUrl: "https://theirs.example/hook" });
    const model = { ...assistant.model!, tools: [...assistant.model!.tools!, { type: "function", function: { name: "lookup_caller", parameters: { type: "object", properties: {} } }, server: { url: "https://app.example/tools/t" } }] };
    const patched = await vapi(`/assistant/${assistant.id}`, { method: "PATCH", body: { server: { url: "https://app.example/webhooks/t" }, model } });
    expect(patched.status).toBe(200);
    expect(sim.vapiAssistant(assistant.id)!.server).toEqual({ url: "https://app.example/webhooks/t" });
    expect(sim.vapiAssistant(assistant.id)!.model!.tools!.map((t) => (t as { type: string }).type)).toEqual(["endCall", "function"]);
    expect(await vapi(`/assistant/${assistant.id}`, { method: "PATCH", body: { serverUrll: "x" } })).toEqual({ status: 400, body: { message: ["property serverUrll should not exist"], error: "Bad Request", statusCode: 400 } });
    expect((await vapi(`/assistant/${assistant.id}`, { method: "PATCH", body: { model: { tools: [] } } })).body.message).toEqual(["model.provider must be a string", "model.model must be a string"]);
  });

  it("401 without the key, 404 for an unknown or another account's assistant, 429 on demand", async () => {
    expect(await vapi("/assistant", { key: "" })).toMatchObject({ status: 401, body: { error: "Unauthorized", statusCode: 401 } });
    const other = sim.addAccount("vapi", { webhookUrl: "https://x.example" });
    const theirs = sim.addVapiAssistant(other, { name: "Theirs" });
    expect(await vapi(`/assistant/${theirs.id}`)).toEqual({ status: 404, body: { message: "Couldn't Find Assistant", error: "Not Found", statusCode: 404 } });
    expect(await vapi(`/assistant/${theirs.id}`, { method: "PATCH", body: { name: "mine now" } })).toMatchObject({ status: 404 });
    expect(theirs.name).toBe("Theirs");
    sim.failNext("vapi", 1, { status: 429, body: { message: "Too Many Requests", error: "Too Many Requests", statusCode: 429 } });
    expect((await vapi("/assistant")).status).toBe(429);
  });
});
