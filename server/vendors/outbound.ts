// Starting an outbound call through a vendor's own API (the workflow action "Call this contact with the
// AI receptionist", server/workflows/). Each vendor that can dial has an `outbound.ts` in its folder;
// server/workflows/dialers.ts gathers them. The vendor answers with its call id, and the call's own
// post-call webhook later lands on the connection's webhook URL like any other call.

/** What a connection holds for dialing (OutboundSettings), the API key decrypted. */
export interface DialSettings {
  apiKey: string;
  fromNumber: string | null;
  agentId: string | null;
  phoneNumberId: string | null;
  task: string | null;
}

export interface DialRequest {
  settings: DialSettings;
  /** The vendor API's base URL (the real one, or a simulator in tests). */
  baseUrl: string;
  /** The contact's number, E.164. */
  toNumber: string;
  /** The contact's context for the agent's prompt: first_name, owner_first_name, reason. */
  variables: Record<string, string>;
  /** Echoed back in the post-call webhook: our execution's ids, never personal data. */
  metadata: Record<string, string>;
  /** The connection's webhook URL (Bland takes one per call). */
  webhookUrl: string;
  timeoutMs: number;
}

/**
 * What the vendor said. `refused`: it will not place this call (its answer says why; a retry gets the
 * same answer), shown in HubSpot's workflow history. `unavailable`: try again later (429, 5xx,
 * timeout, network), HubSpot's retry of the execution does.
 */
export type DialResult =
  | { kind: "started"; vendorCallId: string }
  | { kind: "refused"; status: number; reason: string }
  | { kind: "unavailable"; reason: string; retryAfterSeconds: number | null };

export interface Dialer {
  /** What the settings lack for this vendor, or null when it can dial. */
  missing(settings: DialSettings): string | null;
  dial(request: DialRequest): Promise<DialResult>;
}

/** POST JSON and turn the answer into a DialResult; `callIdOf` reads the vendor's call id from a 2xx body. */
export async function postDial(
  request: DialRequest,
  path: string,
  headers: Record<string, string>,
  body: unknown,
  callIdOf: (body: unknown) => string | undefined,
  reasonOf: (body: unknown) => string,
): Promise<DialResult> {
  let response: Response;
  try {
    response = await fetch(new URL(path, request.baseUrl), { method: "POST", headers: { "content-type": "application/json", accept: "application/json", ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(request.timeoutMs) });
  } catch (error) {
    return { kind: "unavailable", reason: `no answer: ${(error as Error).message}`, retryAfterSeconds: null };
  }
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON (a proxy's error page): keep the text
  }
  const reason = (typeof parsed === "string" ? parsed.slice(0, 300) : reasonOf(parsed)) || `HTTP ${response.status}`;
  if (response.ok) {
    // A 2xx that says error in its body (Bland: "status: success or error") is the vendor's refusal.
    if ((parsed as { status?: unknown } | null)?.status === "error") return { kind: "refused", status: response.status, reason };
    const id = callIdOf(parsed);
    return id ? { kind: "started", vendorCallId: id } : { kind: "unavailable", reason: "the vendor answered without a call id", retryAfterSeconds: null };
  }
  if (response.status === 429 || response.status >= 500) {
    const retryAfter = Number(response.headers.get("retry-after"));
    return { kind: "unavailable", reason: `${response.status}: ${reason}`, retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null };
  }
  return { kind: "refused", status: response.status, reason };
}

/** Vendors' error bodies: `message` as a string or a list of strings (Vapi's validation). */
export function messageOf(body: unknown): string {
  const message = (body as { message?: unknown; error_message?: unknown })?.message ?? (body as { error_message?: unknown })?.error_message;
  if (Array.isArray(message)) return message.map(String).join("; ");
  return typeof message === "string" ? message : "";
}
