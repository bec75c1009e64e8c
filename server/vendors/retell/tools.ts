import { callerNumber } from "../../contacts/identity.js";
import { parseArguments, singleReply, type LiveToolFormat } from "../tool-calls.js";

// Retell custom functions: POST {name, call, args} (or the arguments at the root when "args only" is
// off), signed like its webhooks; answered with one JSON object whose `result` the agent speaks.
export const retellTools: LiveToolFormat = {
  parse(body) {
    const b = body as { name?: unknown; call?: { call_id?: unknown; direction?: unknown; from_number?: string; to_number?: string }; args?: unknown } & Record<string, unknown>;
    if (typeof b?.name !== "string") return "expected {name, call, args}";
    const { name, call, args, ...rest } = b;
    const phone = callerNumber({ direction: call?.direction === "outbound" ? "outbound" : "inbound", fromNumber: call?.from_number, toNumber: call?.to_number });
    return { vendorCallId: String(call?.call_id ?? ""), phone, calls: [{ id: null, name, args: args ? parseArguments(args) : rest }] };
  },
  reply: singleReply,
};
