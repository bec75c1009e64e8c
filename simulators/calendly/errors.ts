// Calendly's error bodies. The API answers `{ title, message, details? }`, with `details` a list of
// `{ parameter, message }` on a 400 (titles and messages as in Calendly's reference and the fixtures of
// the calendlyr client). The OAuth host (auth.calendly.com, Doorkeeper) answers the flat RFC 6749
// `{ error, error_description }`.

export interface ErrorDetail {
  parameter?: string;
  message: string;
}

export class CalendlyError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === "string" ? body : JSON.stringify(body));
  }
}

export function apiError(status: number, title: string, message: string, details?: ErrorDetail[], headers?: Record<string, string>): CalendlyError {
  return new CalendlyError(status, { title, message, ...(details?.length ? { details } : {}) }, headers);
}

/** A 400 naming the parameters at fault. */
export const invalidArgument = (...details: ErrorDetail[]) => apiError(400, "Invalid Argument", "The supplied parameters are invalid.", details);
export const invalidParameter = (parameter: string, message: string) => invalidArgument({ parameter, message });

export const unauthenticated = (message = "The access token is invalid") => apiError(401, "Unauthenticated", message);
export const permissionDenied = (message = "You do not have permission to access this resource.") => apiError(403, "Permission Denied", message);
export const notFound = () => apiError(404, "Resource Not Found", "The server could not find the requested resource.");
export const alreadyExists = (message: string) => apiError(409, "Already Exists", message);
export const internalError = () => apiError(500, "Internal Server Error", "The server encountered an unexpected condition that prevented it from fulfilling the request.");

/** 429 with the headers every Calendly answer carries, `remaining` at 0. */
export const tooManyRequests = (headers: Record<string, string>) =>
  apiError(429, "Too Many Requests", "You have exceeded the rate limit. Please try again later.", undefined, headers);

/** The answer `failNext` puts on a request: Calendly's body for the status. */
export function faultError(status: number): CalendlyError {
  switch (status) {
    case 429:
      return tooManyRequests({ "X-RateLimit-Limit": "500", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "60" });
    case 500:
      return internalError();
    case 502:
    case 503:
    case 504:
      // The load balancer answers these, not the API: an HTML page, not Calendly's JSON.
      return new CalendlyError(status, `<html><body><h1>${status} Service Unavailable</h1>No server is available to handle this request.</body></html>`);
    default:
      return apiError(status, "Simulated Error", `Simulated Calendly ${status}`);
  }
}

/** The OAuth host's errors, with Doorkeeper's descriptions. */
export const oauthError = (status: number, error: string, description: string) => new CalendlyError(status, { error, error_description: description });

export const INVALID_GRANT =
  "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.";
export const INVALID_CLIENT = "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.";
