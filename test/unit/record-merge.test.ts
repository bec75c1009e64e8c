import { describe, expect, it } from "vitest";
import { callRecordSchema, mergeCallRecords, type CallRecordInput } from "../../server/calls/record.js";

const base: CallRecordInput = { vendor: "retell", vendorCallId: "call_1", eventType: "call_ended", stage: "ended", fromNumber: "+14155550134", transcript: "Agent: Hi", caller: {} };
const ended = callRecordSchema.parse(base);
const analyzed = callRecordSchema.parse({
  ...base,
  eventType: "call_analyzed",
  stage: "analyzed",
  summary: "Wants a quote",
  caller: { firstName: "Dana" },
  sentiment: { label: "positive", score: 0.6 },
  qualification: { budget_range: "5k-10k" },
});

describe("mergeCallRecords", () => {
  it("adds the analysis to the ended call", () => {
    const merged = mergeCallRecords(ended, analyzed);
    expect(merged.stage).toBe("analyzed");
    expect(merged.summary).toBe("Wants a quote");
    expect(merged.transcript).toBe("Agent: Hi");
    expect(merged.caller.firstName).toBe("Dana");
    expect(merged.qualification).toEqual({ budget_range: "5k-10k" });
  });

  it("keeps the analysis when call_ended arrives after call_analyzed", () => {
    const later = callRecordSchema.parse({ ...base, transcript: "Agent: Hi (final)" });
    const merged = mergeCallRecords(analyzed, later);
    expect(merged.stage).toBe("analyzed");
    expect(merged.eventType).toBe("call_analyzed");
    expect(merged.summary).toBe("Wants a quote");
    expect(merged.sentiment?.label).toBe("positive");
    // A poorer stage only fills gaps: the analyzed transcript stays.
    expect(merged.transcript).toBe("Agent: Hi");
  });

  it("never erases a value with an absent one", () => {
    const withEmail = callRecordSchema.parse({ ...base, caller: { email: "dana@example.com" } });
    const without = callRecordSchema.parse({ ...base, stage: "analyzed", eventType: "call_analyzed", caller: { email: null } });
    expect(mergeCallRecords(withEmail, without).caller.email).toBe("dana@example.com");
  });
});

describe("callRecordSchema", () => {
  it("refuses garbage with a reason naming the field", () => {
    const result = callRecordSchema.safeParse({ ...base, recordingUrl: "not a url", urgency: "whenever" });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join("."));
    expect(paths).toContain("recordingUrl");
    expect(paths).toContain("urgency");
  });
});
