import { z } from "zod";
import type { CallRecordInput } from "../../calls/record.js";
import type { ParseResult, SignedRequest, VendorAdapter, VerifyResult } from "../types.js";
import { clean, isoTime, splitExtraction, url, outcomeOf } from "../normalise.js";
import { describeIssues } from "../../validation/issues.js";
import { digestMatches, hmacSha256 } from "../hmac.js";
import { genericTools } from "../generic/tools.js";

// Bland's post-call webhook is the call object, signed `X-Webhook-Signature: hex HMAC-SHA256(secret,
// raw body)`. There is no timestamp, so no replay window: the unique (connection, call_id) row and the
// per-event body hash are what make a replayed delivery harmless.
export async function verifyBland(request: SignedRequest, secret: string): Promise<VerifyResult> {
  const signature = request.headers["x-webhook-signature"];
  if (!signature) return { ok: false, reason: "missing x-webhook-signature header" };
  return digestMatches(hmacSha256(secret, request.rawBody), signature, "hex") ? { ok: true } : { ok: false, reason: "signature mismatch" };
}

export async function signBland(rawBody: Buffer, secret: string): Promise<Record<string, string>> {
  return { "x-webhook-signature": hmacSha256(secret, rawBody).toString("hex") };
}

const blandSchema = z.looseObject({
  call_id: z.string().min(1),
  to: z.string().nullish(),
  from: z.string().nullish(),
  inbound: z.boolean().nullish(),
  completed: z.boolean().nullish(),
  status: z.string().nullish(),
  call_length: z.number().nullish(),
  answered_by: z.string().nullish(),
  recording_url: z.string().nullish(),
  concatenated_transcript: z.string().nullish(),
  /** The conversation: user | assistant (| robot, agent-action), each with its created_at time. */
  transcripts: z.array(z.looseObject({ text: z.string().nullish(), user: z.string().nullish(), created_at: z.string().nullish() })).nullish(),
  summary: z.string().nullish(),
  variables: z.record(z.string(), z.unknown()).nullish(),
  analysis: z.record(z.string(), z.unknown()).nullish(),
  started_at: z.string().nullish(),
  end_at: z.string().nullish(),
  transferred_to: z.string().nullish(),
  error_message: z.string().nullish(),
});

// Bland's `variables` also hold its own call metadata; they are not answers the AI collected.
const BLAND_SYSTEM_VARIABLES = new Set(["now", "now_utc", "from", "to", "short_from", "short_to", "call_id", "phone_number", "country", "state", "city", "zip", "timestamp", "timezone", "language", "inbound"]);

type BlandTurns = z.infer<typeof blandSchema>["transcripts"];

/** Bland's transcripts as turns, timed from the call's start; a turn ends when the next begins. */
function blandUtterances(turns: BlandTurns, startedAt: string | undefined, endedAt: string | undefined): CallRecordInput["utterances"] {
  const start = startedAt ? Date.parse(startedAt) : NaN;
  const offset = (at: string | null | undefined) => {
    const ms = at ? Date.parse(at) - start : NaN;
    return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
  };
  const spoken = (turns ?? []).filter((t) => (t.user === "user" || t.user === "assistant" || t.user === "robot") && clean(t.text));
  const utterances = spoken.map((t, i) => ({ speaker: t.user === "user" ? ("caller" as const) : ("agent" as const), text: clean(t.text)!, startMs: offset(t.created_at), endMs: offset(spoken[i + 1]?.created_at ?? endedAt) }));
  return utterances.length ? utterances : undefined;
}

export function parseBland(body: unknown): ParseResult {
  const parsed = blandSchema.safeParse(body);
  if (!parsed.success) return { kind: "invalid", reason: describeIssues(parsed.error.issues) };
  const c = parsed.data;
  const answers = Object.fromEntries(Object.entries(c.variables ?? {}).filter(([k]) => !BLAND_SYSTEM_VARIABLES.has(k)));
  const extraction = splitExtraction({ ...answers, ...(c.analysis ?? {}) });
  const inbound = c.inbound ?? true;
  const voicemail = c.answered_by === "voicemail";
  const status: CallRecordInput["status"] = voicemail ? "voicemail" : c.status === "no-answer" ? "no_answer" : c.status === "busy" ? "busy" : c.error_message && !c.completed ? "failed" : "completed";
  const transferred = !!clean(c.transferred_to);
  const record: CallRecordInput = {
    vendor: "bland",
    vendorCallId: c.call_id,
    eventType: "call.completed",
    stage: "analyzed",
    direction: inbound ? "inbound" : "outbound",
    fromNumber: clean(c.from),
    toNumber: clean(c.to),
    startedAt: isoTime(c.started_at),
    endedAt: isoTime(c.end_at),
    durationMs: c.call_length != null ? Math.round(c.call_length * 60_000) : undefined,
    status,
    caller: extraction.caller,
    summary: clean(c.summary) ?? extraction.summary,
    transcript: clean(c.concatenated_transcript),
    utterances: blandUtterances(c.transcripts, isoTime(c.started_at), isoTime(c.end_at)),
    recordingUrl: url(c.recording_url),
    language: extraction.language,
    sentiment: extraction.sentiment,
    ...outcomeOf(extraction, status, { transferred, transferredTo: clean(c.transferred_to) }),
  };
  return { kind: "call", record };
}

export const bland = {
  id: "bland",
  label: "Bland AI",
  secretHelp: "The webhook signing secret from Bland's dashboard.",
  signatureCovers: "body",
  tools: genericTools,
  inbound: null, // Bland sends no inbound-call request here: the lookup_caller tool gives the context
  verify: verifyBland,
  parse: parseBland,
  sign: signBland,
} satisfies VendorAdapter;
