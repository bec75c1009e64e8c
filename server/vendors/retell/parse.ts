import { z } from "zod";
import type { CallRecordInput } from "../../calls/record.js";
import type { ParseResult } from "../types.js";
import { clean, isoTime, normaliseLanguage, normaliseSentiment, splitExtraction, url, outcomeOf } from "../normalise.js";
import { describeIssues } from "../../validation/issues.js";
import { localeOf } from "../../calls/transcript.js";
import { parseRetellInbound } from "./inbound.js";

// Retell post-call webhooks: {event | event_type, call}. `call_ended` has everything but the analysis,
// `call_analyzed` adds `call_analysis`; they can arrive in either order and are merged into one call.
const retellCallSchema = z.looseObject({
  call_id: z.string().min(1),
  direction: z.enum(["inbound", "outbound"]).optional(),
  from_number: z.string().nullish(),
  to_number: z.string().nullish(),
  start_timestamp: z.number().nullish(),
  end_timestamp: z.number().nullish(),
  duration_ms: z.number().nullish(),
  transcript: z.string().nullish(),
  /** The transcript as turns: role agent | user (| transfer_target), words timed in seconds from the start. */
  transcript_object: z.array(z.looseObject({ role: z.string(), content: z.string().nullish(), words: z.array(z.looseObject({ start: z.number().nullish(), end: z.number().nullish() })).nullish() })).nullish(),
  recording_url: z.string().nullish(),
  disconnection_reason: z.string().nullish(),
  transfer_destination: z.string().nullish(),
  retell_llm_dynamic_variables: z.record(z.string(), z.unknown()).nullish(),
  collected_dynamic_variables: z.record(z.string(), z.unknown()).nullish(),
  call_analysis: z
    .looseObject({
      call_summary: z.string().nullish(),
      user_sentiment: z.string().nullish(),
      in_voicemail: z.boolean().nullish(),
      call_successful: z.boolean().nullish(),
      custom_analysis_data: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
});

const bodySchema = z.looseObject({ event: z.string().optional(), event_type: z.string().optional(), call: z.unknown().optional() });

const STATUS_BY_REASON: Record<string, CallRecordInput["status"]> = {
  voicemail_reached: "voicemail",
  dial_no_answer: "no_answer",
  dial_busy: "busy",
  dial_failed: "failed",
  error_inbound_webhook: "failed",
};

type RetellTurns = z.infer<typeof retellCallSchema>["transcript_object"];

/** Retell's transcript_object as turns; a transferred-to person speaks for the business. */
function retellUtterances(turns: RetellTurns): CallRecordInput["utterances"] {
  const seconds = (s: number | null | undefined) => (typeof s === "number" && s >= 0 ? Math.round(s * 1000) : undefined);
  const utterances = (turns ?? [])
    .map((turn) => ({ speaker: turn.role === "user" ? ("caller" as const) : ("agent" as const), text: clean(turn.content) ?? "", startMs: seconds(turn.words?.[0]?.start), endMs: seconds(turn.words?.at(-1)?.end) }))
    .filter((turn) => turn.text !== "");
  return utterances.length ? utterances : undefined;
}

export function parseRetell(body: unknown): ParseResult {
  const envelope = bodySchema.safeParse(body);
  if (!envelope.success) return { kind: "invalid", reason: describeIssues(envelope.error.issues) };
  const event = envelope.data.event ?? envelope.data.event_type;
  if (!event) return { kind: "invalid", reason: "event: missing (expected call_ended or call_analyzed)" };
  if (event === "call_inbound") {
    const request = parseRetellInbound(envelope.data as { call_inbound?: unknown });
    return typeof request === "string" ? { kind: "invalid", reason: request } : { kind: "inbound", request };
  }
  if (event !== "call_ended" && event !== "call_analyzed") return { kind: "ignored", reason: `event ${event} carries nothing to sync` };
  const parsed = retellCallSchema.safeParse(envelope.data.call);
  if (!parsed.success) return { kind: "invalid", reason: describeIssues(parsed.error.issues.map((i) => ({ ...i, path: ["call", ...i.path] }))) };
  const call = parsed.data;
  const analysis = call.call_analysis;
  const extraction = splitExtraction({ ...(call.collected_dynamic_variables ?? {}), ...(analysis?.custom_analysis_data ?? {}) });
  const reason = call.disconnection_reason ?? "";
  const transferred = reason === "call_transfer" || !!clean(call.transfer_destination);
  const status = analysis?.in_voicemail ? "voicemail" : (STATUS_BY_REASON[reason] ?? "completed");
  const record: CallRecordInput = {
    vendor: "retell",
    vendorCallId: call.call_id,
    eventType: event,
    stage: event === "call_analyzed" ? "analyzed" : "ended",
    direction: call.direction ?? "inbound",
    fromNumber: clean(call.from_number),
    toNumber: clean(call.to_number),
    startedAt: isoTime(call.start_timestamp),
    endedAt: isoTime(call.end_timestamp),
    durationMs: call.duration_ms ?? (call.start_timestamp && call.end_timestamp ? call.end_timestamp - call.start_timestamp : undefined),
    status,
    caller: extraction.caller,
    summary: clean(analysis?.call_summary) ?? extraction.summary,
    transcript: clean(call.transcript),
    utterances: retellUtterances(call.transcript_object),
    recordingUrl: url(call.recording_url),
    language: extraction.language ?? normaliseLanguage(call.retell_llm_dynamic_variables?.language),
    locale: localeOf(call.retell_llm_dynamic_variables?.language),
    sentiment: normaliseSentiment(analysis?.user_sentiment) ?? extraction.sentiment,
    ...outcomeOf(extraction, status, { transferred, analyzed: !!analysis, transferredTo: clean(call.transfer_destination) }),
  };
  return { kind: "call", record };
}
