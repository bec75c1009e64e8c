import express from "express";
import { createHmac } from "node:crypto";
import { E164, type CallEnding, type CreatedCall, type VendorState } from "./accounts.js";

// Bland's POST /v1/calls (`authorization: <API key>`, no Bearer): a phone number, a task or a pathway,
// `request_data` for the prompt, a webhook per call. Errors are {status: "error", message}. The
// post-call webhook is the call object, signed X-Webhook-Signature = hex HMAC-SHA256(secret, body).

const error = (res: express.Response, status: number, message: string) => res.status(status).json({ status: "error", message });

export function blandApp(state: VendorState): express.Express {
  const app = express();
  app.use(express.json());
  app.post("/v1/calls", (req, res) => {
    const account = state.account("bland", req.headers.authorization);
    if (!account) return void error(res, 401, "Invalid API key.");
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.phone_number !== "string" || !E164.test(body.phone_number.replace(/[\s()-]/g, ""))) return void error(res, 400, "Invalid phone_number: provide the number to call in E.164 format.");
    if (typeof body.task !== "string" && typeof body.pathway_id !== "string") return void error(res, 400, "Missing required parameter: task or pathway_id.");
    if (typeof body.pathway_id === "string" && !account.agents.includes(body.pathway_id)) return void error(res, 404, `Pathway ${body.pathway_id} not found.`);
    if (body.from !== undefined && !account.numbers.includes(String(body.from))) return void error(res, 400, "Invalid from: the number is not one of your numbers.");
    if (state.active(account) >= account.concurrency) return void error(res, 429, "Rate limit exceeded: too many concurrent calls.");
    const call = state.create({ vendor: "bland", account, from: (body.from as string | undefined) ?? account.numbers[0] ?? null, to: body.phone_number.replace(/[\s()-]/g, ""), agentId: (body.pathway_id as string | undefined) ?? null, variables: (body.request_data ?? {}) as Record<string, unknown>, metadata: (body.metadata ?? {}) as Record<string, unknown>, webhook: typeof body.webhook === "string" ? body.webhook : null }, "");
    res.json({ status: "success", message: "Call successfully queued.", call_id: call.id, batch_id: null });
  });
  return app;
}

export function blandWebhooks(call: CreatedCall, ending: CallEnding, now: number): { body: string; headers: Record<string, string> }[] {
  const payload = {
    call_id: call.id, to: call.to, from: call.from, inbound: false, completed: true, status: ending.answered ? "completed" : "no-answer",
    call_length: ending.durationMs / 60_000, answered_by: ending.answered ? "human" : null, concatenated_transcript: ending.transcript, summary: ending.summary,
    variables: { ...call.variables, ...(ending.extracted ?? {}) }, metadata: call.metadata,
    started_at: new Date(now - ending.durationMs).toISOString(), end_at: new Date(now).toISOString(), call_ended_by: "ASSISTANT",
  };
  const body = JSON.stringify(payload);
  return [{ body, headers: { "x-webhook-signature": createHmac("sha256", call.account.webhookSecret).update(body).digest("hex") } }];
}
