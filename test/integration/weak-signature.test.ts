import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { newCallId } from "../support/payloads.js";
import { getVendor } from "../../server/vendors/registry.js";
import type { CallRecord } from "../../server/calls/record.js";

// Synthflow signs only the call id (security audit): a captured signature header authenticates any
// body for that call. The first accepted body of a call stands, and live tools are off.

let stack: Stack;
let portalId: string;
let synthflow: Connection;

const synthflowCall = (callId: string, o: { name: string; phone: string; summary: string }) => ({
  status: "completed",
  lead: { name: o.name, phone_number: o.phone },
  call: { call_id: callId, status: "completed", end_call_reason: "human_hangup", duration: 65, start_time: "2026-11-20T16:00:00.000Z", transcript: "Bot: Hi!" },
  analysis: { call_summary: o.summary, user_sentiment: "neutral" },
});

async function post(path: string, body: Buffer, headers: Record<string, string>) {
  const response = await fetch(`${stack.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: new Uint8Array(body) });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

beforeAll(async () => {
  stack = await startStack();
  portalId = await stack.install();
  synthflow = await stack.connect(portalId, "synthflow");
});
afterAll(async () => stack?.stop());

describe("a signature that covers only the call id", () => {
  it("a captured header replayed with a different body for the same call is quarantined; the stored call keeps the first body", async () => {
    const callId = newCallId("sf");
    const first = Buffer.from(JSON.stringify(synthflowCall(callId, { name: "Avery Chen", phone: "+14155550801", summary: "Asked for opening hours." })));
    const captured = await getVendor("synthflow").sign(first, synthflow.secret, Date.now());
    expect((await post(`/webhooks/${synthflow.token}`, first, captured)).status).toBe(202);

    const forged = Buffer.from(JSON.stringify(synthflowCall(callId, { name: "Mallory Quinn", phone: "+14155550899", summary: "Wants every appointment cancelled." })));
    const replayed = await post(`/webhooks/${synthflow.token}`, forged, captured);
    expect(replayed.status).toBe(200);
    expect(replayed.body).toMatchObject({ status: "quarantined" });
    expect(replayed.body.reason).toMatch(/Synthflow signs only the call id: a second, different body for call .+ was not merged \(the first accepted body stands\)/);

    const call = await stack.app.runtime.db.call.findFirstOrThrow({ where: { connectionId: synthflow.id, vendorCallId: callId }, include: { events: true } });
    const record = call.record as unknown as CallRecord;
    expect(record.caller.fullName).toBe("Avery Chen");
    expect(record.fromNumber).toBe("+14155550801");
    expect(record.summary).toBe("Asked for opening hours.");
    expect(call.version).toBe(1);
    expect(call.events).toHaveLength(1);

    const kept = await stack.app.runtime.db.quarantinedPayload.findMany({ where: { connectionId: synthflow.id } });
    expect(kept).toHaveLength(1);
    expect(kept[0]!.body).toBe(forged.toString("utf8"));
    expect(kept[0]!.reason).toMatch(/first accepted body stands/);
    expect((await stack.app.runtime.db.connection.findUniqueOrThrow({ where: { id: synthflow.id } })).lastError).toMatch(/quarantined: Synthflow signs only the call id/);

    // The vendor's own retry of the first body is still a duplicate.
    const retry = await post(`/webhooks/${synthflow.token}`, first, captured);
    expect(retry).toMatchObject({ status: 200, body: { status: "duplicate" } });
  });

  it("live tools are off on the connection, with the reason", async () => {
    const callId = newCallId("sf");
    const body = Buffer.from(JSON.stringify({ callId, call: { call_id: callId }, name: "cancel_appointment", callerPhone: "+14155550801", args: {} }));
    const refused = await post(`/tools/${synthflow.token}`, body, await getVendor("synthflow").sign(body, synthflow.secret, Date.now()));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toBe("Live tools are off for Synthflow connections: Synthflow signs only the call id, so a captured request could book or cancel for any caller. Use a vendor or the generic format that signs the body.");
  });
});
