import { describe, expect, it } from "vitest";
import { callerIdentity, callerKey, callerKeys, callerNumber } from "../../server/contacts/identity.js";
import { callRecordSchema } from "../../server/calls/record.js";

const KEY = Buffer.alloc(32, 3).toString("base64");
const record = (fields: Record<string, unknown>) => callRecordSchema.parse({ vendor: "generic", vendorCallId: "c1", eventType: "call.completed", stage: "analyzed", ...fields });

describe("caller identity", () => {
  it("the caller's number is the one that called in, or the one an outbound call rang", () => {
    expect(callerNumber({ direction: "inbound", fromNumber: "+14155550134", toNumber: "+14155550100" })).toBe("+14155550134");
    expect(callerNumber({ direction: "outbound", fromNumber: "+14155550100", toNumber: "+14155550134" })).toBe("+14155550134");
  });

  it("national numbers are read in the region given (the portal's)", () => {
    expect(callerIdentity(record({ fromNumber: "07700 900123" }), "GB").phone?.e164).toBe("+447700900123");
    expect(callerIdentity(record({ fromNumber: "+44 7700 900123" }), "GB").phone?.e164).toBe("+447700900123");
  });

  it("the key: one per caller and portal, phone before email, a keyed hash that shows neither", () => {
    const gb = (fromNumber: string, email?: string) => callerKey(KEY, "77", callerIdentity(record({ fromNumber, caller: { email } }), "GB"));
    expect(gb("07700 900123")).toBe(gb("+44 7700 900123", "someone@example.com"));
    expect(gb("07700 900123")).not.toContain("7700900123");
    expect(callerKey(KEY, "78", callerIdentity(record({ fromNumber: "07700 900123" }), "GB"))).not.toBe(gb("07700 900123"));
    expect(callerKey(Buffer.alloc(32, 4).toString("base64"), "77", callerIdentity(record({ fromNumber: "07700 900123" }), "GB"))).not.toBe(gb("07700 900123"));
    expect(callerKey(KEY, "77", callerIdentity(record({ caller: { email: " Jo@Example.com" } }), "GB"))).toBe(callerKeys(KEY, "77", [], ["jo@example.com"])[0]);
    expect(callerKeys(KEY, "77", ["+447700900123"], [])).toEqual([gb("07700 900123")]);
    expect(callerKey(KEY, "77", callerIdentity(record({}), "GB"))).toBeNull();
  });
});
