import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { genericWebhookJsonSchema } from "../../server/vendors/generic/schema.js";

describe("docs/generic-webhook.schema.json", () => {
  it("is the schema the app validates with (regenerate: npx tsx scripts/generic-schema.ts)", () => {
    expect(JSON.parse(readFileSync("docs/generic-webhook.schema.json", "utf8"))).toEqual(genericWebhookJsonSchema());
  });

  it("documents the required fields and enumerations", () => {
    const schema = genericWebhookJsonSchema() as { required: string[]; properties: Record<string, { enum?: string[] }> };
    expect(schema.required).toEqual(expect.arrayContaining(["vendor", "vendorCallId", "eventType", "stage"]));
    expect(JSON.stringify(schema.properties.urgency)).toContain("emergency");
    expect(JSON.stringify(schema.properties.disposition)).toContain("escalated");
  });
});
