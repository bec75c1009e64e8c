import { ClassifiedError } from "../queue/failures.js";

// How a HubSpot failure decides what happens next (STYLE.md, "Errors decide retries"):
// transient failures throw so the queue backs off; permanent ones are stored with a reason and surface
// in the fallback queue and the settings page.

export type HubSpotFailure =
  | { kind: "rate_limited"; status: 429; policy: "TEN_SECONDLY_ROLLING" | "SECONDLY" | "DAILY" | "UNKNOWN"; retryAfterMs: number; message: string }
  | { kind: "transient"; status?: number; message: string } // 5xx, timeouts, connection errors
  | { kind: "unauthorized"; status: 401; message: string } // token expired or revoked: refresh once
  | { kind: "missing_scope"; status: 403; message: string }
  | { kind: "not_found"; status: 404; message: string }
  | { kind: "conflict"; status: 409; message: string; existingId?: string }
  | { kind: "invalid"; status: number; message: string; category?: string }; // other 4xx: our payload

interface ApiExceptionLike {
  code?: number;
  body?: unknown;
  headers?: Record<string, string>;
  message?: string;
}

function bodyOf(error: ApiExceptionLike): Record<string, unknown> {
  const body = error.body;
  if (body && typeof body === "object") return body as Record<string, unknown>;
  if (typeof body === "string") {
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      return { message: body };
    }
  }
  return {};
}

export function classifyHubSpotError(error: unknown): HubSpotFailure {
  const e = (error ?? {}) as ApiExceptionLike;
  const status = typeof e.code === "number" ? e.code : undefined;
  const body = bodyOf(e);
  const message = String(body.message ?? e.message ?? "unknown HubSpot error").slice(0, 500);
  if (status === undefined || status < 100) return { kind: "transient", message: `network: ${message}` };
  if (status === 429) {
    const policyName = String(body.policyName ?? "UNKNOWN").toUpperCase();
    const policy = (["TEN_SECONDLY_ROLLING", "SECONDLY", "DAILY"] as const).find((p) => p === policyName) ?? "UNKNOWN";
    // HubSpot's own client waits 10 s for the rolling window and 1 s for the secondly one.
    const retryAfterMs = policy === "SECONDLY" ? 1_000 : policy === "DAILY" ? 60 * 60_000 : 10_000;
    return { kind: "rate_limited", status: 429, policy, retryAfterMs, message };
  }
  if (status >= 500) return { kind: "transient", status, message };
  if (status === 401) return { kind: "unauthorized", status: 401, message };
  if (status === 403) return { kind: "missing_scope", status: 403, message };
  if (status === 404) return { kind: "not_found", status: 404, message };
  if (status === 409) {
    const existingId = /Existing ID:\s*(\d+)/i.exec(message)?.[1];
    return { kind: "conflict", status: 409, message, existingId };
  }
  if (status === 408) return { kind: "transient", status, message };
  return { kind: "invalid", status, message, category: typeof body.category === "string" ? body.category : undefined };
}

export function isTransient(failure: HubSpotFailure): boolean {
  return failure.kind === "transient" || failure.kind === "rate_limited";
}

/** Thrown by the sync for failures that retrying cannot fix. The job is not retried. */
export class PermanentSyncError extends ClassifiedError {
  constructor(message: string, readonly failure?: HubSpotFailure) {
    super(message, "permanent");
    this.name = "PermanentSyncError";
  }
}

/** Thrown when the portal must be re-authorised: the call waits, it is neither retried nor dropped. */
export class PortalNeedsReauthError extends ClassifiedError {
  constructor(readonly portalId: string, reason: string) {
    super(`portal ${portalId} needs re-authorisation: ${reason}`, "wait_for_auth");
    this.name = "PortalNeedsReauthError";
  }
}

/** A transient HubSpot failure, carrying how long to wait (429 policies) for the backoff strategy. */
export class TransientSyncError extends ClassifiedError {
  constructor(message: string, readonly minDelayMs = 0) {
    super(message, "retry", minDelayMs);
    this.name = "TransientSyncError";
  }
}
