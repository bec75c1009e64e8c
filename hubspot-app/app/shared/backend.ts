import { hubspot } from "@hubspot/ui-extensions";
import type { ApiError } from "./api.js";

// The app's backend, reached through hubspot.fetch: HubSpot signs every request (v3) and appends the
// portal and user ids, which is how the backend knows who is asking. Change BACKEND_URL together with
// app-hsmeta.json's permittedUrls (docs/ui.md).
export const BACKEND_URL = "https://api.ai-receptionist.example.com";

export class BackendError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly needsReconnect = false,
    /** The server's error body (api.ts), or as much of it as arrived. */
    readonly body: Partial<ApiError> = {},
  ) {
    super(message);
  }
}

export async function backend<T>(path: string, options: { method?: "GET" | "POST" | "PUT" | "DELETE"; body?: Record<string, unknown> } = {}): Promise<T> {
  let response: Response;
  try {
    response = await hubspot.fetch(`${BACKEND_URL}${path}`, { method: options.method ?? "GET", body: options.body, timeout: 10_000 });
  } catch {
    throw new BackendError("The AI receptionist service did not answer. Try again in a moment.", 0);
  }
  const body: unknown = await response.json().catch(() => ({}));
  if (!response.ok) {
    const refusal = body as Partial<ApiError>;
    throw new BackendError(String(refusal.error ?? `Request failed (${response.status})`), response.status, refusal.needsReconnect === true || response.status === 409, refusal);
  }
  return body as T;
}
