import { randomUUID } from "node:crypto";

// The two error shapes the simulator answers with. Graph wraps every failure in
// `{error: {code, message, innerError}}`; the identity platform's token endpoint answers OAuth 2.0
// errors (`error`, `error_description` starting with an AADSTS code, `error_codes`, trace ids).

export class SimHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(JSON.stringify(body));
  }
}

export function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): SimHttpError {
  const requestId = randomUUID();
  return new SimHttpError(status, { error: { code, message, innerError: { date: new Date().toISOString().slice(0, 19), "request-id": requestId, "client-request-id": requestId } } }, headers);
}

export const itemNotFound = () => graphError(404, "ErrorItemNotFound", "The specified object was not found in the store.");
export const invalidRequest = (message: string) => graphError(400, "ErrorInvalidRequest", message);

/** A token the simulator never issued, an expired one, or none at all. */
export function invalidToken(message: string): SimHttpError {
  return graphError(401, "InvalidAuthenticationToken", message, {
    "WWW-Authenticate": 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
  });
}

export const accessDenied = () => graphError(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.");

/** The token endpoint's errors: `aadsts` is the number the description starts with. */
export function identityError(status: number, error: string, aadsts: number, description: string): SimHttpError {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace("T", " ").slice(0, 19) + "Z";
  return new SimHttpError(status, {
    error,
    error_description: `AADSTS${aadsts}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
  });
}
