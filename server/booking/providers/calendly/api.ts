import type { CalendarAccount } from "../types.js";
import { CalendlyError, readFailure, resetAfterMs } from "./errors.js";

// One request to Calendly's API v2 with the staff member's bearer token. No retries and no waiting
// here: a caller is on the line, so a 429 (POST /invitees allows 10 a minute per user on paid plans)
// or a 5xx surfaces at once as a CalendarError with the time Calendly names, and the booking code
// answers honestly. A user known to be out of bookings until a reset is not sent another one.

const REQUEST_TIMEOUT_MS = 10_000;

export interface CalendlyRequest {
  method?: "GET" | "POST" | "DELETE";
  query?: Record<string, string | undefined>;
  body?: unknown;
}

export type CalendlyCall = <T>(account: CalendarAccount, operation: string, path: string, request?: CalendlyRequest) => Promise<T>;

export function calendlyClient(apiBaseUrl: string, now: () => number = Date.now): CalendlyCall {
  const base = apiBaseUrl.replace(/\/+$/, "");
  /** Per user: until when POST /invitees is known to be refused (from its last 429). */
  const bookingsBlocked = new Map<string, number>();
  return async function call<T>(account: CalendarAccount, operation: string, path: string, request: CalendlyRequest = {}): Promise<T> {
    // A full URI (Calendly names everything by URI) or a path under the base.
    const url = new URL(path.startsWith("http") ? path : `${base}${path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
    const booking = request.method === "POST" && url.pathname.endsWith("/invitees");
    const blockedUntil = booking ? (bookingsBlocked.get(account.email) ?? 0) : 0;
    if (blockedUntil > now()) throw new CalendlyError(operation, { status: 429, code: "Too Many Requests", message: "the booking limit was reached moments ago (not sent)", parameters: [] }, blockedUntil - now());
    const token = await account.accessToken();
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method ?? "GET",
        headers: { authorization: `Bearer ${token}`, accept: "application/json", ...(request.body !== undefined ? { "content-type": "application/json" } : {}) },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new CalendlyError(operation, { status: null, code: null, message: `no answer (${(error as Error).name})`, parameters: [] });
    }
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // An HTML page of the load balancer (502/503): judged by the status below.
    }
    if (!response.ok) {
      const wait = resetAfterMs(response.headers);
      if (booking && response.status === 429 && wait) bookingsBlocked.set(account.email, now() + wait);
      throw new CalendlyError(operation, readFailure(response.status, body), response.status === 429 ? wait : null);
    }
    return body as T;
  };
}
