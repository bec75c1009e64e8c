import { describe, expect, it } from "vitest";
import { callRecordSchema } from "../../server/calls/record.js";
import { fieldValues, CANONICAL_FIELDS } from "../../server/mapping/fields.js";
import { contactPatch, type Mapping, type MappingRule } from "../../server/mapping/store.js";
import { normalisePhone } from "../../server/contacts/phone.js";

function defaultMapping(): Mapping {
  const rules: MappingRule[] = Object.entries(CANONICAL_FIELDS).map(([field, f]) => ({ field, property: f.defaultProperty, policy: f.policy, kind: "canonical", enabled: true, type: f.type }));
  rules.push({ field: "q:budget_range", property: "ai_budget_range", policy: "overwrite", kind: "qualification", enabled: true, type: "string" });
  return new Map(rules.map((r) => [r.field, r]));
}

const record = callRecordSchema.parse({
  vendor: "retell",
  vendorCallId: "c1",
  eventType: "call_analyzed",
  stage: "analyzed",
  fromNumber: "+14155550134",
  startedAt: "2026-11-23T15:04:05.000Z",
  caller: { fullName: "Dana Q. Whitfield", zip: "94107" },
  intent: "quote for a kitchen remodel",
  urgency: "high",
  language: "en",
  qualification: { budget_range: "5k-10k" },
});
const values = fieldValues(record, normalisePhone(record.fromNumber, "US"), null);

describe("contactPatch", () => {
  it("writes every present value for a new contact, and nothing for absent ones", () => {
    const { properties } = contactPatch(values, defaultMapping(), null);
    expect(properties).toMatchObject({
      firstname: "Dana Q.",
      lastname: "Whitfield",
      phone: "+14155550134",
      zip: "94107",
      ai_lead_source: "ai_receptionist",
      ai_intent: "quote for a kitchen remodel",
      ai_urgency: "high",
      ai_budget_range: "5k-10k",
      ai_last_call_at: "2026-11-23T15:04:05.000Z",
    });
    expect(properties).not.toHaveProperty("email");
    expect(properties).not.toHaveProperty("ai_sentiment");
    expect(Object.values(properties)).not.toContain("");
  });

  it("leaves filled fill-if-empty properties alone and overwrites the rest", () => {
    const { properties } = contactPatch(values, defaultMapping(), new Set(["firstname", "lastname", "ai_lead_source", "ai_intent"]));
    expect(properties).not.toHaveProperty("firstname");
    expect(properties).not.toHaveProperty("ai_lead_source");
    expect(properties.ai_intent).toBe("quote for a kitchen remodel");
    expect(properties.zip).toBe("94107");
  });

  it("skips disabled rules and follows a remapped property", () => {
    const mapping = defaultMapping();
    mapping.set("intent", { ...mapping.get("intent")!, property: "reason_for_call" });
    mapping.set("zip", { ...mapping.get("zip")!, enabled: false });
    const { properties } = contactPatch(values, mapping, null);
    expect(properties.reason_for_call).toBe("quote for a kitchen remodel");
    expect(properties).not.toHaveProperty("zip");
  });
});
