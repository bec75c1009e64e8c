import type { CallRecord, Utterance } from "./record.js";

// A call's transcript as turns (who spoke, what, when) and the language tag HubSpot's transcript
// viewer wants per turn. Vendors with a structured transcript fill `utterances` in their normaliser;
// for the rest the text is split here by its "Agent:" / "User:" labels.

const AGENT_LABELS = new Set(["agent", "ai", "bot", "assistant", "receptionist", "agente", "asistente"]);
const CALLER_LABELS = new Set(["user", "caller", "human", "customer", "usuario", "cliente", "llamante"]);
const LABEL = /^\s*([A-Za-zÀ-ÿ]+)\s*:\s*(.*)$/;

/** "Agent: Hi\nUser: My heater leaks" -> two turns; text with no speaker labels has no turns. */
export function splitTurns(text: string | null | undefined): Utterance[] {
  const turns: Utterance[] = [];
  for (const line of (text ?? "").split(/\r?\n/)) {
    const match = LABEL.exec(line);
    const label = match?.[1]!.toLowerCase();
    const speaker = label && AGENT_LABELS.has(label) ? "agent" : label && CALLER_LABELS.has(label) ? "caller" : null;
    if (speaker) {
      turns.push({ speaker, text: match![2]!.trim() });
    } else if (turns.length && line.trim()) {
      turns.at(-1)!.text = `${turns.at(-1)!.text} ${line.trim()}`.trim();
    }
  }
  return turns.filter((turn) => turn.text !== "");
}

/** The turns of a call: the vendor's structured transcript, or its text split by speaker. */
export function transcriptTurns(record: Pick<CallRecord, "utterances" | "transcript">): Utterance[] {
  return record.utterances?.length ? record.utterances : splitTurns(record.transcript);
}

/** "es-mx", "es_MX" -> "es-MX"; anything else (a bare "es", "multi") -> undefined. */
export function localeOf(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const match = /^([a-z]{2})[-_]([a-z]{2})$/i.exec(value.trim());
  return match ? `${match[1]!.toLowerCase()}-${match[2]!.toUpperCase()}` : undefined;
}

/** The region a language is tagged with when the vendor named none (HubSpot's default is en-US). */
const DEFAULT_REGION: Record<string, string> = { en: "US", es: "ES", fr: "FR", pt: "BR", de: "DE", it: "IT", zh: "CN", vi: "VN", ko: "KR", tl: "PH", ja: "JP", nl: "NL" };

/** The BCP-47 tag of the call's language ("es" -> "es-ES", the vendor's "es-MX" kept), or null when unknown. */
export function languageTag(record: Pick<CallRecord, "language" | "locale">): string | null {
  if (record.locale && (!record.language || record.locale.startsWith(`${record.language}-`))) return record.locale;
  if (!record.language) return null;
  const region = DEFAULT_REGION[record.language];
  return region ? `${record.language}-${region}` : record.language;
}

/** About how fast people speak on the phone, for turns the vendor gave no times for. */
const CHARS_PER_SECOND = 15;

/**
 * Every turn with a start and an end, each end after its start (HubSpot requires both). Turns the
 * vendor timed keep their times; untimed ones get estimated times: the call's length shared out by
 * the length of what was said, or a speaking rate when the length is unknown.
 */
export function timedTurns(turns: Utterance[], durationMs: number | null | undefined): { speaker: Utterance["speaker"]; text: string; startMs: number; endMs: number }[] {
  const totalChars = turns.reduce((sum, turn) => sum + turn.text.length, 0) || 1;
  const perChar = durationMs && durationMs > 0 ? durationMs / totalChars : 1000 / CHARS_PER_SECOND;
  let cursor = 0;
  return turns.map((turn) => {
    const startMs = Math.max(turn.startMs ?? Math.round(cursor), 0);
    const estimatedEnd = startMs + Math.max(Math.round(turn.text.length * perChar), 1);
    const endMs = turn.endMs !== null && turn.endMs !== undefined && turn.endMs > startMs ? turn.endMs : estimatedEnd;
    cursor = endMs;
    return { speaker: turn.speaker, text: turn.text, startMs, endMs };
  });
}
