import { z } from "zod";
import type { CallRecordInput } from "../../calls/record.js";
import type { ParseResult, SignedRequest, VendorAdapter, VerifyResult } from "../types.js";
import { clean, isoTime, normaliseLanguage, splitExtraction, url, outcomeOf } from "../normalise.js";
import { describeIssues } from "../../validation/issues.js";
import { digestMatches, hmacSha256 } from "../hmac.js";
import { safeEqual } from "../../config/crypto.js";
import { vapiTools } from "./tools.js";
import { localeOf } from "../../calls/transcript.js";
import { parseVapiInbound, vapiInbound } from "./inbound.js";

// Vapi server messages {message: {type, ...}}; only the end-of-call-report is a call to sync. Vapi's
// server SDK has no verify helper and its authentication is configurable, so the connection secret is
// accepted in each of Vapi's three schemes, every comparison constant-time:
//   Authorization: Bearer <secret> | X-Vapi-Secret: <secret> (legacy) |
//   HMAC credential: x-signature = hex HMAC-SHA256(secret, "{x-timestamp}.{body}"), 5-minute window.
export async function verifyVapi(request: SignedRequest, secret: string): Promise<VerifyResult> {
  const { headers } = request;
  const bearer = headers.authorization?.replace(/^Bearer\s+/i, "");
  if (headers.authorization && bearer && safeEqual(bearer, secret)) return { ok: true };
  if (headers["x-vapi-secret"] && safeEqual(headers["x-vapi-secret"], secret)) return { ok: true };
  const signature = headers["x-signature"];
  const timestamp = headers["x-timestamp"];
  if (signature && timestamp) {
    const ms = Number(timestamp) < 1e12 ? Number(timestamp) * 1000 : Number(timestamp);
    if (!Number.isFinite(ms) || Math.abs(request.now - ms) > 5 * 60_000) return { ok: false, reason: "timestamp outside the 5-minute window" };
    const expected = hmacSha256(secret, Buffer.concat([Buffer.from(`${timestamp}.`), request.rawBody]));
    return digestMatches(expected, signature.replace(/^sha256=/, ""), "hex") ? { ok: true } : { ok: false, reason: "signature mismatch" };
  }
  if (!headers.authorization && !headers["x-vapi-secret"]) return { ok: false, reason: "missing Authorization, X-Vapi-Secret or x-signature header" };
  return { ok: false, reason: "secret mismatch" };
}

export async function signVapi(rawBody: Buffer, secret: string, now: number): Promise<Record<string, string>> {
  const timestamp = String(now);
  return { "x-timestamp": timestamp, "x-signature": hmacSha256(secret, Buffer.concat([Buffer.from(`${timestamp}.`), rawBody])).toString("hex") };
}

const reportSchema = z.looseObject({
  type: z.string(),
  endedReason: z.string().nullish(),
  call: z.looseObject({ id: z.string().min(1), type: z.string().nullish(), customer: z.looseObject({ number: z.string().nullish(), name: z.string().nullish() }).nullish() }),
  customer: z.looseObject({ number: z.string().nullish(), name: z.string().nullish() }).nullish(),
  phoneNumber: z.looseObject({ number: z.string().nullish() }).nullish(),
  artifact: z
    .looseObject({
      transcript: z.string().nullish(),
      /** The conversation: role bot | assistant | user | system | tool_calls ..., secondsFromStart, time/endTime in epoch ms. */
      messages: z.array(z.looseObject({ role: z.string(), message: z.string().nullish(), time: z.number().nullish(), endTime: z.number().nullish(), secondsFromStart: z.number().nullish(), duration: z.number().nullish() })).nullish(),
      recordingUrl: z.string().nullish(),
      recording: z.looseObject({ mono: z.looseObject({ combinedUrl: z.string().nullish() }).nullish(), stereoUrl: z.string().nullish() }).nullish(),
      stereoRecordingUrl: z.string().nullish(),
      variableValues: z.record(z.string(), z.unknown()).nullish(),
    })
    .nullish(),
  analysis: z.looseObject({ summary: z.string().nullish(), structuredData: z.record(z.string(), z.unknown()).nullish(), successEvaluation: z.unknown().optional() }).nullish(),
  startedAt: z.string().nullish(),
  endedAt: z.string().nullish(),
  durationSeconds: z.number().nullish(),
  durationMs: z.number().nullish(),
  recordingUrl: z.string().nullish(),
  summary: z.string().nullish(),
  transcript: z.string().nullish(),
});

