import type { Db } from "../db/client.js";
import { CANONICAL_FIELDS, fieldValues, qualificationField, qualificationProperty, toHubSpotValue, type CanonicalFieldName, type Policy, type PropertyType } from "./fields.js";

export interface MappingRule {
  field: string;
  property: string;
  policy: Policy;
  kind: "canonical" | "qualification";
  enabled: boolean;
  type: PropertyType;
}

export type Mapping = Map<string, MappingRule>;

function typeOf(field: string): PropertyType {
  return (CANONICAL_FIELDS as Record<string, { type: PropertyType }>)[field]?.type ?? "string";
}

/** The portal's mapping, with the default rows written the first time (so the settings page shows them). */
export async function loadMapping(db: Db, portalId: string): Promise<Mapping> {
  let rows = await db.fieldMapping.findMany({ where: { portalId } });
  const missing = (Object.keys(CANONICAL_FIELDS) as CanonicalFieldName[]).filter((field) => !rows.some((r) => r.field === field));
  if (missing.length > 0) {
    await db.fieldMapping.createMany({
      data: missing.map((field) => ({ portalId, field, property: CANONICAL_FIELDS[field].defaultProperty, policy: CANONICAL_FIELDS[field].policy, kind: "canonical" })),
      skipDuplicates: true,
    });
    rows = await db.fieldMapping.findMany({ where: { portalId } });
  }
  return new Map(rows.map((r) => [r.field, { field: r.field, property: r.property, policy: r.policy as Policy, kind: r.kind as MappingRule["kind"], enabled: r.enabled, type: typeOf(r.field) }]));
}

/** A qualification question seen for the first time gets its own row, mapped to `ai_<key>`. */
export async function addQualificationRules(db: Db, portalId: string, mapping: Mapping, keys: string[]): Promise<MappingRule[]> {
  const added: MappingRule[] = [];
  for (const key of keys) {
    const field = qualificationField(key);
    if (mapping.has(field)) continue;
    const rule: MappingRule = { field, property: qualificationProperty(key), policy: "overwrite", kind: "qualification", enabled: true, type: "string" };
    mapping.set(field, rule);
    added.push(rule);
  }
  if (added.length > 0) {
    await db.fieldMapping.createMany({ data: added.map(({ field, property, policy, kind }) => ({ portalId, field, property, policy, kind })), skipDuplicates: true });
  }
  return added;
}

export interface ContactPatch {
  properties: Record<string, string>;
  /** fill-if-empty properties whose current value is unknown: the caller must read the contact first. */
  unknown: string[];
}

/**
 * The properties to write for a call. `filled` is the set of properties known to hold a value on the
 * contact (null when creating: everything present is written).
 */
export function contactPatch(values: ReturnType<typeof fieldValues>, mapping: Mapping, filled: Set<string> | null | "unknown"): ContactPatch {
  const properties: Record<string, string> = {};
  const unknown: string[] = [];
  for (const [field, value] of values) {
    const rule = mapping.get(field);
    if (!rule || !rule.enabled) continue;
    if (rule.policy === "fill_if_empty" && filled !== null) {
      if (filled === "unknown") {
        unknown.push(rule.property);
        continue;
      }
      if (filled.has(rule.property)) continue;
    }
    properties[rule.property] = toHubSpotValue(value, rule.type);
  }
  return { properties, unknown };
}
