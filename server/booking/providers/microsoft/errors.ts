import { CalendarError, kindOfStatus, type CalendarErrorKind } from "../errors.js";

// Errors decide retries (STYLE.md): every failed Graph or token request becomes a MicrosoftCalendarError
// that keeps Graph's status, code and Retry-After, with the neutral kind every provider shares
// (../errors.ts). Messages carry Graph's status, code and message only: never tokens or callers.

/** OAuth's word for a grant that was revoked or expired: the calendar must be reconnected. */
const REVOKED = "invalid_grant";

function graphKind(status: number | undefined, code: string | null): CalendarErrorKind {
  if (code === REVOKED) return "auth";
  // A thrown error with no status is no answer (network, timeout); a 2xx is one that lacks what Graph promises.
  return kindOfStatus(status);
}

/** A failed Graph or identity-platform request. `status` is the HTTP status (undefined: no answer). */
export class MicrosoftCalendarError extends CalendarError {
  override readonly name = "MicrosoftCalendarError";

  constructor(
    message: string,
    readonly status: number | undefined,
    /** Graph's error code ("ErrorItemNotFound", "syncStateNotFound") or OAuth's error ("invalid_grant"). */
    readonly code: string | null,
    /** From Retry-After, when the answer had one. */
    retryAfterMs: number | null = null,
    /** For answers that came but break the contract (an event without an id); by default from status and code. */
    kind: CalendarErrorKind = graphKind(status, code),
  ) {
    super(message, kind, retryAfterMs);
  }
}

/** An answer Graph should not have given (a created event without an id, a delta round without a deltaLink). */
export const unexpectedAnswer = (message: string) => new MicrosoftCalendarError(message, undefined, null, null, "unexpected");

/** Retry-After as milliseconds: seconds or an HTTP date. */
export function retryAfterMs(header: string | null | undefined): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}
