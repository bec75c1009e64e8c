import { messageOf, postDial, type Dialer } from "../outbound.js";

// Retell's create-phone-call (POST /v2/create-phone-call, Authorization: Bearer <API key>): from one of
// the account's numbers, optionally with another agent than the number's outbound one. Dynamic
// variables must be strings; `metadata` comes back on the call's webhooks. The post-call webhook goes
// where the agent's (or the account's) webhook URL points: the connection's webhook URL, signed with
// the same API key the connection already holds.
export const retellDialer: Dialer = {
  missing: (settings) => (settings.fromNumber ? null : "a from number (one of the Retell account's numbers)"),
  dial: (request) =>
    postDial(
      request,
      "/v2/create-phone-call",
      { authorization: `Bearer ${request.settings.apiKey}` },
      {
        from_number: request.settings.fromNumber,
        to_number: request.toNumber,
        ...(request.settings.agentId ? { override_agent_id: request.settings.agentId } : {}),
        retell_llm_dynamic_variables: request.variables,
        metadata: request.metadata,
      },
      (body) => (body as { call_id?: string })?.call_id,
      messageOf,
    ),
};
