import type { CallRecord } from "../calls/record.js";
import { escapeHtml } from "../text/html.js";
import { taskDueAt } from "./task-due.js";

// How a canonical call becomes a HubSpot Call engagement (hubspot.md: calls, association type 194).

export const CALL_TO_CONTACT = 194;
export const TASK_TO_CONTACT = 204;

/** HubSpot's default outcome labels; the GUIDs are read from the portal (it may have its own). */
export function outcomeLabel(record: CallRecord): string | null {
  if (record.status === "busy") return "Busy";
  if (record.status === "no_answer" || record.disposition === "no_answer") return "No answer";
  if (record.status === "voicemail" || record.disposition === "voicemail") return "Left voicemail";
  if (record.status === "failed") return null;
  return "Connected";
}

const STATUS: Record<NonNullable<CallRecord["status"]>, string> = {
  completed: "COMPLETED",
  voicemail: "COMPLETED",
  no_answer: "NO_ANSWER",
  busy: "BUSY",
  failed: "FAILED",
  canceled: "CANCELED",
  in_progress: "IN_PROGRESS",
};

const paragraphs = (text: string) => escapeHtml(text).split(/\r?\n/).join("<br>");

export function callTitle(record: CallRecord): string {
  const what = record.escalation ? "escalated" : record.disposition === "booked" ? "booked" : record.intent;
  return what ? `AI receptionist call: ${what}`.slice(0, 250) : "AI receptionist call";
}

/** The body a rep reads on the timeline: summary first, then escalation, outcome details, transcript. */
export function callBody(record: CallRecord): string {
  const parts: string[] = [];
  if (record.summary) parts.push(`<p><strong>Summary</strong><br>${paragraphs(record.summary)}</p>`);
  if (record.escalation) {
    const to = record.escalation.transferredTo ? ` (transferred to ${escapeHtml(record.escalation.transferredTo)})` : "";
    parts.push(`<p><strong>Escalated</strong>: ${paragraphs(record.escalation.reason)}${to}</p>`);
  }
  const facts = [
    record.intent && `Intent: ${record.intent}`,
    record.disposition && `Disposition: ${record.disposition.replaceAll("_", " ")}`,
    record.urgency && `Urgency: ${record.urgency}`,
    record.sentiment && `Sentiment: ${record.sentiment.label}`,
    record.language && `Language: ${record.language}`,
  ].filter(Boolean) as string[];
  if (facts.length) parts.push(`<p>${facts.map(escapeHtml).join("<br>")}</p>`);
  const answers = Object.entries(record.qualification);
  if (answers.length) parts.push(`<p><strong>Answers</strong><br>${answers.map(([k, v]) => escapeHtml(`${k.replaceAll("_", " ")}: ${v}`)).join("<br>")}</p>`);
  if (record.transcript) parts.push(`<p><strong>Transcript</strong><br>${paragraphs(record.transcript)}</p>`);
  return parts.join("\n") || "<p>AI receptionist call</p>";
}

/**
 * The Call's properties. The four calling-extension properties let HubSpot's own player fetch the
 * recording through our registered URL (hs_call_external_id is our call id, the account is the
 * portal). No recording URL is written: a URL on the Call is a bearer link any forwarded e-mail leaks,
 * and a link written by an earlier version is cleared on the next update.
 */
export function callProperties(record: CallRecord, options: { dispositionId: string | null; externalId: string; portalId: string; appId: string }): Record<string, string> {
  const properties: Record<string, string> = {
    hs_timestamp: new Date(record.startedAt ?? record.endedAt ?? Date.now()).toISOString(),
    hs_call_title: callTitle(record),
    hs_call_body: callBody(record),
    hs_call_direction: record.direction === "outbound" ? "OUTBOUND" : "INBOUND",
    hs_call_status: STATUS[record.status ?? "completed"],
    hs_call_external_id: options.externalId,
    hs_call_external_account_id: options.portalId,
    hs_call_app_id: options.appId,
    hs_call_source: "INTEGRATIONS_PLATFORM",
    hs_call_recording_url: "",
  };
  if (record.durationMs !== null && record.durationMs !== undefined) properties.hs_call_duration = String(record.durationMs);
  // The record's numbers are the line's, as the vendor reports them: an outbound call is from the
  // business's number to the contact's, as HubSpot's from/to mean.
  if (record.fromNumber) properties.hs_call_from_number = record.fromNumber;
  if (record.toNumber) properties.hs_call_to_number = record.toNumber;
  if (options.dispositionId) properties.hs_call_disposition = options.dispositionId;
  return properties;
}

/** The follow-up task of an escalated call, for the contact's owner, due by the call's urgency (task-due.ts). */
export function escalationTask(record: CallRecord, contactName: string | null, ownerId: string | null, when: { now: Date; timeZone: string | null }): Record<string, string> {
  const reason = record.escalation!.reason;
  const properties: Record<string, string> = {
    hs_timestamp: taskDueAt(record.urgency, when.now, when.timeZone).toISOString(),
    hs_task_subject: `Follow up: AI receptionist escalated ${contactName ?? "a caller"}`.slice(0, 250),
    hs_task_body: `<p><strong>Escalation reason</strong>: ${paragraphs(reason)}</p>${record.summary ? `<p>${paragraphs(record.summary)}</p>` : ""}`,
    hs_task_status: "NOT_STARTED",
    hs_task_priority: record.urgency === "high" || record.urgency === "emergency" ? "HIGH" : "MEDIUM",
    hs_task_type: "CALL",
  };
  if (ownerId) properties.hubspot_owner_id = ownerId;
  return properties;
}
