import { parseArguments, singleReply, type LiveToolFormat } from "../tool-calls.js";

// The generic tool format (docs/booking-tools.md): {callId, toolCallId?, name, args, callerPhone?},
// answered {result, ...data}. Vendors without a tool format of their own (Bland) use it too.
export const genericTools: LiveToolFormat = {
  parse(body) {
    const b = body as { callId?: unknown; toolCallId?: unknown; name?: unknown; args?: unknown; callerPhone?: unknown };
    if (typeof b?.name !== "string" || typeof b?.callId !== "string") return "expected {callId, name, args}";
    return { vendorCallId: b.callId, phone: typeof b.callerPhone === "string" ? b.callerPhone : null, calls: [{ id: b.toolCallId ? String(b.toolCallId) : null, name: b.name, args: parseArguments(b.args) }] };
  },
  reply: singleReply,
};
