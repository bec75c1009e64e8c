import { randomBytes } from "node:crypto";

// The state the three call-creation simulators share: vendor accounts (an API key, what the account
// owns, where its post-call webhooks go and how they are signed) and the calls created through them.

export type DialVendor = "retell" | "vapi" | "bland";

export interface VendorAccount {
  vendor: DialVendor;
  apiKey: string;
  /** Where post-call webhooks of the account's agents go (Bland: unless the call names its own). */
  webhookUrl: string;
  /** What the webhooks are signed with: Retell signs with the API key, Vapi and Bland with this. */
  webhookSecret: string;
  /** Numbers the account may call from (Retell from_number, Bland from). */
  numbers: string[];
  /** Vapi phone number ids and their numbers. */
  phoneNumberIds: Record<string, string>;
  /** Retell agent ids, Vapi assistant ids, Bland pathway ids. */
  agents: string[];
  /** Calls ringing or in progress at once before the vendor answers 429. */
  concurrency: number;
}

export interface CreatedCall {
  id: string;
  vendor: DialVendor;
  account: VendorAccount;
  from: string | null;
  to: string;
  agentId: string | null;
  /** Retell dynamic variables, Vapi variableValues, Bland request_data. */
  variables: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** Bland's per-call webhook. */
  webhook: string | null;
  status: "queued" | "ended";
  createdAt: number;
}

export interface CallEnding {
  answered: boolean;
  durationMs: number;
  transcript: string;
  summary: string;
  sentiment?: "Positive" | "Negative" | "Neutral";
  /** The agent's post-call extraction (Retell custom_analysis_data, Vapi structuredData, Bland variables). */
  extracted?: Record<string, unknown>;
}

export interface VendorRequest {
  vendor: DialVendor;
  method: string;
  path: string;
  status: number;
  body: unknown;
}

export const E164 = /^\+[1-9]\d{6,14}$/;

/** A Retell agent as its config API holds it (the fields the simulator knows; others are refused). */
export interface RetellAgentRecord {
  agent_id: string;
  agent_name: string;
  channel: "voice";
  response_engine: { type: "retell-llm"; llm_id: string; version?: number } | { type: "conversation-flow"; conversation_flow_id: string } | { type: "custom-llm"; llm_websocket_url: string };
  voice_id: string;
  webhook_url?: string | null;
  webhook_events?: string[] | null;
  language?: string;
  version: number;
  is_published: boolean;
  last_modification_timestamp: number;
}

export interface RetellLlmRecord {
  llm_id: string;
  model: string;
  general_prompt: string | null;
  begin_message: string | null;
  general_tools: Record<string, unknown>[];
  version: number;
  is_published: boolean;
  last_modification_timestamp: number;
}

/** A Vapi assistant (the fields the simulator knows; others are refused). */
export interface VapiAssistantRecord {
  id: string;
  orgId: string;
  name: string;
  firstMessage?: string;
  model?: { provider: string; model: string; messages?: unknown[]; tools?: Record<string, unknown>[]; toolIds?: string[] } & Record<string, unknown>;
  voice?: Record<string, unknown>;
  server?: { url?: string; secret?: string; credentialId?: string; headers?: Record<string, string>; timeoutSeconds?: number };
  serverMessages?: string[];
  metadata?: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export class VendorState {
  readonly accounts: VendorAccount[] = [];
  /** Agent and assistant configurations, by id, each owned by one account. */
  readonly retellAgents = new Map<string, { account: VendorAccount; agent: RetellAgentRecord }>();
  readonly retellLlms = new Map<string, { account: VendorAccount; llm: RetellLlmRecord }>();
  readonly vapiAssistants = new Map<string, { account: VendorAccount; assistant: VapiAssistantRecord }>();
  readonly calls: CreatedCall[] = [];
  /** Every request to a vendor's API, answered or not, in arrival order. */
  readonly requests: VendorRequest[] = [];

  account(vendor: DialVendor, apiKey: string | undefined): VendorAccount | undefined {
    return apiKey ? this.accounts.find((a) => a.vendor === vendor && a.apiKey === apiKey) : undefined;
  }

  active(account: VendorAccount): number {
    return this.calls.filter((c) => c.account === account && c.status === "queued").length;
  }

  create(call: Omit<CreatedCall, "id" | "status" | "createdAt">, idPrefix: string): CreatedCall {
    const created: CreatedCall = { ...call, id: `${idPrefix}${randomBytes(12).toString("hex")}`, status: "queued", createdAt: Date.now() };
    this.calls.push(created);
    return created;
  }
}
