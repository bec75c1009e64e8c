import type { InboundFormat, InboundRequest } from "../inbound.js";

// Synthflow's inbound call webhook: {event: "call_inbound", call_inbound: {model_id?, from_number,
// to_number}}, answered {call_inbound: {override_model_id, custom_variables}}. An empty object
// disconnects the call, and an empty override_model_id keeps the agent that received it, so the answer
// always carries both. Synthflow signs the call id only (verifySynthflow): which field carries it on
// this webhook is not in its docs, so call_inbound.call_id and a root call_id are read as well as
// call.call_id (unverified).
export function synthflowInboundCallId(body: { call?: { call_id?: unknown }; call_inbound?: { call_id?: unknown }; call_id?: unknown }): unknown {
  return body.call?.call_id ?? body.call_inbound?.call_id ?? body.call_id;
}

export function parseSynthflowInbound(body: { call_inbound?: unknown }): InboundRequest | string {
  const inbound = body.call_inbound as { from_number?: unknown } | undefined;
  if (!inbound || typeof inbound !== "object") return "call_inbound: missing";
  const callId = synthflowInboundCallId(body as never);
  return { phone: typeof inbound.from_number === "string" ? inbound.from_number : null, vendorCallId: typeof callId === "string" && callId ? callId : null };
}

export const synthflowInbound: InboundFormat = {
  reply: (variables) => ({ call_inbound: { override_model_id: "", custom_variables: variables } }),
};
