import { z } from "zod";
import { describeIssues } from "../validation/issues.js";

// What HubSpot posts to the action URL for one enrolled contact: the execution's callbackId (the same
// on every retry of that execution), the portal and action definition it comes from, the contact with
// the properties the definition asked for, and the workflow author's input fields.

const id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).transform(String);

const actionRequestSchema = z.looseObject({
  callbackId: z.string().min(1).max(200),
  origin: z.looseObject({ portalId: id, actionDefinitionId: id.optional() }),
  context: z.looseObject({ source: z.string().optional(), workflowId: id.optional() }).optional(),
  object: z.looseObject({
    objectId: id,
    objectType: z.string(),
    properties: z.record(z.string(), z.string().nullable()).optional(),
  }),
  inputFields: z.record(z.string(), z.unknown()).default({}),
});

export type ActionRequest = z.infer<typeof actionRequestSchema>;

export function parseActionRequest(body: unknown): { ok: true; request: ActionRequest } | { ok: false; reason: string } {
  const parsed = actionRequestSchema.safeParse(body);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error.issues) };
  if (parsed.data.object.objectType.toUpperCase() !== "CONTACT") return { ok: false, reason: `object.objectType: the action runs on contacts, not ${parsed.data.object.objectType}` };
  return { ok: true, request: parsed.data };
}

/** An input field as text ("" when absent): HubSpot sends static values as strings. */
export const inputText = (request: ActionRequest, name: string): string => {
  const value = request.inputFields[name];
  return typeof value === "string" ? value.trim() : typeof value === "number" ? String(value) : "";
};
