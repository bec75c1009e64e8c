// One calendar error for every provider (Twenty's neutral driver codes): each provider turns its own
// failures (Google's status and reason, Graph's status and code, an OAuth error) into a CalendarError
// with a `kind` the booking code can act on without knowing which provider answered. Providers keep
// their own subclasses for the details their own code and tests look at (status, reason, code).

export type CalendarErrorKind =
  /** The grant is missing, revoked or lacks a scope: the calendar must be reconnected. */
  | "auth"
  /** 429, or Google's 403 rate-limit reasons: back off (retryAfterMs when the provider said). */
  | "rate_limited"
  /** No answer (network, timeout) or a 5xx: try again later. */
  | "unavailable"
  /** A scheduling system refused the time as no longer open (Acuity's not_available): offer others. */
  | "taken"
  /** 409: the thing exists already (Google's insert of an id it has). */
  | "conflict"
  /** 404 or 410: the event, channel or sync state is gone. */
  | "not_found"
  /** Another 4xx: our request was wrong; retrying will not help. */
  | "bad_request"
  /** An answer that breaks the provider's contract (a created event without an id, a page without a cursor). */
  | "unexpected";

export class CalendarError extends Error {
  override readonly name: string = "CalendarError";

  constructor(
    message: string,
    readonly kind: CalendarErrorKind,
    /** From the provider's Retry-After, when it sent one. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }

  /** Worth trying again later (the queue backs off); the others need a person or a code change. */
  get retryable(): boolean {
    return this.kind === "rate_limited" || this.kind === "unavailable";
  }
}

/** The kind of a failed HTTP answer; null or undefined is no answer at all. */
export function kindOfStatus(status: number | null | undefined): CalendarErrorKind {
  if (status === null || status === undefined || status >= 500) return "unavailable";
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "auth";
  if (status === 404 || status === 410) return "not_found";
  if (status === 409) return "conflict";
  if (status >= 400) return "bad_request";
  return "unexpected";
}

/** The staff member's calendar cannot be used until it is (re)connected. */
export class CalendarNotConnectedError extends CalendarError {
  override readonly name = "CalendarNotConnectedError";

  constructor(
    readonly staffEmail: string,
    readonly reason: string,
  ) {
    super(`${staffEmail}'s calendar is not connected: ${reason}`, "auth");
  }
}
