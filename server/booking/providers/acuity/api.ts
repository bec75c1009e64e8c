import type { CalendarAccount } from "../types.js";
import { AcuityError, retryAfterMs } from "./errors.js";

// One request to Acuity's API v1 with the staff member's bearer token. No retries here: a booking
// happens while a caller waits, so a 429 or 5xx surfaces at once (with Retry-After) and the caller decides.

const REQUEST_TIMEOUT_MS = 10_000;

export interface AcuityRequest {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  query?: Record<string, string | string[] | undefined>;
  body?: unknown;
}

export type AcuityCall = <T>(account: CalendarAccount, operation: string, path: string, request?: AcuityRequest) => Promise<T>;

export function acuityClient(apiBaseUrl: string): AcuityCall {
  const base = apiBaseUrl.replace(/\/+$/, "");
  return async function call<T>(account: CalendarAccount, operation: string, path: string, request: AcuityRequest = {}): Promise<T> {
    const url = new URL(`${base}${path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      for (const one of [value ?? []].flat()) url.searchParams.append(name, one);
    }
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method ?? "GET",
        headers: { authorization: `Bearer ${await account.accessToken()}`, accept: "application/json", ...(request.body !== undefined ? { "content-type": "application/json" } : {}) },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new AcuityError(`Acuity ${operation}: no answer (${(error as Error).name})`, null, null);
    }
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // An HTML error page of a proxy or an outage: judged by the status below.
    }
    if (!response.ok) {
      const failure = (body ?? {}) as { error?: unknown; message?: unknown };
      const code = typeof failure.error === "string" ? failure.error : null;
      const message = typeof failure.message === "string" ? failure.message : "no error body";
      throw new AcuityError(`Acuity ${operation}: ${response.status}${code ? ` ${code}` : ""}: ${message}`, response.status, code, retryAfterMs(response.headers.get("retry-after")));
    }
    return body as T;
  };
}
