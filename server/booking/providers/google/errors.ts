import { CalendarError, kindOfStatus, type CalendarErrorKind } from "../errors.js";

// Errors decide retries (STYLE.md): every failed Google request becomes one of these two, with Google's
// HTTP status kept and the neutral kind every provider shares (../errors.ts), so the caller backs off on
// 429/5xx and marks the calendar on a revoked grant.
// Messages carry Google's status, reason and message only: never tokens, event details or callers.

/** Google uses 403 with these reasons for rate limits as well as 429. */
const RATE_LIMIT_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded"]);

function calendarKind(status: number | null, reason: string | null): CalendarErrorKind {
  if (status === 403 && RATE_LIMIT_REASONS.has(reason ?? "")) return "rate_limited";
  return kindOfStatus(status);
}

/** "invalid_grant" and a missing scope need the calendar reconnected; our own codes say what went wrong. */
function oauthKind(status: number | null, code: string): CalendarErrorKind {
  if (code === "invalid_grant" || code === "insufficient_scope") return "auth";
  if (code === "network") return "unavailable";
  if (code === "no_email" || code === "unexpected_answer") return "unexpected";
  return kindOfStatus(status);
}

/** A failed Calendar API request. `status` is null when no answer came (network error, timeout). */
export class GoogleCalendarError extends CalendarError {
  override readonly name = "GoogleCalendarError";

  constructor(
    message: string,
    readonly status: number | null,
    /** Google's `errors[0].reason`: duplicate, deleted, fullSyncRequired, rateLimitExceeded, ... */
    readonly reason: string | null,
  ) {
    // A 200 here is an answer that lacks what the API promises (../errors.ts "unexpected").
    super(message, calendarKind(status, reason));
  }
}

/**
 * A failed token request or an unusable grant. `code` is Google's OAuth error ("invalid_grant": the
 * user revoked access or the refresh token expired, so the calendar must be reconnected), or one of
 * ours: "insufficient_scope" (the user unticked the calendar permission), "no_email", "network",
 * "unexpected_answer".
 */
export class GoogleOAuthError extends CalendarError {
  override readonly name = "GoogleOAuthError";

  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string,
  ) {
    super(message, oauthKind(status, code));
  }
}

interface ClientFailure {
  config: unknown;
  code?: unknown;
  status?: unknown;
  response?: { status?: number; data?: unknown };
}

/** Google's JSON error body: `{ error: { code, message, errors: [{ reason, message }] } }`. */
interface GoogleErrorBody {
  error?: { message?: string; errors?: { reason?: string }[] };
}

/**
 * The GoogleCalendarError for what the client library threw (a GaxiosError, recognised by its request
 * config, since gaxios is not ours to import). Anything else is a bug and is thrown unchanged.
 */
export function calendarError(operation: string, error: unknown): unknown {
  if (error instanceof GoogleCalendarError || !(error instanceof Error) || !("config" in error)) return error;
  const failure = error as Error & ClientFailure;
  const status = typeof failure.response?.status === "number" ? failure.response.status : null;
  if (status === null) return new GoogleCalendarError(`Google Calendar ${operation}: no answer (${String(failure.code ?? failure.message)})`, null, null);
  const body = (failure.response?.data as GoogleErrorBody | undefined)?.error;
  const reason = body?.errors?.[0]?.reason ?? null;
  return new GoogleCalendarError(`Google Calendar ${operation}: ${status}${reason ? ` ${reason}` : ""}: ${body?.message ?? "no error body"}`, status, reason);
}
