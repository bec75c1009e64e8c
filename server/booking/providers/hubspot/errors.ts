import { CalendarError, kindOfStatus, type CalendarErrorKind } from "../errors.js";

// Every failed scheduler request becomes a MeetingLinkError with HubSpot's status, category and
// subCategory kept. HubSpot answers `{ status, message, correlationId, category, subCategory? }`. A
// 400 whose subCategory is MeetingsBookingSchedulingError.MEETING_START_TIME_NOT_VALID is the time no
// longer being open (someone booked it, or the organizer's calendar filled it): taken. A 403
// MISSING_SCOPES is the portal not having granted the scheduler scope: the app must be re-authorised.
// Messages carry HubSpot's status, category and message only: never tokens or caller details.

export interface MeetingLinkFailure {
  status: number | null;
  category: string | null;
  subCategory: string | null;
  message: string;
  retryAfterMs: number | null;
}

export function meetingLinkKind(failure: Pick<MeetingLinkFailure, "status" | "subCategory">): CalendarErrorKind {
  if (failure.status === 400 && failure.subCategory?.endsWith(".MEETING_START_TIME_NOT_VALID")) return "taken";
  return kindOfStatus(failure.status);
}

export class MeetingLinkError extends CalendarError {
  override readonly name = "MeetingLinkError";
  readonly status: number | null;
  readonly category: string | null;
  readonly subCategory: string | null;

  constructor(operation: string, failure: MeetingLinkFailure) {
    super(`HubSpot meeting link ${operation}: ${failure.status ?? "no answer"}${failure.category ? ` ${failure.category}` : ""}${failure.subCategory ? ` (${failure.subCategory})` : ""}: ${failure.message}`, meetingLinkKind(failure), failure.retryAfterMs);
    this.status = failure.status;
    this.category = failure.category;
    this.subCategory = failure.subCategory;
  }
}

/** The failure thrown by HubSpotClientFactory.requestJson (`code`, `body`, `headers`), read into HubSpot's fields. */
export function readFailure(error: unknown): MeetingLinkFailure {
  const e = (error ?? {}) as { code?: unknown; body?: unknown; headers?: unknown; message?: unknown };
  const status = typeof e.code === "number" && e.code > 0 ? e.code : null;
  let body: { message?: unknown; category?: unknown; subCategory?: unknown } = {};
  try {
    body = typeof e.body === "string" && e.body ? (JSON.parse(e.body) as typeof body) : {};
  } catch {
    body = {};
  }
  const headers = (e.headers ?? {}) as Record<string, string | undefined>;
  const retryAfter = Number(headers["retry-after"] ?? "");
  return {
    status,
    category: typeof body.category === "string" ? body.category : null,
    subCategory: typeof body.subCategory === "string" ? body.subCategory : null,
    message: typeof body.message === "string" ? body.message : status === null ? String(e.message ?? "no answer") : "no error body",
    retryAfterMs: headers["retry-after"] && Number.isFinite(retryAfter) ? retryAfter * 1000 : null,
  };
}
