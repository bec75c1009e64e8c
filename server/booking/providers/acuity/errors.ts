import { CalendarError, kindOfStatus, type CalendarErrorKind } from "../errors.js";

// Errors decide retries (STYLE.md): every failed Acuity request becomes an AcuityError, with Acuity's
// status and snake_case `error` code kept and the neutral kind every provider shares (../errors.ts).
// Acuity answers `{status_code, message, error}`; its availability refusals are 400s whose code starts
// with not_available ("not_available", "not_available_min_hours_in_advance", ...): the time is taken.
// Messages carry Acuity's status, code and message only: never tokens or caller details.

export function acuityKind(status: number | null, code: string | null): CalendarErrorKind {
  if (status === 400 && code?.startsWith("not_available")) return "taken";
  return kindOfStatus(status);
}

/** A failed Acuity request. `status` is null when no answer came (network error, timeout). */
export class AcuityError extends CalendarError {
  override readonly name = "AcuityError";

  constructor(
    message: string,
    readonly status: number | null,
    /** Acuity's `error` code: not_available, unauthorized, too_many_requests, already_canceled, ... */
    readonly code: string | null,
    retryAfterMs: number | null = null,
  ) {
    super(message, acuityKind(status, code), retryAfterMs);
  }
}

/** Retry-After in seconds (or an HTTP date), as milliseconds. */
export function retryAfterMs(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}
