import { messageOf, postDial, type Dialer } from "../outbound.js";

// Bland's send call (POST /v1/calls, `authorization: <API key>`, no Bearer): a pathway or a task
// prompt, the number to ring, `request_data` for the prompt's variables, and a webhook per call: ours,
// so the post-call webhook lands on the connection (signed with the connection's webhook secret).
export const blandDialer: Dialer = {
  missing: (settings) => (settings.agentId || settings.task ? null : "a pathway id or a task prompt"),
  dial: (request) =>
    postDial(
      request,
      "/v1/calls",
      { authorization: request.settings.apiKey },
      {
        phone_number: request.toNumber,
        ...(request.settings.agentId ? { pathway_id: request.settings.agentId } : { task: request.settings.task }),
        ...(request.settings.fromNumber ? { from: request.settings.fromNumber } : {}),
        request_data: request.variables,
        metadata: request.metadata,
        webhook: request.webhookUrl,
      },
      (body) => (body as { call_id?: string })?.call_id,
      messageOf,
    ),
};
