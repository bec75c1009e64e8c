import type { CallRecordInput } from "../calls/record.js";

// Language-neutral normalisers shared by the vendor adapters: a Spanish call says "alta", the CRM
// gets "high". Whatever cannot be read confidently becomes absent, never a guess or a placeholder.

type Caller = NonNullable<CallRecordInput["caller"]>;
type Sentiment = NonNullable<CallRecordInput["sentiment"]>;

const GARBAGE = new Set(["", "unknown", "n/a", "na", "none", "null", "undefined", "not provided", "not given", "no", "-", "desconocido", "ninguno", "no proporcionado", "sin dato"]);

/** A trimmed string, or undefined when the AI filled the slot with a placeholder. */
export function clean(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return GARBAGE.has(trimmed.toLowerCase()) ? undefined : trimmed;
}

const fold = (text: string) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();

const URGENCY_WORDS: [NonNullable<CallRecordInput["urgency"]>, string[]][] = [
  ["emergency", ["emergency", "emergencia", "urgencia", "asap emergency", "critical", "critico", "critica"]],
  ["high", ["high", "urgent", "urgente", "alta", "alto", "asap", "today", "hoy", "inmediato", "inmediata"]],
  ["medium", ["medium", "normal", "moderate", "media", "medio", "moderada", "this week", "esta semana"]],
  ["low", ["low", "baja", "bajo", "not urgent", "no urgente", "whenever", "sin prisa", "flexible"]],
];

export function normaliseUrgency(value: unknown): CallRecordInput["urgency"] {
  const text = clean(value);
  if (!text) return undefined;
  const folded = fold(text);
  for (const [level, words] of URGENCY_WORDS) if (words.includes(folded)) return level;
  const numeric = Number(folded);
  if (Number.isFinite(numeric) && folded !== "") return numeric >= 9 ? "emergency" : numeric >= 7 ? "high" : numeric >= 4 ? "medium" : "low";
  return undefined;
}

export function normaliseSentiment(value: unknown): Sentiment | undefined {
  if (typeof value === "number" && Number.isFinite(value)) {
    const score = Math.max(-1, Math.min(1, value > 1 ? value / 100 : value));
    return { label: score > 0.2 ? "positive" : score < -0.2 ? "negative" : "neutral", score };
  }
  const text = clean(value);
  if (!text) return undefined;
  const folded = fold(text);
  if (["positive", "positivo", "positiva", "happy", "satisfied"].includes(folded)) return { label: "positive" };
  if (["negative", "negativo", "negativa", "angry", "frustrated", "upset"].includes(folded)) return { label: "negative" };
  if (["neutral", "neutro", "neutra", "mixed"].includes(folded)) return { label: "neutral" };
  return undefined;
}

const LANGUAGES: Record<string, string[]> = {
  en: ["english", "ingles"],
  es: ["spanish", "espanol", "castellano"],
  fr: ["french", "frances", "francais"],
  pt: ["portuguese", "portugues"],
  de: ["german", "aleman", "deutsch"],
  it: ["italian", "italiano"],
  zh: ["chinese", "mandarin", "chino"],
  vi: ["vietnamese"],
  ko: ["korean"],
  tl: ["tagalog", "filipino"],
};

/** "Spanish", "español", "es-MX", "es" -> "es". */
export function normaliseLanguage(value: unknown): string | undefined {
  const text = clean(value);
  if (!text) return undefined;
  const folded = fold(text);
  const code = /^([a-z]{2})(?:[-_][a-z]{2,4})?$/.exec(folded)?.[1];
  if (code) return code;
  for (const [iso, names] of Object.entries(LANGUAGES)) if (names.includes(folded)) return iso;
  return undefined;
}

/** "Budget Range", "tipoDeProyecto", "¿Tipo de servicio?" -> budget_range, tipo_de_proyecto, tipo_de_servicio. */
export function questionKey(raw: string): string | undefined {
  const snake = fold(raw.replace(/([a-z0-9])([A-Z])/g, "$1_$2"))
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 61);
  if (!snake) return undefined;
  return /^[a-z]/.test(snake) ? snake : `q_${snake}`.slice(0, 61);
}

