import type { Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import type { MappingChange } from "../audit/audit.js";
import { APP_PROPERTIES, CANONICAL_FIELDS, type Policy, type PropertyType } from "./fields.js";
import { loadMapping } from "./store.js";
import type { MappingRefusal, MappingResponse, PortalProperty } from "../../hubspot-app/app/shared/api.js";

// The field mapping as the settings page edits it: the rules as shown, the check that a HubSpot
// property can take a field's values, and saving. Creating a field's own property is
// createFieldProperty (server/hubspot/properties.ts).

const log = logger("mapping.settings");

/** Which HubSpot property types can hold a canonical field's values. */
const COMPATIBLE: Record<PropertyType, string[]> = {
  string: ["string"],
  number: ["number", "string"],
  enumeration: ["enumeration"],
  datetime: ["datetime", "date"],
  bool: ["bool", "enumeration"],
};

const FIELDS = CANONICAL_FIELDS as Record<string, { label: string; type: PropertyType; defaultProperty: string }>;
const ENUM_VALUES: Record<string, string[]> = Object.fromEntries(APP_PROPERTIES.filter((p) => p.options).map((p) => [p.name, p.options!.map((o) => o.value)]));
const enumValuesOfField = (field: string): string[] => ENUM_VALUES[FIELDS[field]?.defaultProperty ?? ""] ?? [];
const typeOfField = (field: string): PropertyType => FIELDS[field]?.type ?? "string";

/** Why a property cannot take a field's values, or null when it can. */
export function mappingProblem(field: string, property: PortalProperty | undefined, propertyName: string): string | null {
  if (!property) return `${propertyName} does not exist in this portal: create it first`;
  if (property.readOnly) return `${property.label} (${property.name}) is read-only in HubSpot`;
  const type = typeOfField(field);
  if (!COMPATIBLE[type].includes(property.type)) return `${property.label} (${property.name}) is a ${property.type} property; ${field} needs ${COMPATIBLE[type].join(" or ")}`;
  if (type === "enumeration") {
    const missing = enumValuesOfField(field).filter((value) => !property.options.includes(value));
    if (missing.length) return `${property.label} (${property.name}) lacks the options ${missing.join(", ")}`;
  }
  return null;
}

/** The portal's rules as the mapping tab lists them (default rows written the first time). */
export async function mappingRules(db: Db, portalId: string): Promise<MappingResponse["rules"]> {
  const mapping = await loadMapping(db, portalId);
  return [...mapping.values()].map((rule) => ({
    field: rule.field,
    label: rule.kind === "canonical" ? FIELDS[rule.field]?.label ?? rule.field : `Question: ${rule.field.slice(2).replaceAll("_", " ")}`,
    kind: rule.kind,
    property: rule.property,
    policy: rule.policy,
    enabled: rule.enabled,
    type: rule.type,
  }));
}

export interface RuleUpdate {
  field: string;
  property: string;
  policy: Policy;
  enabled: boolean;
}

export type MappingSave = { kind: "saved"; changed: MappingChange[] } | { kind: "refused"; problems: MappingRefusal["problems"] };

/**
 * Saves the rules all together or not at all: refused, with one problem per rule, when a field is
 * unknown or an enabled rule's property cannot take its values. `changed` is what the audit log keeps.
 */
export async function saveMapping(db: Db, portalId: string, rules: RuleUpdate[], portalProperties: () => Promise<PortalProperty[]>): Promise<MappingSave> {
  const mapping = await loadMapping(db, portalId);
  const properties = new Map((await portalProperties()).map((p) => [p.name, p]));
  const problems: MappingRefusal["problems"] = [];
  for (const rule of rules) {
    if (!mapping.has(rule.field)) problems.push({ field: rule.field, error: `unknown field ${rule.field}` });
    else if (rule.enabled) {
      const problem = mappingProblem(rule.field, properties.get(rule.property), rule.property);
      if (problem) problems.push({ field: rule.field, error: problem });
    }
  }
  if (problems.length) return { kind: "refused", problems };
  await db.$transaction(rules.map((rule) => db.fieldMapping.update({ where: { portalId_field: { portalId, field: rule.field } }, data: { property: rule.property, policy: rule.policy, enabled: rule.enabled } })));
  log.info({ portalId, rules: rules.length }, "field mapping updated");
  const changed = rules.flatMap(({ field, property, policy, enabled }): MappingChange[] => {
    const before = mapping.get(field)!;
    return before.property === property && before.policy === policy && before.enabled === enabled ? [] : [{ field, from: { property: before.property, policy: before.policy, enabled: before.enabled }, to: { property, policy, enabled } }];
  });
  return { kind: "saved", changed };
}
