import { parseArguments, type LiveToolFormat } from "../tool-calls.js";

// Vapi tools: {message: {type: "tool-calls", call, customer, toolCallList: [{id, name, parameters |
// function.arguments}]}}, answered {"results": [{toolCallId, result}]} with one single-line string per call.
export const vapiTools: LiveToolFormat = {
  parse(body) {
    const message = (body as { message?: any })?.message;
    if (message?.type !== "tool-calls") return `expected message.type "tool-calls", got ${JSON.stringify(message?.type ?? null)}`;
    const list: any[] = message.toolCallList ?? message.toolCalls ?? [];
    return {
      vendorCallId: String(message.call?.id ?? ""),
      phone: message.customer?.number ?? message.call?.customer?.number ?? null,
      calls: list.map((c) => ({ id: String(c.id), name: String(c.name ?? c.function?.name ?? ""), args: parseArguments(c.parameters ?? c.arguments ?? c.function?.arguments) })),
    };
  },
  reply: (answers) => ({ results: answers.map(({ call, answer }) => ({ toolCallId: call.id, result: JSON.stringify({ message: answer.message, ...answer.data }) })) }),
};