const STATUS_BY_REASON: Record<string, CallRecordInput["status"]> = {
  voicemail: "voicemail",
  "customer-did-not-answer": "no_answer",
  "customer-busy": "busy",
  "twilio-failed-to-connect-call": "failed",
};

type VapiMessages = NonNullable<z.infer<typeof reportSchema>["artifact"]>["messages"];

/** Vapi's artifact.messages as turns: the bot's and the user's, not system prompts or tool calls. */
function vapiUtterances(messages: VapiMessages): CallRecordInput["utterances"] {
  const utterances = (messages ?? [])
    .filter((m) => m.role === "bot" || m.role === "assistant" || m.role === "user")
    .map((m) => {
      const startMs = typeof m.secondsFromStart === "number" && m.secondsFromStart >= 0 ? Math.round(m.secondsFromStart * 1000) : undefined;
      const length = m.time != null && m.endTime != null && m.endTime > m.time ? m.endTime - m.time : (m.duration ?? undefined);
      return { speaker: m.role === "user" ? ("caller" as const) : ("agent" as const), text: clean(m.message) ?? "", startMs, endMs: startMs !== undefined && length ? startMs + Math.round(length) : undefined };
    })
    .filter((turn) => turn.text !== "");
  return utterances.length ? utterances : undefined;
}

export function parseVapi(body: unknown): ParseResult {
  const type = (body as { message?: { type?: unknown } })?.message?.type;
  if (typeof type !== "string") return { kind: "invalid", reason: "message.type: missing (expected a Vapi server message)" };
  if (type === "assistant-request") return { kind: "inbound", request: parseVapiInbound((body as { message: never }).message) };
  if (type !== "end-of-call-report") return { kind: "ignored", reason: `message type ${type} carries nothing to sync` };
  const parsed = reportSchema.safeParse((body as { message: unknown }).message);
  if (!parsed.success) return { kind: "invalid", reason: describeIssues(parsed.error.issues.map((i) => ({ ...i, path: ["message", ...i.path] }))) };
  const m = parsed.data;
  const extraction = splitExtraction(m.analysis?.structuredData);
  const reason = m.endedReason ?? "";
  const transferred = reason.includes("forwarded") || reason.includes("transfer");
  const status = STATUS_BY_REASON[reason] ?? "completed";
  const outbound = m.call.type === "outboundPhoneCall";
  const customerNumber = clean(m.customer?.number) ?? clean(m.call.customer?.number);
  const businessNumber = clean(m.phoneNumber?.number);
  const startedAt = isoTime(m.startedAt);
  const endedAt = isoTime(m.endedAt);
  const durationMs = m.durationMs ?? (m.durationSeconds != null ? Math.round(m.durationSeconds * 1000) : startedAt && endedAt ? Date.parse(endedAt) - Date.parse(startedAt) : undefined);
  const record: CallRecordInput = {
    vendor: "vapi",
    vendorCallId: m.call.id,
    eventType: type,
    stage: "analyzed",
    direction: outbound ? "outbound" : "inbound",
    fromNumber: outbound ? businessNumber : customerNumber,
    toNumber: outbound ? customerNumber : businessNumber,
    startedAt,
    endedAt,
    durationMs,
    status,
    caller: { fullName: clean(m.customer?.name) ?? clean(m.call.customer?.name), ...extraction.caller },
    summary: clean(m.analysis?.summary) ?? clean(m.summary) ?? extraction.summary,
    transcript: clean(m.artifact?.transcript) ?? clean(m.transcript),
    utterances: vapiUtterances(m.artifact?.messages),
    recordingUrl: url(m.artifact?.recording?.mono?.combinedUrl) ?? url(m.artifact?.recordingUrl) ?? url(m.recordingUrl),
    language: extraction.language ?? normaliseLanguage(m.artifact?.variableValues?.language),
    locale: localeOf(m.artifact?.variableValues?.language),
    sentiment: extraction.sentiment,
    ...outcomeOf(extraction, status, { transferred }),
  };
  return { kind: "call", record };
}

export const vapi = {
  id: "vapi",
  label: "Vapi",
  secretHelp: "The secret of your Vapi Server URL credential: a bearer token, the legacy X-Vapi-Secret, or an HMAC secret.",
  signatureCovers: "body",
  tools: vapiTools,
  inbound: vapiInbound,
  verify: verifyVapi,
  parse: parseVapi,
  sign: signVapi,
} satisfies VendorAdapter;
