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

export const E164 = /^\+[1-9]\d{6,14}$/;

export class VendorState {
  readonly accounts: VendorAccount[] = [];
  readonly calls: CreatedCall[] = [];
  /** Every call-creation request, answered or not, in arrival order. */
  readonly requests: { vendor: DialVendor; status: number; body: unknown }[] = [];

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
