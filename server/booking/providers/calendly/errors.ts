import { CalendarError, kindOfStatus, type CalendarErrorKind } from "../errors.js";

// Errors decide retries (STYLE.md): every failed Calendly request becomes a CalendlyError, with
// Calendly's status, title and the parameter its 400 names kept, and the neutral kind every provider
// shares (../errors.ts). Calendly answers `{ title, message, details?: [{ parameter, message }] }`;
// the OAuth host answers `{ error, error_description }`. A 400 that names `start_time` on a booking
// is Calendly refusing the time ("The selected time is not available"): the time is taken. A 403 is
// our access when it is about a scope, else a request about something we may not do (an event that is
// already canceled or in the past). A 429 carries X-RateLimit-Reset, seconds until the window opens.
// Messages carry Calendly's status, title and message only: never tokens or caller details.

export interface CalendlyFailure {
  status: number | null;
  /** Calendly's `title` ("Invalid Argument", "Permission Denied") or the OAuth `error` code. */
  code: string | null;
  message: string;
  /** The parameters a 400 names. */
  parameters: string[];
}

export function calendlyKind(failure: Pick<CalendlyFailure, "status" | "message" | "parameters">): CalendarErrorKind {
  const { status, message, parameters } = failure;
  if (status === 400 && parameters.includes("start_time")) return "taken";
  if (status === 403) return /scope|token/i.test(message) ? "auth" : "bad_request";
  return kindOfStatus(status);
}

/** A failed Calendly request. `status` is null when no answer came (network error, timeout). */
export class CalendlyError extends CalendarError {
  override readonly name = "CalendlyError";
  readonly status: number | null;
  readonly code: string | null;
  readonly parameters: string[];

  constructor(operation: string, failure: CalendlyFailure, retryAfterMs: number | null = null) {
    super(`Calendly ${operation}: ${failure.status ?? "no answer"}${failure.code ? ` ${failure.code}` : ""}: ${failure.message}`, calendlyKind(failure), retryAfterMs);
    this.status = failure.status;
    this.code = failure.code;
    this.parameters = failure.parameters;
  }
}

/** The failure in a Calendly error body (API or OAuth shape); anything else is described by its status. */
export function readFailure(status: number | null, body: unknown): CalendlyFailure {
  const b = (body && typeof body === "object" ? body : {}) as { title?: unknown; message?: unknown; details?: unknown; error?: unknown; error_description?: unknown };
  const details = Array.isArray(b.details) ? (b.details as { parameter?: unknown; message?: unknown }[]) : [];
  const code = typeof b.title === "string" ? b.title : typeof b.error === "string" ? b.error : null;
  const detail = details.map((d) => (typeof d.message === "string" ? `${typeof d.parameter === "string" ? `${d.parameter} ` : ""}${d.message}` : "")).filter(Boolean).join("; ");
  const message = [typeof b.message === "string" ? b.message : typeof b.error_description === "string" ? b.error_description : status === null ? "" : "no error body", detail].filter(Boolean).join(" ");
  return { status, code, message, parameters: details.flatMap((d) => (typeof d.parameter === "string" ? [d.parameter] : [])) };
}

/** X-RateLimit-Reset (seconds until the window resets), else Retry-After, as milliseconds. */
export function resetAfterMs(headers: { get(name: string): string | null }): number | null {
  for (const name of ["x-ratelimit-reset", "retry-after"]) {
    const seconds = Number(headers.get(name) ?? "");
    if (headers.get(name) && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  }
  return null;
}
