import { ClassifiedError } from "../queue/failures.js";
import { classifyHubSpotError, PermanentSyncError, TransientSyncError, type HubSpotFailure } from "./errors.js";

/**
 * A HubSpot failure the calling code may handle (404, 409, 401) before it becomes a sync outcome.
 * Unhandled, a 401 is retried (the next attempt may hold a refreshed token); a 404 or 409 is permanent.
 */
export class HubSpotRequestError extends ClassifiedError {
  constructor(readonly failure: HubSpotFailure) {
    super(`HubSpot ${failure.status ?? "network"}: ${failure.message}`, failure.kind === "unauthorized" ? "retry" : "permanent");
    this.name = "HubSpotRequestError";
  }
}

/**
 * Runs one HubSpot request and turns its failure into what the sync should do:
 * transient (5xx, 429, network) -> TransientSyncError, which the queue retries with backoff;
 * 400 on our payload or 403 missing scope -> PermanentSyncError;
 * 401, 404, 409 -> HubSpotRequestError for the caller to handle (refresh, re-resolve, use existing id).
 */
export async function hubspotCall<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (error instanceof TransientSyncError || error instanceof PermanentSyncError) throw error;
    throw syncErrorOf(classifyHubSpotError(error));
  }
}

/** What a HubSpot failure becomes for the sync (also for one item of a 207 batch answer). */
export function syncErrorOf(failure: HubSpotFailure): Error {
  switch (failure.kind) {
    case "transient":
      return new TransientSyncError(`HubSpot ${failure.status ?? "network"}: ${failure.message}`);
    case "rate_limited":
      return new TransientSyncError(`HubSpot 429 ${failure.policy}: ${failure.message}`, failure.retryAfterMs);
    case "missing_scope":
      return new PermanentSyncError(`HubSpot refused a scope (reconnect the app to grant it): ${failure.message}`, failure);
    case "invalid":
      return new PermanentSyncError(`HubSpot rejected the request (${failure.status}): ${failure.message}`, failure);
    case "unauthorized":
    case "not_found":
    case "conflict":
      return new HubSpotRequestError(failure);
    default: {
      const unreachable: never = failure;
      return new Error(`unhandled HubSpot failure ${JSON.stringify(unreachable)}`);
    }
  }
}
