import express from "express";
import { createHmac } from "node:crypto";
import { E164, type CallEnding, type CreatedCall, type VendorState } from "./accounts.js";

// Retell's POST /v2/create-phone-call (Authorization: Bearer <API key>): from one of the account's
// numbers to an E.164 number, optionally another agent; dynamic variables are strings only. Errors
// are Retell's {status: "error", message}. Post-call webhooks (call_ended, then call_analyzed) are
// signed x-retell-signature: v=<ms>,d=<hex HMAC-SHA256(API key, body + ms)>.

const error = (res: express.Response, status: number, message: string) => res.status(status).json({ status: "error", message });

export function retellApp(state: VendorState): express.Express {
  const app = express();
  app.use(express.json());
  app.post("/v2/create-phone-call", (req, res) => {
    const account = state.account("retell", /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1]);
    if (!account) return void error(res, 401, "API key is missing or invalid.");
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.from_number !== "string" || typeof body.to_number !== "string") return void error(res, 400, "Invalid request format, please check API reference. from_number and to_number are required.");
    if (!E164.test(body.to_number)) return void error(res, 400, `Invalid to_number ${body.to_number}: must be E.164 (e.g. +14155550100).`);
    if (!account.numbers.includes(body.from_number)) return void error(res, 422, "Cannot find requested asset under given api key. (from_number)");
    if (body.override_agent_id !== undefined && !account.agents.includes(String(body.override_agent_id))) return void error(res, 422, "Cannot find requested asset under given api key. (override_agent_id)");
    const variables = (body.retell_llm_dynamic_variables ?? {}) as Record<string, unknown>;
    const notString = Object.entries(variables).find(([, v]) => typeof v !== "string");
    if (notString) return void error(res, 400, `retell_llm_dynamic_variables.${notString[0]} must be a string.`);
    if (state.active(account) >= account.concurrency) return void error(res, 429, "Concurrency limit reached, please throttle your calls.");
    const call = state.create({ vendor: "retell", account, from: body.from_number, to: body.to_number, agentId: (body.override_agent_id as string | undefined) ?? account.agents[0] ?? null, variables, metadata: (body.metadata ?? {}) as Record<string, unknown>, webhook: null }, "call_");
    res.status(201).json({ call_type: "phone_call", call_id: call.id, agent_id: call.agentId, call_status: "registered", direction: "outbound", from_number: call.from, to_number: call.to, metadata: call.metadata, retell_llm_dynamic_variables: call.variables });
  });
  return app;
}

export function retellWebhooks(call: CreatedCall, ending: CallEnding, now: number): { body: string; headers: Record<string, string> }[] {
  const start = now - ending.durationMs;
  const base = {
    call_id: call.id, call_type: "phone_call", agent_id: call.agentId, call_status: "ended", direction: "outbound",
    from_number: call.from, to_number: call.to, start_timestamp: start, end_timestamp: now, duration_ms: ending.durationMs,
    transcript: ending.transcript, disconnection_reason: ending.answered ? "agent_hangup" : "dial_no_answer",
    metadata: call.metadata, retell_llm_dynamic_variables: call.variables,
  };
  const analysis = { call_summary: ending.summary, user_sentiment: ending.sentiment ?? "Neutral", call_successful: ending.answered, in_voicemail: false, custom_analysis_data: ending.extracted ?? {} };
  return [{ event: "call_ended", call: base }, { event: "call_analyzed", call: { ...base, call_analysis: analysis } }].map((payload) => {
    const body = JSON.stringify(payload);
    const digest = createHmac("sha256", call.account.apiKey).update(body + now).digest("hex");
    return { body, headers: { "x-retell-signature": `v=${now},d=${digest}` } };
  });
}
