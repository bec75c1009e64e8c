import express from "express";
import { randomBytes } from "node:crypto";
import { Listeners } from "../shared/listener.js";
import { VendorState, type CallEnding, type CreatedCall, type DialVendor, type RetellAgentRecord, type RetellLlmRecord, type VapiAssistantRecord, type VendorAccount, type VendorRequest } from "./accounts.js";
import { blandApp, blandWebhooks } from "./bland.js";
import { retellApp, retellWebhooks } from "./retell.js";
import { vapiApp, vapiWebhooks } from "./vapi.js";
import { retellConfigRoutes } from "./retell-config.js";
import { vapiConfigRoutes } from "./vapi-config.js";

// The AI receptionist vendors' call-creation APIs over real HTTP, one listener per vendor (they are
// three hosts): Retell POST /v2/create-phone-call, Vapi POST /call, Bland POST /v1/calls, each with the
// vendor's own authentication, validation errors and bodies, and a per-account concurrency limit (429).
// A created call then ends when the test says so: `completeCall` sends the call's post-call webhook(s)
// to the account's webhook URL (Bland: the call's own), signed as that vendor signs. Retell's agents and
// Retell LLMs and Vapi's assistants can be listed, read and changed through their configuration APIs
// (the settings page's vendor setup, server/vendor-setup/).
//
//   accounts.ts  accounts, created calls, agent and assistant configurations, the shared state
//   retell.ts, vapi.ts, bland.ts  each vendor's endpoint and post-call webhook
//   retell-config.ts, vapi-config.ts  Retell's agent / LLM API, Vapi's assistant API

export type { CallEnding, CreatedCall, DialVendor, RetellAgentRecord, RetellLlmRecord, VapiAssistantRecord, VendorAccount, VendorRequest } from "./accounts.js";

export interface VendorApiOptions {
  /** Where a webhook URL really goes (the app's public URL -> its local address). Default: as given. */
  route?: (url: string) => string;
}

export type VendorFault = { status: number; body: unknown; headers?: Record<string, string> };

export class VendorApiSim {
  readonly urls: Record<DialVendor, string> = { retell: "", vapi: "", bland: "" };
  private readonly state = new VendorState();
  private readonly listeners = new Listeners();
  private readonly faults: Record<DialVendor, VendorFault[]> = { retell: [], vapi: [], bland: [] };
  private assistantClock = 0;

  constructor(private readonly options: VendorApiOptions = {}) {}

  /** An account of the vendor; returns it with its generated API key unless one is given. */
  addAccount(vendor: DialVendor, account: Partial<Omit<VendorAccount, "vendor">> & { webhookUrl: string }): VendorAccount {
    const full: VendorAccount = { vendor, apiKey: `key_${randomBytes(12).toString("hex")}`, webhookSecret: `whs_${randomBytes(12).toString("hex")}`, numbers: [], phoneNumberIds: {}, agents: [], concurrency: 20, ...account };
    this.state.accounts.push(full);
    return full;
  }

  /**
   * A Retell agent of the account, answered by its agent API; with a Retell LLM (its tools in
   * `general_tools`) unless it runs on a conversation flow. The webhook URL defaults to none (the
   * account's). Returns the live records: a test edits them as an admin would in Retell's dashboard.
   */
  addRetellAgent(account: VendorAccount, options: { name: string; webhookUrl?: string | null; engine?: "retell-llm" | "conversation-flow"; tools?: Record<string, unknown>[] }): { agent: RetellAgentRecord; llm: RetellLlmRecord | null } {
    const now = Date.now();
    const agentId = `agent_${randomBytes(10).toString("hex")}`;
    let llm: RetellLlmRecord | null = null;
    if ((options.engine ?? "retell-llm") === "retell-llm") {
      llm = { llm_id: `llm_${randomBytes(10).toString("hex")}`, model: "gpt-4.1", general_prompt: "You are the front desk of a small business.", begin_message: null, general_tools: options.tools ?? [{ type: "end_call", name: "end_call", description: "End the call with user." }], version: 0, is_published: false, last_modification_timestamp: now };
      this.state.retellLlms.set(llm.llm_id, { account, llm });
    }
    const agent: RetellAgentRecord = {
      agent_id: agentId, agent_name: options.name, channel: "voice", voice_id: "11labs-Adrian", version: 0, is_published: false, last_modification_timestamp: now,
      response_engine: llm ? { type: "retell-llm", llm_id: llm.llm_id, version: 0 } : { type: "conversation-flow", conversation_flow_id: `cf_${randomBytes(8).toString("hex")}` },
      ...(options.webhookUrl !== undefined ? { webhook_url: options.webhookUrl } : {}),
    };
    this.state.retellAgents.set(agentId, { account, agent });
    if (!account.agents.includes(agentId)) account.agents.push(agentId);
    return { agent, llm };
  }

  retellAgent(id: string): RetellAgentRecord | undefined {
    return this.state.retellAgents.get(id)?.agent;
  }

