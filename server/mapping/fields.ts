import { DISPOSITIONS, SENTIMENTS, URGENCIES, type CallRecord } from "../calls/record.js";

// The canonical fields a call can fill on a contact, with their default HubSpot property and policy.
// `overwrite`: the latest call wins. `fill_if_empty`: only written where the contact has no value, so an
// AI that misheard a name never replaces what a rep typed. An absent value is never written either way.

export type Policy = "overwrite" | "fill_if_empty";
export type PropertyType = "string" | "number" | "enumeration" | "datetime" | "bool";

export interface PropertyDefinition {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: "text" | "textarea" | "number" | "select" | "date" | "booleancheckbox";
  description: string;
  options?: { value: string; label: string }[];
}

export const PROPERTY_GROUP = { name: "ai_receptionist", label: "AI receptionist" } as const;
export const LEAD_SOURCE_VALUE = "ai_receptionist";

const titleCase = (value: string) => value.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase());
const options = (values: readonly string[]) => values.map((value) => ({ value, label: titleCase(value) }));

/** The custom properties the app creates in every portal (group "AI receptionist"). */
export const APP_PROPERTIES: PropertyDefinition[] = [
  { name: "ai_lead_source", label: "Lead source (AI receptionist)", type: "enumeration", fieldType: "select", description: "Set when the contact was first captured by the AI receptionist", options: [{ value: LEAD_SOURCE_VALUE, label: "AI receptionist" }] },
  { name: "ai_intent", label: "AI call intent", type: "string", fieldType: "text", description: "Why the caller called, as understood by the AI receptionist" },
  { name: "ai_urgency", label: "AI call urgency", type: "enumeration", fieldType: "select", description: "The caller's stated urgency", options: options(URGENCIES) },
  { name: "ai_sentiment", label: "AI call sentiment", type: "enumeration", fieldType: "select", description: "Sentiment of the latest AI receptionist call", options: options(SENTIMENTS) },
  { name: "ai_sentiment_score", label: "AI call sentiment score", type: "number", fieldType: "number", description: "-1 (negative) to 1 (positive), where the vendor computes one" },
  { name: "ai_disposition", label: "AI call disposition", type: "enumeration", fieldType: "select", description: "Outcome of the latest AI receptionist call", options: options(DISPOSITIONS) },
  { name: "ai_language", label: "AI call language", type: "string", fieldType: "text", description: "ISO 639-1 code of the language the caller spoke (en, es, ...)" },
  { name: "ai_escalation_reason", label: "AI escalation reason", type: "string", fieldType: "textarea", description: "Why the AI receptionist handed the caller to a person" },
  { name: "ai_last_call_at", label: "Last AI receptionist call", type: "datetime", fieldType: "date", description: "When the caller last spoke to the AI receptionist" },
  { name: "ai_last_call_summary", label: "Last AI call summary", type: "string", fieldType: "textarea", description: "Summary of the latest AI receptionist call" },
  { name: "ai_next_booking_at", label: "Next AI receptionist booking", type: "datetime", fieldType: "date", description: "Start of the contact's next confirmed booking made through the AI receptionist; empty when none is ahead" },
  { name: "ai_call_count", label: "Number of AI receptionist calls", type: "number", fieldType: "number", description: "How many calls the contact has had with the AI receptionist (each call counted once)" },
];

export interface CanonicalField {
  label: string;
  defaultProperty: string;
  policy: Policy;
  type: PropertyType;
}

