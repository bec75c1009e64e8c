import { z } from "zod";
import type { CallRecordInput } from "../../calls/record.js";
import type { ParseResult, SignedRequest, VendorAdapter, VerifyResult } from "../types.js";
import { clean, isoTime, normaliseSentiment, splitExtraction, url, outcomeOf } from "../normalise.js";
import { describeIssues } from "../../validation/issues.js";
import { digestMatches, hmacSha256 } from "../hmac.js";
import { parseSynthflowInbound, synthflowInbound, synthflowInboundCallId } from "./inbound.js";

// Synthflow signs only the call id: base64 HMAC-SHA256(secret, call_id), on the post-call and the
// inbound webhook alike (docs.synthflow.ai/webhooks-security). The body itself is not protected, so
// anyone who saw one signed delivery could alter its fields (signatureCovers: "call_id"): the first
// accepted body of a call stands, live tools are off, and the settings page says so. Its docs name the
// header HTTP_SYNTHFLOW_SIGNATURE (which may be the CGI spelling of Synthflow-Signature): both arrive
// here lower-cased, as do the x- names seen before.
const SIGNATURE_HEADERS = ["http_synthflow_signature", "synthflow-signature", "x-synthflow-signature", "x-signature"];

export async function verifySynthflow(request: SignedRequest, secret: string): Promise<VerifyResult> {
  let body: unknown;
  try {
    body = JSON.parse(request.rawBody.toString("utf8"));
  } catch {
    return { ok: false, reason: "body is not JSON, so there is no call_id to check the signature against" };
  }
  const callId = synthflowInboundCallId((body ?? {}) as never);
  const signature = SIGNATURE_HEADERS.map((name) => request.headers[name]).find(Boolean);
  if (typeof callId !== "string" || !callId) {
    // The inbound-call webhook as Synthflow documents it names no call id: its signature cannot be
    // checked, and a 401 would cost the caller the call (ingestWebhook in server/ingest/ingest.ts
    // turns it into an unknown-caller answer).
    if ((body as { event?: unknown } | null)?.event === "call_inbound") return { ok: false, reason: "an inbound-call webhook without a call_id: nothing to check the signature against", unverifiable: true };
    return { ok: false, reason: "call.call_id missing: nothing to check the signature against" };
  }
  if (!signature) return { ok: false, reason: "missing HTTP_SYNTHFLOW_SIGNATURE header" };
  return digestMatches(hmacSha256(secret, callId), signature, "base64") ? { ok: true } : { ok: false, reason: "signature mismatch" };
}

export async function signSynthflow(rawBody: Buffer, secret: string): Promise<Record<string, string>> {
  const callId = String(synthflowInboundCallId(JSON.parse(rawBody.toString("utf8")) as never) ?? "");
  return { HTTP_SYNTHFLOW_SIGNATURE: hmacSha256(secret, callId).toString("base64") };
}

const synthflowSchema = z.looseObject({
  status: z.string().nullish(),
  lead: z.looseObject({ name: z.string().nullish(), phone_number: z.string().nullish(), prompt_variables: z.record(z.string(), z.unknown()).nullish() }).nullish(),
  call: z.looseObject({
    call_id: z.string().min(1),
    status: z.string().nullish(),
    end_call_reason: z.string().nullish(),
    duration: z.number().nullish(),
    start_time: z.union([z.string(), z.number()]).nullish(),
    transcript: z.string().nullish(),
    recording_url: z.string().nullish(),
    model_id: z.string().nullish(),
  }),
  analysis: z.looseObject({ user_sentiment: z.string().nullish(), call_summary: z.string().nullish(), appointment: z.unknown().optional() }).nullish(),
  collected_variables: z.record(z.string(), z.looseObject({ value: z.unknown().optional(), collected: z.boolean().nullish() })).nullish(),
  executed_actions: z.record(z.string(), z.unknown()).nullish(),
});

export function parseSynthflow(body: unknown): ParseResult {
  if ((body as { event?: unknown } | null)?.event === "call_inbound") {
    const request = parseSynthflowInbound(body as never);
    return typeof request === "string" ? { kind: "invalid", reason: request } : { kind: "inbound", request };
  }
  const parsed = synthflowSchema.safeParse(body);
  if (!parsed.success) return { kind: "invalid", reason: describeIssues(parsed.error.issues) };
  const s = parsed.data;
  const collected = Object.fromEntries(Object.entries(s.collected_variables ?? {}).filter(([, v]) => v.collected !== false).map(([k, v]) => [k, v.value]));
  const extraction = splitExtraction(collected);
  // call.status is what happened to the call (completed, no-answer, busy, failed, left_voicemail, ...);
  // end_call_reason how its conversation ended (voicemail, human_goodbye, ...), sent on nearly every call.
  const reason = `${s.call.status ?? ""} ${s.call.end_call_reason ?? ""}`.toLowerCase();
  const status: CallRecordInput["status"] = reason.includes("voicemail") ? "voicemail" : reason.includes("no_answer") || reason.includes("no-answer") ? "no_answer" : reason.includes("busy") ? "busy" : reason.includes("failed") ? "failed" : "completed";
  const transferred = reason.includes("transfer");
  const appointment = s.analysis?.appointment as unknown;
  const booked = appointment === true || (typeof appointment === "object" && appointment !== null && ((appointment as { booked?: unknown }).booked === true || (appointment as { status?: unknown }).status === "booked"));
  const started = isoTime(s.call.start_time);
  const record: CallRecordInput = {
    vendor: "synthflow",
    vendorCallId: s.call.call_id,
    eventType: s.status ?? "call_completed",
    stage: "analyzed",
    direction: "inbound",
    fromNumber: clean(s.lead?.phone_number),
    startedAt: started,
    durationMs: s.call.duration != null ? Math.round(s.call.duration * 1000) : undefined,
    status,
    caller: { fullName: clean(s.lead?.name), ...extraction.caller },
    summary: clean(s.analysis?.call_summary) ?? extraction.summary,
    transcript: clean(s.call.transcript),
    recordingUrl: url(s.call.recording_url),
    language: extraction.language,
    sentiment: normaliseSentiment(s.analysis?.user_sentiment) ?? extraction.sentiment,
    ...outcomeOf(extraction, status, { transferred, booked }),
  };
  return { kind: "call", record };
}

export const synthflow = {
  id: "synthflow",
  label: "Synthflow",
  secretHelp: "The webhook secret from Synthflow. Synthflow signs only the call id, not the body: treat its payloads as less protected.",
  signatureCovers: "call_id",
  tools: null, // its signature does not cover the body: see toolsDisabledReason
  inbound: synthflowInbound,
  verify: verifySynthflow,
  parse: parseSynthflow,
  sign: signSynthflow,
} satisfies VendorAdapter;
