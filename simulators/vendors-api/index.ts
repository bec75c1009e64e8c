import express from "express";
import { randomBytes } from "node:crypto";
import { Listeners } from "../shared/listener.js";
import { VendorState, type CallEnding, type CreatedCall, type DialVendor, type VendorAccount } from "./accounts.js";
import { blandApp, blandWebhooks } from "./bland.js";
import { retellApp, retellWebhooks } from "./retell.js";
import { vapiApp, vapiWebhooks } from "./vapi.js";

// The AI receptionist vendors' call-creation APIs over real HTTP, one listener per vendor (they are
// three hosts): Retell POST /v2/create-phone-call, Vapi POST /call, Bland POST /v1/calls, each with the
// vendor's own authentication, validation errors and bodies, and a per-account concurrency limit (429).
// A created call then ends when the test says so: `completeCall` sends the call's post-call webhook(s)
// to the account's webhook URL (Bland: the call's own), signed as that vendor signs.
//
//   accounts.ts  accounts, created calls, the shared state
//   retell.ts, vapi.ts, bland.ts  each vendor's endpoint and post-call webhook

export type { CallEnding, CreatedCall, DialVendor, VendorAccount } from "./accounts.js";

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

  constructor(private readonly options: VendorApiOptions = {}) {}

  /** An account of the vendor; returns it with its generated API key unless one is given. */
  addAccount(vendor: DialVendor, account: Partial<Omit<VendorAccount, "vendor">> & { webhookUrl: string }): VendorAccount {
    const full: VendorAccount = { vendor, apiKey: `key_${randomBytes(12).toString("hex")}`, webhookSecret: `whs_${randomBytes(12).toString("hex")}`, numbers: [], phoneNumberIds: {}, agents: [], concurrency: 20, ...account };
    this.state.accounts.push(full);
    return full;
  }

  /** The next `n` call-creation requests to the vendor get this answer (a 500, a 429 with Retry-After). */
  failNext(vendor: DialVendor, n: number, fault: VendorFault): void {
    for (let i = 0; i < n; i++) this.faults[vendor].push(fault);
  }

  calls(vendor?: DialVendor): CreatedCall[] {
    return this.state.calls.filter((c) => !vendor || c.vendor === vendor);
  }

  /** Every call-creation request and its status. */
  requests(vendor?: DialVendor): { vendor: DialVendor; status: number; body: unknown }[] {
    return this.state.requests.filter((r) => !vendor || r.vendor === vendor);
  }

  /** The call ends: its post-call webhook(s), signed, go where the vendor sends them; returns the answers. */
  async completeCall(callId: string, ending: Partial<CallEnding> = {}): Promise<{ status: number; body: string }[]> {
    const call = this.state.calls.find((c) => c.id === callId);
    if (!call) throw new Error(`completeCall: no call ${callId}`);
    if (call.status === "ended") throw new Error(`completeCall: call ${callId} has ended already`);
    call.status = "ended";
    const full: CallEnding = { answered: true, durationMs: 95_000, transcript: "Agent: Hi, this is the AI receptionist calling back.\nUser: Thanks for calling.", summary: "Called the contact back as the workflow asked.", ...ending };
    const now = Date.now();
    const deliveries = call.vendor === "retell" ? retellWebhooks(call, full, now) : call.vendor === "vapi" ? vapiWebhooks(call, full, now) : blandWebhooks(call, full, now);
    const target = (this.options.route ?? ((url: string) => url))(call.webhook ?? call.account.webhookUrl);
    const answers: { status: number; body: string }[] = [];
    for (const delivery of deliveries) {
      const response = await fetch(target, { method: "POST", headers: { "content-type": "application/json", ...delivery.headers }, body: delivery.body });
      answers.push({ status: response.status, body: await response.text() });
    }
    return answers;
  }

  async listen(): Promise<void> {
    const apps = { retell: retellApp(this.state), vapi: vapiApp(this.state), bland: blandApp(this.state) };
    for (const vendor of Object.keys(apps) as DialVendor[]) {
      const outer = express();
      outer.disable("x-powered-by");
      outer.use(express.json());
      outer.use((req, res, next) => {
        const record = { vendor, status: 0, body: req.body as unknown };
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
