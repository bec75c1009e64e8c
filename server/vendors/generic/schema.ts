import { z } from "zod";
import { callRecordSchema } from "../../calls/record.js";

/** The JSON Schema of the generic webhook body, published in docs/generic-webhook.schema.json. */
export function genericWebhookJsonSchema(): Record<string, unknown> {
  return {
    $id: "https://receptionist.example.com/schemas/generic-webhook.json",
    title: "AI receptionist call (generic webhook)",
    description: "One call event, signed with Standard Webhooks. Several events of one call (same vendorCallId) are merged; a richer stage wins.",
    ...z.toJSONSchema(callRecordSchema, { io: "input" }),
  };
}
