import type { InboundFormat, InboundRequest } from "../inbound.js";

// Vapi's `assistant-request` (sent for an inbound call on a number with a Server URL and no assistant
// of its own; to be answered within 7.5 s): {message: {type, call: {id, customer: {number}}, customer?,
// phoneNumber}}. The answer must say which assistant takes the call (assistantId, or a transient
// assistant, squad or workflow), so the connection is configured with one; its variables go in
// assistantOverrides.variableValues. Without an assistant, Vapi speaks `error` and ends the call: that
// sentence says what is missing.
export function parseVapiInbound(message: { call?: { id?: unknown; customer?: { number?: unknown } }; customer?: { number?: unknown } }): InboundRequest {
  const number = message.customer?.number ?? message.call?.customer?.number;
  return { phone: typeof number === "string" ? number : null, vendorCallId: typeof message.call?.id === "string" ? message.call.id : null };
}

export const NO_ASSISTANT_ERROR = "This line is not set up to take calls yet. Please call back later.";

export const vapiInbound: InboundFormat = {
  reply: (variables, { assistantId }) => (assistantId ? { assistantId, assistantOverrides: { variableValues: variables } } : { error: NO_ASSISTANT_ERROR }),
};
