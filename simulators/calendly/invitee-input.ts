import type { ErrorDetail } from "./errors.js";
import { isTimeZone } from "./time.js";

// The parts of a POST /invitees body, read the way Calendly reads them: every problem is collected
// and answered at once as a 400 naming each parameter, rather than one per round trip.

export interface InviteeInput {
  email: string;
  name?: string;
  first_name?: string;
  last_name?: string;
  timezone?: string;
  text_reminder_number?: string;
}

export interface QuestionAnswer {
  question: string;
  answer: string;
  position: number;
}

/** A scheduled event's `location`: `{ type, location? }`, from the booking's `{ kind, location? }`. */
export type EventLocation = { type: string; location?: string } | null;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function readInvitee(value: unknown, problems: ErrorDetail[]) {
  const v = value as Partial<Record<keyof InviteeInput, unknown>> | null | undefined;
  if (!v || typeof v !== "object" || Array.isArray(v)) {
    problems.push({ parameter: "invitee", message: "is required" });
    return { email: "", name: "", firstName: null, lastName: null, timezone: "UTC", textReminderNumber: null };
  }
  const str = (x: unknown) => (typeof x === "string" && x.trim() ? x.trim() : null);
  const email = str(v.email);
  if (!email) problems.push({ parameter: "invitee.email", message: "is required" });
  else if (!EMAIL.test(email)) problems.push({ parameter: "invitee.email", message: "is invalid" });
  const firstName = str(v.first_name);
  const lastName = str(v.last_name);
  const name = str(v.name) ?? (firstName && lastName ? `${firstName} ${lastName}` : null);
  if (!name) problems.push({ parameter: "invitee.name", message: "is required (or invitee.first_name and invitee.last_name)" });
  const timezone = str(v.timezone);
  if (!timezone) problems.push({ parameter: "invitee.timezone", message: "is required" });
  else if (!isTimeZone(timezone)) problems.push({ parameter: "invitee.timezone", message: "is not a valid IANA time zone" });
  const reminder = v.text_reminder_number === undefined || v.text_reminder_number === null ? null : str(v.text_reminder_number);
  if (v.text_reminder_number !== undefined && v.text_reminder_number !== null && (!reminder || !/^\+?[\d\s().-]{7,20}$/.test(reminder))) {
    problems.push({ parameter: "invitee.text_reminder_number", message: "is invalid" });
  }
  return { email: (email ?? "").toLowerCase(), name: name ?? "", firstName, lastName, timezone: timezone ?? "UTC", textReminderNumber: reminder };
}

export function readLocation(value: unknown, problems: ErrorDetail[]): EventLocation {
  if (value === undefined || value === null) return null;
  const v = value as { kind?: unknown; location?: unknown };
  if (typeof v !== "object" || typeof v.kind !== "string" || !v.kind) {
    problems.push({ parameter: "location.kind", message: "is required" });
    return null;
  }
  if (v.location !== undefined && typeof v.location !== "string") problems.push({ parameter: "location.location", message: "must be a string" });
  return { type: v.kind, ...(typeof v.location === "string" ? { location: v.location } : {}) };
}

export function readAnswers(value: unknown, problems: ErrorDetail[]): QuestionAnswer[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? (value as { question?: unknown; answer?: unknown; position?: unknown }[]) : null;
  if (!list || list.some((a) => !a || typeof a.question !== "string" || typeof a.answer !== "string")) {
    problems.push({ parameter: "questions_and_answers", message: "must be a list of { question, answer, position }" });
    return [];
  }
  return list.map((a, i) => ({ question: a.question as string, answer: a.answer as string, position: typeof a.position === "number" ? a.position : i }));
}