export const CANONICAL_FIELDS = {
  firstName: { label: "First name", defaultProperty: "firstname", policy: "fill_if_empty", type: "string" },
  lastName: { label: "Last name", defaultProperty: "lastname", policy: "fill_if_empty", type: "string" },
  email: { label: "Email", defaultProperty: "email", policy: "fill_if_empty", type: "string" },
  phone: { label: "Phone", defaultProperty: "phone", policy: "fill_if_empty", type: "string" },
  zip: { label: "Postal code", defaultProperty: "zip", policy: "fill_if_empty", type: "string" },
  company: { label: "Company", defaultProperty: "company", policy: "fill_if_empty", type: "string" },
  leadSource: { label: "Lead source", defaultProperty: "ai_lead_source", policy: "fill_if_empty", type: "enumeration" },
  intent: { label: "Intent", defaultProperty: "ai_intent", policy: "overwrite", type: "string" },
  urgency: { label: "Urgency", defaultProperty: "ai_urgency", policy: "overwrite", type: "enumeration" },
  sentiment: { label: "Sentiment", defaultProperty: "ai_sentiment", policy: "overwrite", type: "enumeration" },
  sentimentScore: { label: "Sentiment score", defaultProperty: "ai_sentiment_score", policy: "overwrite", type: "number" },
  disposition: { label: "Disposition", defaultProperty: "ai_disposition", policy: "overwrite", type: "enumeration" },
  language: { label: "Language", defaultProperty: "ai_language", policy: "overwrite", type: "string" },
  escalationReason: { label: "Escalation reason", defaultProperty: "ai_escalation_reason", policy: "overwrite", type: "string" },
  lastCallAt: { label: "Last call time", defaultProperty: "ai_last_call_at", policy: "overwrite", type: "datetime" },
  lastCallSummary: { label: "Last call summary", defaultProperty: "ai_last_call_summary", policy: "overwrite", type: "string" },
  // Roll-ups over the caller's calls and bookings, not values of one call (server/workflows/rollups.ts).
  nextBookingAt: { label: "Next booking", defaultProperty: "ai_next_booking_at", policy: "overwrite", type: "datetime" },
  callCount: { label: "Number of AI calls", defaultProperty: "ai_call_count", policy: "overwrite", type: "number" },
} as const satisfies Record<string, CanonicalField>;

export type CanonicalFieldName = keyof typeof CANONICAL_FIELDS;

/** Mapping key of a qualification answer, and the property created for it on first use. */
export const qualificationField = (key: string) => `q:${key}`;
export const qualificationProperty = (key: string) => `ai_${key}`.slice(0, 100);
export function qualificationDefinition(key: string): PropertyDefinition {
  return { name: qualificationProperty(key), label: `AI: ${titleCase(key)}`, type: "string", fieldType: "text", description: `Answer to the AI receptionist's question "${key}"` };
}

type Value = string | number | boolean;

function splitFullName(fullName: string): { firstName: string; lastName?: string } {
  const parts = fullName.trim().split(/\s+/);
  return parts.length === 1 ? { firstName: parts[0]! } : { firstName: parts.slice(0, -1).join(" "), lastName: parts.at(-1) };
}

/** Every canonical and qualification value a call carries, keyed by mapping field. Absent = not set. */
/** `phone` is the caller's number as contacts/ normalised it (E.164); mapping needs nothing else of it. */
export function fieldValues(record: CallRecord, phone: { e164: string } | null, email: string | null): Map<string, Value> {
  const values = new Map<string, Value>();
  const set = (field: string, value: Value | null | undefined) => {
    if (value === null || value === undefined || (typeof value === "string" && value.trim() === "")) return;
    values.set(field, typeof value === "string" ? value.trim() : value);
  };
  const split = record.caller.fullName ? splitFullName(record.caller.fullName) : undefined;
  set("firstName", record.caller.firstName ?? split?.firstName);
  set("lastName", record.caller.lastName ?? split?.lastName);
  set("email", email);
  set("phone", phone?.e164);
  set("zip", record.caller.zip);
  set("company", record.caller.company);
  set("leadSource", LEAD_SOURCE_VALUE);
  set("intent", record.intent);
  set("urgency", record.urgency);
  set("sentiment", record.sentiment?.label);
  set("sentimentScore", record.sentiment?.score ?? undefined);
  set("disposition", record.disposition);
  set("language", record.language);
  set("escalationReason", record.escalation?.reason);
  set("lastCallAt", record.startedAt ?? record.endedAt);
  set("lastCallSummary", record.summary);
  for (const [key, value] of Object.entries(record.qualification)) set(qualificationField(key), value);
  return values;
}

/** HubSpot takes every property value as a string; "" clears a property (a roll-up with nothing left). */
export function toHubSpotValue(value: Value, type: PropertyType): string {
  if (value === "") return "";
  if (type === "datetime" && typeof value === "string") return new Date(value).toISOString();
  if (type === "bool") return value === true || value === "true" ? "true" : "false";
  return String(value);
}
