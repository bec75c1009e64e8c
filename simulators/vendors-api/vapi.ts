import express from "express";
import { createHmac } from "node:crypto";
import { E164, type CallEnding, type CreatedCall, type VendorState } from "./accounts.js";

// Vapi's POST /call (Authorization: Bearer <private key>): an assistant, one of the account's phone
// numbers by id, a customer number in E.164. Errors are NestJS's {message, error, statusCode}, with
// validation messages as a list. The end-of-call report goes to the server URL, signed with the HMAC
// credential: x-signature = hex HMAC-SHA256(secret, "{x-timestamp}.{body}").

/** CreateCallDto's properties (Vapi's OpenAPI; its server SDK's CreateCallDto). */
const CREATE_CALL_FIELDS = new Set(["customers", "name", "schedulePlan", "transport", "assistantId", "assistant", "assistantOverrides", "squadId", "squad", "squadOverrides", "workflowId", "workflow", "workflowOverrides", "phoneNumberId", "phoneNumber", "customerId", "customer"]);

const error = (res: express.Response, statusCode: number, message: string | string[], name: string) => res.status(statusCode).json({ message, error: name, statusCode });

export function vapiApp(state: VendorState): express.Express {
  const app = express();
  app.use(express.json());
  app.post("/call", (req, res) => {
    const account = state.account("vapi", /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1]);
    if (!account) return void error(res, 401, "Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.", "Unauthorized");
    const body = (req.body ?? {}) as { assistantId?: unknown; phoneNumberId?: unknown; customer?: { number?: unknown; name?: unknown }; assistantOverrides?: { variableValues?: Record<string, unknown>; metadata?: Record<string, unknown> } };
    // NestJS's whitelist validation, as Vapi's API runs it: a property CreateCallDto does not have is refused.
    const problems: string[] = Object.keys(body).filter((key) => !CREATE_CALL_FIELDS.has(key)).map((key) => `property ${key} should not exist`);
    if (typeof body.customer?.number !== "string" || !E164.test(body.customer.number)) problems.push("customer.number must be a valid phone number in the E.164 format. Hot tip, you may be missing the country code (Eg. US: +1).");
    if (typeof body.assistantId !== "string") problems.push("assistantId must be a string");
    if (typeof body.phoneNumberId !== "string") problems.push("phoneNumberId must be a string");
    if (problems.length) return void error(res, 400, problems, "Bad Request");
    if (!account.agents.includes(body.assistantId as string)) return void error(res, 400, `Couldn't Get Assistant. \`assistantId\` ${body.assistantId} Does Not Exist.`, "Bad Request");
    const from = account.phoneNumberIds[body.phoneNumberId as string];
    if (!from) return void error(res, 400, `Couldn't Get Phone Number. \`phoneNumberId\` ${body.phoneNumberId} Does Not Exist.`, "Bad Request");
    if (state.active(account) >= account.concurrency) return void error(res, 429, "Over Concurrency Limit.", "Too Many Requests");
    const call = state.create({ vendor: "vapi", account, from, to: body.customer!.number as string, agentId: body.assistantId as string, variables: body.assistantOverrides?.variableValues ?? {}, metadata: body.assistantOverrides?.metadata ?? {}, webhook: null }, "");
    const at = new Date(call.createdAt).toISOString();
    res.status(201).json({ id: call.id, orgId: "org_sim", type: "outboundPhoneCall", status: "queued", assistantId: call.agentId, phoneNumberId: body.phoneNumberId, customer: body.customer, createdAt: at, updatedAt: at });
  });
  return app;
}

export function vapiWebhooks(call: CreatedCall, ending: CallEnding, now: number): { body: string; headers: Record<string, string> }[] {
  const startedAt = new Date(now - ending.durationMs).toISOString();
  const message = {
    type: "end-of-call-report",
    endedReason: ending.answered ? "assistant-ended-call" : "customer-did-not-answer",
    call: { id: call.id, type: "outboundPhoneCall", customer: { number: call.to }, assistantId: call.agentId },
    customer: { number: call.to },
    phoneNumber: { number: call.from },
    artifact: { transcript: ending.transcript, variableValues: call.variables },
    analysis: { summary: ending.summary, structuredData: ending.extracted ?? {} },
    startedAt,
    endedAt: new Date(now).toISOString(),
    timestamp: now,
  };
  const body = JSON.stringify({ message });
  const timestamp = String(now);
  return [{ body, headers: { "x-timestamp": timestamp, "x-signature": createHmac("sha256", call.account.webhookSecret).update(`${timestamp}.${body}`).digest("hex") } }];
}