// Extraction keys that are canonical fields, in English and Spanish. Everything else is a
// qualification answer with its own property.
const CANONICAL_KEYS: Record<string, string[]> = {
  fullName: ["name", "caller_name", "full_name", "customer_name", "nombre_completo", "nombre_del_cliente"],
  firstName: ["first_name", "firstname", "given_name", "nombre"],
  lastName: ["last_name", "lastname", "surname", "family_name", "apellido", "apellidos"],
  email: ["email", "email_address", "caller_email", "correo", "correo_electronico", "e_mail"],
  phone: ["phone", "phone_number", "callback_number", "caller_phone", "telefono", "numero_de_telefono"],
  zip: ["zip", "zip_code", "zipcode", "postal_code", "postcode", "codigo_postal"],
  company: ["company", "company_name", "business_name", "empresa", "compania"],
  intent: ["intent", "call_intent", "reason", "reason_for_call", "call_reason", "motivo", "motivo_de_llamada", "intencion"],
  urgency: ["urgency", "urgency_level", "urgencia", "prioridad", "priority"],
  sentiment: ["sentiment", "user_sentiment", "sentimiento"],
  language: ["language", "caller_language", "idioma", "lenguaje"],
  escalationReason: ["escalation_reason", "transfer_reason", "motivo_de_escalamiento", "razon_de_escalamiento", "escalation"],
  summary: ["summary", "call_summary", "resumen"],
};
const CANONICAL_LOOKUP = new Map(Object.entries(CANONICAL_KEYS).flatMap(([field, keys]) => keys.map((k) => [k, field])));

export interface Extraction {
  caller: Caller;
  intent?: string;
  urgency?: CallRecordInput["urgency"];
  sentiment?: Sentiment;
  language?: string;
  escalationReason?: string;
  summary?: string;
  qualification: Record<string, string | number | boolean>;
}

/** Split what the AI extracted (Retell custom_analysis_data, Vapi structuredData, ...) into canonical fields and answers. */
export function splitExtraction(data: Record<string, unknown> | null | undefined): Extraction {
  const out: Extraction = { caller: {}, qualification: {} };
  for (const [rawKey, rawValue] of Object.entries(data ?? {})) {
    const key = questionKey(rawKey);
    if (!key) continue;
    const field = CANONICAL_LOOKUP.get(key);
    if (rawValue !== null && typeof rawValue === "object") continue; // nested objects are not answers
    const value = clean(rawValue);
    if (value === undefined) continue;
    switch (field) {
      case "fullName":
      case "firstName":
      case "lastName":
      case "email":
      case "phone":
      case "zip":
      case "company":
        out.caller[field] = value;
        break;
      case "intent":
        out.intent = value;
        break;
      case "urgency":
        out.urgency = normaliseUrgency(value);
        break;
      case "sentiment":
        out.sentiment = normaliseSentiment(typeof rawValue === "number" ? rawValue : value);
        break;
      case "language":
        out.language = normaliseLanguage(value);
        break;
      case "escalationReason":
        out.escalationReason = value;
        break;
      case "summary":
        out.summary = value;
        break;
      default:
        out.qualification[key] = typeof rawValue === "number" || typeof rawValue === "boolean" ? rawValue : value;
    }
  }
  return out;
}

/** Milliseconds (or an ISO string) to ISO, or undefined. */
export function isoTime(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return new Date(value < 1e12 ? value * 1000 : value).toISOString();
  if (typeof value === "string" && value.trim() && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return undefined;
}

/** An https/http URL, or undefined. */
export function url(value: unknown): string | undefined {
  const text = clean(value);
  if (!text) return undefined;
  try {
    const parsed = new URL(text);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The disposition every adapter derives the same way from the call's status and what happened on it.
 * `analyzed: false` (an event before the analysis, like Retell's call_ended) leaves it open unless
 * the status alone decides it.
 */
export function dispositionFor(status: CallRecordInput["status"], happened: { transferred?: boolean; booked?: boolean; analyzed?: boolean }): CallRecordInput["disposition"] {
  if (status === "voicemail") return "voicemail";
  if (status === "no_answer" || status === "busy") return "no_answer";
  if (happened.booked) return "booked";
  if (happened.transferred) return "escalated";
  return happened.analyzed === false ? undefined : "info_only";
}

/** An escalation when the AI transferred the caller or said why a person must follow up. */
export function escalationFor(transferred: boolean, reason: string | undefined, transferredTo?: string): CallRecordInput["escalation"] {
  if (!transferred && !reason) return undefined;
  return { reason: reason ?? "Transferred to a person", ...(transferredTo ? { transferredTo } : {}) };
}

/**
 * The part of a call record every vendor derives the same way from the AI's extraction and what
 * happened on the call: intent, urgency, disposition, escalation and qualification answers.
 */
export function outcomeOf(
  extraction: Extraction,
  status: CallRecordInput["status"],
  happened: { transferred: boolean; booked?: boolean; analyzed?: boolean; transferredTo?: string },
): Pick<CallRecordInput, "intent" | "urgency" | "disposition" | "escalation" | "qualification"> {
  return {
    intent: extraction.intent,
    urgency: extraction.urgency,
    disposition: dispositionFor(status, happened),
    escalation: escalationFor(happened.transferred, extraction.escalationReason, happened.transferredTo),
    qualification: extraction.qualification,
  };
}
