import type { CalendarAccount } from "../types.js";
import { AcuityError, retryAfterMs } from "./errors.js";

// One request to Acuity's API v1 with the staff member's bearer token. Acuity allows about 10 requests
// a second per account and answers 429 beyond: this process paces each account's requests under that
// (a caller waits a few hundred milliseconds rather than hearing that the calendar is down). No
// retries here: a 429 or 5xx that still comes surfaces at once (with Retry-After) and the caller decides.

const REQUEST_TIMEOUT_MS = 10_000;
/** Requests per account in any one second, a little under Acuity's 10. */
const PER_SECOND = 8;

/** Per-account pacing: a request waits until fewer than PER_SECOND were sent in the last second. */
class Pacer {
  private readonly sent = new Map<string, number[]>();

  async admit(key: string): Promise<void> {
    for (;;) {
      const now = Date.now();
      const recent = (this.sent.get(key) ?? []).filter((at) => now - at < 1000);
      if (recent.length < PER_SECOND) {
        recent.push(now);
        this.sent.set(key, recent);
        return;
      }
      this.sent.set(key, recent);
      await new Promise((resolve) => setTimeout(resolve, recent[0]! + 1000 - now + 1));
    }
  }
}

export interface AcuityRequest {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  query?: Record<string, string | string[] | undefined>;
  body?: unknown;
}

export type AcuityCall = <T>(account: CalendarAccount, operation: string, path: string, request?: AcuityRequest) => Promise<T>;

export function acuityClient(apiBaseUrl: string): AcuityCall {
  const base = apiBaseUrl.replace(/\/+$/, "");
  const pacer = new Pacer();
  return async function call<T>(account: CalendarAccount, operation: string, path: string, request: AcuityRequest = {}): Promise<T> {
    const url = new URL(`${base}${path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      for (const one of [value ?? []].flat()) url.searchParams.append(name, one);
    }
    await pacer.admit(account.email);
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