  retellLlm(id: string): RetellLlmRecord | undefined {
    return this.state.retellLlms.get(id)?.llm;
  }

  /** A Vapi assistant of the account (a model with tools unless `model` is null); returns the live record. */
  addVapiAssistant(account: VendorAccount, options: { name: string; serverUrl?: string; tools?: Record<string, unknown>[]; model?: null }): VapiAssistantRecord {
    // Strictly increasing creation times, so createdAtLt pages never tie.
    this.assistantClock = Math.max(this.assistantClock + 1, Date.now());
    const at = new Date(this.assistantClock).toISOString();
    const assistant: VapiAssistantRecord = {
      id: `asst-${randomBytes(10).toString("hex")}`, orgId: "org_sim", name: options.name, firstMessage: "Thanks for calling!", createdAt: at, updatedAt: at,
      ...(options.model === null ? {} : { model: { provider: "openai", model: "gpt-4o", messages: [{ role: "system", content: "You are the front desk." }], tools: options.tools ?? [{ type: "endCall" }] } }),
      ...(options.serverUrl ? { server: { url: options.serverUrl, timeoutSeconds: 20 } } : {}),
    };
    this.state.vapiAssistants.set(assistant.id, { account, assistant });
    if (!account.agents.includes(assistant.id)) account.agents.push(assistant.id);
    return assistant;
  }

  vapiAssistant(id: string): VapiAssistantRecord | undefined {
    return this.state.vapiAssistants.get(id)?.assistant;
  }

  /** The next `n` requests to the vendor's API (call creation or configuration) get this answer (a 500, a 429 with Retry-After). */
  failNext(vendor: DialVendor, n: number, fault: VendorFault): void {
    for (let i = 0; i < n; i++) this.faults[vendor].push(fault);
  }

  calls(vendor?: DialVendor): CreatedCall[] {
    return this.state.calls.filter((c) => !vendor || c.vendor === vendor);
  }

  /** Every request to the vendors' APIs and its status. */
  requests(vendor?: DialVendor): VendorRequest[] {
    return this.state.requests.filter((r) => !vendor || r.vendor === vendor);
  }

  /** The call ends: its post-call webhook(s), signed, go where the vendor sends them (see below); returns the answers. */
  async completeCall(callId: string, ending: Partial<CallEnding> = {}): Promise<{ status: number; body: string }[]> {
    const call = this.state.calls.find((c) => c.id === callId);
    if (!call) throw new Error(`completeCall: no call ${callId}`);
    if (call.status === "ended") throw new Error(`completeCall: call ${callId} has ended already`);
    call.status = "ended";
    const full: CallEnding = { answered: true, durationMs: 95_000, transcript: "Agent: Hi, this is the AI receptionist calling back.\nUser: Thanks for calling.", summary: "Called the contact back as the workflow asked.", ...ending };
    const now = Date.now();
    const deliveries = call.vendor === "retell" ? retellWebhooks(call, full, now) : call.vendor === "vapi" ? vapiWebhooks(call, full, now) : blandWebhooks(call, full, now);
    // As the vendors do: the call's own webhook (Bland), else the agent's (a Retell agent's webhook_url,
    // a Vapi assistant's server.url), else the account's.
    const agentUrl = call.agentId ? (this.state.retellAgents.get(call.agentId)?.agent.webhook_url ?? this.state.vapiAssistants.get(call.agentId)?.assistant.server?.url) : undefined;
    const target = (this.options.route ?? ((url: string) => url))(call.webhook ?? agentUrl ?? call.account.webhookUrl);
    const answers: { status: number; body: string }[] = [];
    for (const delivery of deliveries) {
      const response = await fetch(target, { method: "POST", headers: { "content-type": "application/json", ...delivery.headers }, body: delivery.body });
      answers.push({ status: response.status, body: await response.text() });
    }
    return answers;
  }

  async listen(): Promise<void> {
    const retell = retellApp(this.state).use(retellConfigRoutes(this.state));
    const vapi = vapiApp(this.state).use(vapiConfigRoutes(this.state));
    const apps = { retell, vapi, bland: blandApp(this.state) };
    for (const vendor of Object.keys(apps) as DialVendor[]) {
      const outer = express();
      outer.disable("x-powered-by");
      outer.use(express.json());
      outer.use((req, res, next) => {
        const record: VendorRequest = { vendor, method: req.method, path: req.path, status: 0, body: req.body as unknown };
        this.state.requests.push(record);
        res.on("finish", () => (record.status = res.statusCode));
        const fault = this.faults[vendor].shift();
        if (!fault) return next();
        res.status(fault.status).set(fault.headers ?? {}).json(fault.body);
      });
      outer.use(apps[vendor]);
      this.urls[vendor] = await this.listeners.serve(outer);
    }
  }

  async close(): Promise<void> {
    await this.listeners.close();
  }
}

export async function startVendorApiSim(options?: VendorApiOptions): Promise<VendorApiSim> {
  const sim = new VendorApiSim(options);
  await sim.listen();
  return sim;
}
