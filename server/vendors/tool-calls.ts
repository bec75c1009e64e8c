// A live tool call as the AI receptionist's vendor sends it, read into one shape, and the answers
// written back in the vendor's shape. Each vendor's format lives in its folder (vendors/<name>/tools.ts);
// the booking code (server/booking/tools.ts) sees only these types.

export interface ToolCall {
  /** The vendor's id of this tool call (Vapi), or null when it has none (Retell, generic without one). */
  id: string | null;
  name: string;
  args: Record<string, unknown>;
}

export interface ToolRequest {
  vendorCallId: string;
  /** The caller's number as the vendor reports it (not yet normalised). */
  phone: string | null;
  calls: ToolCall[];
}

/** What the AI says, and the data it may use. */
export interface SpokenAnswer {
  message: string;
  data?: Record<string, unknown>;
}

export interface LiveToolFormat {
  /** The vendor's request body as tool calls, or why it is not one. */
  parse(body: unknown): ToolRequest | string;
  /** The answers, one per call and in order, as the vendor wants them back. */
  reply(answers: { call: ToolCall; answer: SpokenAnswer }[]): unknown;
}

/** Tool arguments arrive as an object or as a JSON string (OpenAI-style function arguments). */
export function parseArguments(raw: unknown): Record<string, unknown> {
  if (typeof raw === "string") {
    try {
      const parsed = JSON.parse(raw) as unknown;
      return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
}

/** One answer at the root: `{result, ...data}` (Retell's custom functions, the generic format). */
export function singleReply(answers: { call: ToolCall; answer: SpokenAnswer }[]): unknown {
  const [only] = answers;
  return { result: only!.answer.message, ...only!.answer.data };
}
