import type { InboundFormat, InboundRequest } from "../inbound.js";

// Retell's inbound call webhook (configured per phone number, signed like its other webhooks):
// {event: "call_inbound", call_inbound: {agent_id?, from_number, to_number}}. There is no call yet, so
// no call id. Answered {call_inbound: {dynamic_variables}}; every field is optional to Retell, and a
// missing agent override keeps the number's inbound agent.
export function parseRetellInbound(body: { call_inbound?: unknown }): InboundRequest | string {
  const inbound = body.call_inbound as { from_number?: unknown } | undefined;
  if (!inbound || typeof inbound !== "object") return "call_inbound: missing";
  return { phone: typeof inbound.from_number === "string" ? inbound.from_number : null, vendorCallId: null };
}

export const retellInbound: InboundFormat = {
  reply: (variables) => ({ call_inbound: { dynamic_variables: variables } }),
};
