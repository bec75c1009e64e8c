import { randomUUID } from "node:crypto";

// HubSpot's error bodies, as close as its docs and public integrations show them: every one carries
// `status: "error"`, a `message`, a `correlationId` and a `category` the client code keys on.

export class HubSpotError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.message));
  }
}

const base = (message: string, category: string, extra: Record<string, unknown> = {}) => ({ status: "error", message, correlationId: randomUUID(), category, ...extra });

export interface PropertyProblem {
  name: string;
  /** HubSpot's code: PROPERTY_DOESNT_EXIST, INVALID_OPTION, READ_ONLY_VALUE, INVALID_EMAIL, ... */
  error: string;
  message: string;
}

/**
 * A write with invalid property values. HubSpot puts the per-property results, as escaped JSON, inside
 * the message ("Property values were not valid: [{\"isValid\":false,...}]") and repeats them in `errors`.
 */
export function invalidPropertyValues(portalId: string, problems: PropertyProblem[]): HubSpotError {
  const results = problems.map((p) => ({ isValid: false, message: p.message, error: p.error, name: p.name, localizedErrorMessage: p.message, portalId: Number(portalId) }));
  return new HubSpotError(
    400,
    base(`Property values were not valid: ${JSON.stringify(results)}`, "VALIDATION_ERROR", {
      errors: problems.map((p) => ({ message: p.message, code: p.error, context: { propertyName: [p.name] } })),
    }),
  );
}

export function validationError(message: string, code?: string, context?: Record<string, string[]>): HubSpotError {
  return new HubSpotError(400, base(message, "VALIDATION_ERROR", code ? { errors: [{ message, code, ...(context ? { context } : {}) }] } : {}));
}

export function objectNotFound(id: string): HubSpotError {
  return new HubSpotError(404, base("Object not found.  objectId are usually numeric.", "OBJECT_NOT_FOUND", { context: { id: [id] } }));
}

export function notFound(message: string): HubSpotError {
  return new HubSpotError(404, base(message, "OBJECT_NOT_FOUND"));
}

/** A create or update whose email another contact already has; the message names that contact. */
export function contactExists(existingId: string): HubSpotError {
  return new HubSpotError(409, base(`Contact already exists. Existing ID: ${existingId}`, "CONFLICT"));
}

export function alreadyExists(message: string): HubSpotError {
  return new HubSpotError(409, base(message, "OBJECT_ALREADY_EXISTS"));
}

export function invalidAuthentication(): HubSpotError {
  return new HubSpotError(401, base("Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview", "INVALID_AUTHENTICATION"));
}

/** An expired token gets its own category and says how long ago it expired (seen in HubSpot 401s). */
export function expiredAuthentication(expiredAt: number, now: number): HubSpotError {
  const seconds = Math.max(1, Math.round((now - expiredAt) / 1000));
  const ago = seconds < 120 ? `${seconds} second(s)` : seconds < 7200 ? `${Math.round(seconds / 60)} minute(s)` : `${Math.round(seconds / 3600)} hour(s)`;
  return new HubSpotError(401, base(`The OAuth token used to make this call expired ${ago} ago.`, "EXPIRED_AUTHENTICATION", { context: { "expire time": [new Date(expiredAt).toISOString()] } }));
}

/** The 403 body of HubSpot's error-handling guide. */
export function missingScopes(scopes: string[]): HubSpotError {
  return new HubSpotError(
    403,
    base("This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.", "MISSING_SCOPES", {
      errors: [{ message: "One or more of the following scopes are required.", context: { requiredGranularScopes: scopes } }],
      links: { scopes: "https://developers.hubspot.com/scopes" },
    }),
  );
}

export type RateLimitPolicy = "TEN_SECONDLY_ROLLING" | "SECONDLY";

/**
 * HubSpot's 429 body. The message strings matter: @hubspot/api-client's retry decorator compares the
 * secondly one verbatim, and reads `policyName` for the ten-secondly one.
 */
export function rateLimitBody(policy: RateLimitPolicy, portalId: string) {
  return {
    status: "error",
    message: policy === "SECONDLY" ? "You have reached your secondly limit." : "You have reached your ten_secondly_rolling limit.",
    errorType: "RATE_LIMIT",
    correlationId: randomUUID(),
    policyName: policy,
    groupName: policy === "SECONDLY" ? `publicapi:oauth:search:${portalId}` : `publicapi:oauth:${portalId}`,
  };
}

/** OAuth endpoint errors use their own shape: the status field holds the reason. */
export function oauthError(status: string, message: string): HubSpotError {
  return new HubSpotError(400, { status, message, correlationId: randomUUID() });
}

export function internalError(message: string): HubSpotError {
  return new HubSpotError(500, base(message, "INTERNAL_ERROR"));
}
