import { z } from "zod";

// The canonical call record: what every vendor adapter produces and what the sync worker reads.
// Enumerations are language-neutral values (a Spanish call says "high", not "alta"); labels are shown by
// HubSpot from the property options. Absent data is `undefined` or `null`, never "", "unknown" or "N/A".

export const VENDOR_IDS = ["retell", "vapi", "bland", "synthflow", "generic"] as const;
export type VendorId = (typeof VENDOR_IDS)[number];

/** How complete an event is. Events of one call are merged; a richer stage wins over a poorer one. */
export const STAGES = ["started", "ended", "analyzed"] as const;
export const CALL_STATUSES = ["completed", "no_answer", "busy", "failed", "voicemail", "in_progress", "canceled"] as const;
export const DISPOSITIONS = [
  "booked",
  "rescheduled",
  "canceled_appointment",
  "escalated",
  "info_only",
  "callback_requested",
  "voicemail",
  "no_answer",
  "spam",
  "other",
] as const;
export const URGENCIES = ["low", "medium", "high", "emergency"] as const;
export const SENTIMENTS = ["positive", "neutral", "negative"] as const;

const nonEmpty = z.string().trim().min(1);
const optionalText = nonEmpty.nullish();

/**
 * One turn of the conversation, from the vendor's structured transcript: who spoke, what they said,
 * and when, in ms from the start of the call (absent when the vendor gives no timing).
 */
export const utteranceSchema = z.object({
  speaker: z.enum(["agent", "caller"]),
  text: nonEmpty.max(10_000),
  startMs: z.number().int().nonnegative().nullish(),
  endMs: z.number().int().nonnegative().nullish(),
});

export const qualificationValueSchema = z.union([z.string(), z.number(), z.boolean()]);

export const callRecordSchema = z.object({
  vendor: z.enum(VENDOR_IDS),
  vendorCallId: nonEmpty.max(200),
  /** The vendor's event name (call_ended, end-of-call-report, ...), for the event log. */
  eventType: nonEmpty,
  stage: z.enum(STAGES),
  direction: z.enum(["inbound", "outbound"]).default("inbound"),
  /** As the vendor sent them (usually E.164); the sync normalises. */
  fromNumber: optionalText,
  toNumber: optionalText,
  startedAt: z.iso.datetime({ offset: true }).nullish(),
  endedAt: z.iso.datetime({ offset: true }).nullish(),
  durationMs: z.number().int().nonnegative().nullish(),
  status: z.enum(CALL_STATUSES).nullish(),
  caller: z
    .object({
      firstName: optionalText,
      lastName: optionalText,
      /** Full name when the vendor did not split it. */
      fullName: optionalText,
      email: optionalText,
      /** A number the caller gave (may differ from the caller id in fromNumber). */
      phone: optionalText,
      zip: optionalText,
      company: optionalText,
    })
    .default({}),
  summary: optionalText,
  transcript: optionalText,
  /** The transcript as turns, when the vendor sent a structured one (or its text could be split). */
  utterances: z.array(utteranceSchema).max(5_000).nullish(),
  recordingUrl: z.url({ protocol: /^https?$/ }).nullish(),
  /** Lower-case ISO 639-1 code ("en", "es"). */
  language: z.string().regex(/^[a-z]{2}$/).nullish(),
  /** The vendor's BCP-47 tag for the call's language when it gave a region ("es-MX"). */
  locale: z.string().regex(/^[a-z]{2}-[A-Z]{2}$/).nullish(),
  intent: optionalText,
  urgency: z.enum(URGENCIES).nullish(),
  sentiment: z
    .object({ label: z.enum(SENTIMENTS), score: z.number().min(-1).max(1).nullish() })
    .nullish(),
  disposition: z.enum(DISPOSITIONS).nullish(),
  escalation: z.object({ reason: nonEmpty, transferredTo: optionalText }).nullish(),
  /** Every other answer the AI extracted, keyed by a snake_case question key. */
  qualification: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,60}$/), qualificationValueSchema).default({}),
});

export type CallRecord = z.infer<typeof callRecordSchema>;
export type CallRecordInput = z.input<typeof callRecordSchema>;
export type Disposition = (typeof DISPOSITIONS)[number];
export type CallStatus = (typeof CALL_STATUSES)[number];
export type Utterance = z.infer<typeof utteranceSchema>;

function isPresent(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "string") return value.trim() !== "";
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value as object).length > 0;
  return true;
}

/**
 * Merge a new event of a call into what is stored. A present value from an event of the same or a
 * richer stage replaces the stored one; a poorer stage (Retell's call_ended arriving after
 * call_analyzed) only fills gaps. An absent value never erases a present one.
 */
export function mergeCallRecords(stored: CallRecord, incoming: CallRecord): CallRecord {
  const incomingWins = STAGES.indexOf(incoming.stage) >= STAGES.indexOf(stored.stage);
  const pick = <T>(a: T, b: T): T => {
    if (!isPresent(b)) return a;
    if (!isPresent(a)) return b;
    return incomingWins ? b : a;
  };
  const caller = { ...stored.caller };
  for (const [key, value] of Object.entries(incoming.caller) as [keyof CallRecord["caller"], string | null | undefined][]) {
    caller[key] = pick(caller[key], value);
  }
  const qualification = incomingWins
    ? { ...stored.qualification, ...incoming.qualification }
    : { ...incoming.qualification, ...stored.qualification };
  const merged: CallRecord = { ...stored };
  for (const key of Object.keys(incoming) as (keyof CallRecord)[]) {
    if (key === "caller" || key === "qualification") continue;
    (merged as Record<string, unknown>)[key] = pick(stored[key], incoming[key]);
  }
  merged.stage = incomingWins ? incoming.stage : stored.stage;
  merged.eventType = incomingWins ? incoming.eventType : stored.eventType;
  merged.caller = caller;
  merged.qualification = qualification;
  return merged;
}
