import type { ActionErrorCode } from "./definition.js";

// What one execution of the action came to, and how HubSpot is told: one union, one switch.

export type ActionOutcome =
  | { kind: "started"; vendor: string; vendorCallId: string }
  | { kind: "failed"; code: ActionErrorCode; message: string }
  /** Not now: our concurrency cap, the vendor's 429/5xx, HubSpot slow. HubSpot retries on a 429. */
  | { kind: "retry_later"; retryAfterSeconds: number; reason: string };

export interface ActionResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export function actionResponse(outcome: ActionOutcome): ActionResponse {
  switch (outcome.kind) {
    case "started":
      return { status: 200, headers: {}, body: { outputFields: { hs_execution_state: "SUCCESS", vendor_call_id: outcome.vendorCallId, message: `Call started through ${outcome.vendor}` } } };
    case "failed":
      return { status: 200, headers: {}, body: { outputFields: { hs_execution_state: "FAIL_CONTINUE", errorCode: outcome.code, message: outcome.message.slice(0, 500) } } };
    case "retry_later":
      return { status: 429, headers: { "retry-after": String(outcome.retryAfterSeconds) }, body: { status: "error", message: outcome.reason } };
    default: {
      const unreachable: never = outcome;
      throw new Error(`unhandled action outcome ${JSON.stringify(unreachable)}`);
    }
  }
}
