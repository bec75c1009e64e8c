// Acuity's error bodies. Every API failure is `{status_code, message, error}` with a snake_case
// `error` code (developers.acuityscheduling.com/reference/api-errors; the availability codes are from
// the reschedule reference). The OAuth token endpoint answers the RFC 6749 shape `{error,
// error_description}` instead.

export class AcuityError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(JSON.stringify(body));
  }
}

export function acuityError(status: number, error: string, message: string): AcuityError {
  return new AcuityError(status, { status_code: status, message, error });
}

/** A 400 in the shape every validation and availability failure takes. */
export const invalid = (error: string, message: string) => acuityError(400, error, message);

export const badJson = () => invalid("bad_request", "Expected a JSON object.");
export const unauthorized = () => acuityError(401, "unauthorized", "Unauthorized");
export const forbidden = () => acuityError(403, "forbidden", "Forbidden");
export const notFound = (hint?: string) => acuityError(404, "not_found", hint ? `Not Found. Did you mean \`${hint}\`?` : "Not Found");
export const methodNotAllowed = () => acuityError(405, "method_not_allowed", "Method Not Allowed");
export const tooManyRequests = () => acuityError(429, "too_many_requests", "Rate limit reached. Limit 10req/s and 20 concurrent connections.");

/** The documented availability failures (reschedule reference; POST /appointments answers the same). */
export const notAvailable = (datetime: string) => invalid("not_available", `The time "${datetime}" is not an available time slot.`);
export const tooSoon = (datetime: string) => invalid("not_available_min_hours_in_advance", `The time "${datetime}" is not far enough in advance.`);
export const tooFar = (datetime: string) => invalid("not_available_max_days_in_advance", `The time "${datetime}" is too far in advance.`);
export const invalidCalendar = (id: unknown) => invalid("invalid_calendar", `The calendar "${String(id)}" does not exist.`);
export const invalidTimezone = (zone: string) => invalid("invalid_timezone", `Invalid timezone "${zone}".`);
export const invalidDatetime = (value: unknown) => invalid("invalid_datetime", `The datetime "${String(value)}" is invalid.`);
export const required = (param: string) => invalid(`required_${snake(param)}`, `The parameter "${param}" is required.`);

/** The body `failNext` puts on a request; 429 is Acuity's documented one, the others its general shape. */
export function faultError(status: number): AcuityError {
  if (status === 429) return tooManyRequests();
  const known: Record<number, [string, string]> = {
    500: ["internal_server_error", "Internal Server Error"],
    502: ["bad_gateway", "Bad Gateway"],
    503: ["service_unavailable", "Service Unavailable"],
  };
  const [error, message] = known[status] ?? ["error", `Simulated Acuity ${status}`];
  return acuityError(status, error, message);
}

/** The token endpoint's errors. */
export const oauthError = (status: number, error: string, description: string) => new AcuityError(status, { error, error_description: description });

/** required_datetime, required_calendar_id, required_first_name: Acuity's codes are snake_case. */
function snake(name: string): string {
  return name.replace(/ID$/, "Id").replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
