// Errors decide retries (STYLE.md): every failed Google request becomes one of these two, with Google's
// HTTP status kept, so the caller backs off on 429/5xx and marks the calendar on a revoked grant.
// Messages carry Google's status, reason and message only: never tokens, event details or callers.

/** Google uses 403 with these reasons for rate limits as well as 429. */
const RATE_LIMIT_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded"]);

const transient = (status: number | null) => status === null || status === 429 || status >= 500;

/** A failed Calendar API request. `status` is null when no answer came (network error, timeout). */
export class GoogleCalendarError extends Error {
  override readonly name = "GoogleCalendarError";

  constructor(
    message: string,
    readonly status: number | null,
    /** Google's `errors[0].reason`: duplicate, deleted, fullSyncRequired, rateLimitExceeded, ... */
    readonly reason: string | null,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return transient(this.status) || (this.status === 403 && RATE_LIMIT_REASONS.has(this.reason ?? ""));
  }
}

/**
 * A failed token request or an unusable grant. `code` is Google's OAuth error ("invalid_grant": the
 * user revoked access or the refresh token expired, so the calendar must be reconnected), or one of
 * ours: "insufficient_scope" (the user unticked the calendar permission), "no_email", "network",
 * "unexpected_answer".
 */
export class GoogleOAuthError extends Error {
  override readonly name = "GoogleOAuthError";

  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.code === "network" || (this.status !== null && transient(this.status));
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
