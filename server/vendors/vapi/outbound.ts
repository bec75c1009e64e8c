import { messageOf, postDial, type Dialer } from "../outbound.js";

// Vapi's create call (POST /call, Authorization: Bearer <private API key>): an assistant, one of the
// account's phone numbers (by id) and the customer's number; the contact's context goes in
// `assistantOverrides.variableValues`. The end-of-call report goes to the assistant's server URL (the
// connection's webhook URL) as an `outboundPhoneCall`.
export const vapiDialer: Dialer = {
  missing: (settings) => (!settings.agentId ? "an assistant id" : !settings.phoneNumberId ? "a phone number id (the Vapi number to call from)" : null),
  dial: (request) =>
    postDial(
      request,
      "/call",
      { authorization: `Bearer ${request.settings.apiKey}` },
      {
        assistantId: request.settings.agentId,
        phoneNumberId: request.settings.phoneNumberId,
        customer: { number: request.toNumber, ...(request.variables.first_name ? { name: request.variables.first_name } : {}) },
        // Our ids ride on the assistant's metadata: CreateCallDto has no top-level `metadata`, and
        // Vapi's validation refuses a property it does not have.
        assistantOverrides: { variableValues: request.variables, metadata: request.metadata },
      },
      (body) => (body as { id?: string })?.id,
      messageOf,
    ),
};
