import { describe, expect, it } from "vitest";
import { vendors } from "../../../server/vendors/registry.js";

// Each vendor's live tool format, read into one shape and answered in the vendor's own.

const answer = { message: "You're booked.", data: { reference: "K7M4QXR9" } };

describe("live tool formats", () => {
  it("Retell: {name, call, args}; the caller is the other party of an outbound call; one answer at the root", () => {
    const tools = vendors.retell.tools;
    const inbound = tools.parse({ name: "book_appointment", call: { call_id: "c1", direction: "inbound", from_number: "+14155550101", to_number: "+14155550100" }, args: { start: "2030-01-01T10:00:00Z" } });
    expect(inbound).toEqual({ vendorCallId: "c1", phone: "+14155550101", calls: [{ id: null, name: "book_appointment", args: { start: "2030-01-01T10:00:00Z" } }] });
    const outbound = tools.parse({ name: "cancel_appointment", call: { call_id: "c2", direction: "outbound", from_number: "+14155550100", to_number: "+14155550102" }, booking_id: "K7M4QXR9" });
    expect(outbound).toMatchObject({ phone: "+14155550102", calls: [{ args: { booking_id: "K7M4QXR9" } }] });
    expect(tools.parse({ call: {} })).toBe("expected {name, call, args}");
    expect(tools.reply([{ call: { id: null, name: "x", args: {} }, answer }])).toEqual({ result: "You're booked.", reference: "K7M4QXR9" });
  });

  it("Vapi: tool-calls with string or object arguments; one single-line result per toolCallId", () => {
    const tools = vendors.vapi.tools;
    const request = tools.parse({ message: { type: "tool-calls", call: { id: "v1" }, customer: { number: "+14155550103" }, toolCallList: [{ id: "t1", function: { name: "check_availability", arguments: '{"date":"2030-01-02"}' } }, { id: "t2", name: "cancel_appointment", parameters: { booking_id: "X" } }] } });
    expect(request).toEqual({ vendorCallId: "v1", phone: "+14155550103", calls: [{ id: "t1", name: "check_availability", args: { date: "2030-01-02" } }, { id: "t2", name: "cancel_appointment", args: { booking_id: "X" } }] });
    expect(tools.parse({ message: { type: "status-update" } })).toMatch(/tool-calls/);
    const reply = tools.reply([{ call: { id: "t1", name: "x", args: {} }, answer }]) as { results: { toolCallId: string; result: string }[] };
    expect(reply.results[0]!.toolCallId).toBe("t1");
    expect(JSON.parse(reply.results[0]!.result)).toEqual({ message: "You're booked.", reference: "K7M4QXR9" });
    expect(reply.results[0]!.result).not.toContain("\n");
  });

  it("generic (and Bland): {callId, name, args, callerPhone}; bad arguments JSON reads as none; Synthflow has none", () => {
    const tools = vendors.generic.tools;
    expect(tools.parse({ callId: "g1", toolCallId: 7, name: "book_appointment", args: "{not json", callerPhone: "+14155550104" })).toEqual({ vendorCallId: "g1", phone: "+14155550104", calls: [{ id: "7", name: "book_appointment", args: {} }] });
    expect(tools.parse({ name: "x" })).toBe("expected {callId, name, args}");
    expect(vendors.bland.tools).toBe(tools);
    expect(vendors.synthflow.tools).toBeNull();
  });
});
