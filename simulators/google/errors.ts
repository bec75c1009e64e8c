// Google's error bodies. The Calendar API answers `{ error: { errors: [{ domain, reason, message }],
// code, message } }` (newer front ends add a gRPC `status` name); the OAuth endpoints answer the flat
// RFC 6749 shape `{ error, error_description }`.

export class GoogleError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === "string" ? body : JSON.stringify(body));
  }
}

interface ApiErrorExtra {
  domain?: string;
  /** The gRPC status name Google adds to some answers (UNAUTHENTICATED, PERMISSION_DENIED, ...). */
  status?: string;
  location?: string;
  locationType?: string;
  headers?: Record<string, string>;
}

export function apiError(status: number, reason: string, message: string, extra: ApiErrorExtra = {}): GoogleError {
  const item = { domain: extra.domain ?? "global", reason, message, ...(extra.location ? { location: extra.location, locationType: extra.locationType ?? "parameter" } : {}) };
  return new GoogleError(status, { error: { errors: [item], code: status, message, ...(extra.status ? { status: extra.status } : {}) } }, extra.headers);
}

export const notFound = () => apiError(404, "notFound", "Not Found");
/** A second delete of the same event. */
export const alreadyDeleted = () => apiError(410, "deleted", "Resource has been deleted");
export const duplicateId = () => apiError(409, "duplicate", "The requested identifier already exists.");
export const invalid = (message: string) => apiError(400, "invalid", message);
export const required = (message: string) => apiError(400, "required", message);
export const badRequest = (message = "Bad Request") => apiError(400, "badRequest", message);
export const timeRangeEmpty = () => apiError(400, "timeRangeEmpty", "The specified time range is empty.");
export const fullSyncRequired = () => apiError(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.");

const AUTH_HELP = "Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.";
const WWW_AUTHENTICATE = { "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"' };

/** No Authorization header at all. */
export const loginRequired = () =>
  apiError(401, "required", `Request is missing required authentication credential. ${AUTH_HELP}`, { status: "UNAUTHENTICATED", location: "Authorization", locationType: "header", headers: WWW_AUTHENTICATE });

/** A token Google does not know, or one that expired: the same answer for both. */
export const invalidCredentials = () =>
  apiError(401, "authError", `Request had invalid authentication credentials. ${AUTH_HELP}`, { status: "UNAUTHENTICATED", location: "Authorization", locationType: "header", headers: WWW_AUTHENTICATE });

export const insufficientScopes = () => apiError(403, "insufficientPermissions", "Request had insufficient authentication scopes.", { status: "PERMISSION_DENIED" });

/** The answer `failNext` puts on a request: Google's body for the status unless a reason is given. */
export function faultError(status: number, options: { reason?: string; message?: string } = {}): GoogleError {
  const known: Record<number, { reason: string; message: string; domain: string }> = {
    403: { reason: "rateLimitExceeded", message: "Rate Limit Exceeded", domain: "usageLimits" },
    429: { reason: "rateLimitExceeded", message: "Rate Limit Exceeded", domain: "usageLimits" },
    500: { reason: "backendError", message: "Backend Error", domain: "global" },
    503: { reason: "backendError", message: "The service is currently unavailable.", domain: "global" },
  };
  const base = known[status] ?? { reason: "backendError", message: `Simulated Google ${status}`, domain: "global" };
  return apiError(status, options.reason ?? base.reason, options.message ?? base.message, { domain: base.domain });
}

/** The token endpoint's errors. */
export const oauthError = (status: number, error: string, description: string) => new GoogleError(status, { error, error_description: description });
