import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { newCallId, retellCall } from "../support/payloads.js";
import { applyBookingSetup } from "../../server/booking/setup.js";

// The contact properties workflows and reports run on (docs/workflows.md), kept current by every call:
// last call at, outcome, intent, urgency, sentiment, next booking at and the number of AI calls. The
// count is per call, not per delivery: a redelivered event, a later event of the same call and a
// retried job all leave it where it was.

let stack: Stack;
let portalId: string;
let retell: Connection;

const EVERY_DAY = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ["09:00", "17:00"]]));

beforeAll(async () => {
  stack = await startStack();
  portalId = await stack.install();
  retell = await stack.connect(portalId, "retell");
  await applyBookingSetup(stack.app.runtime.db, portalId, {
    timezone: "America/Los_Angeles",
    services: [{ name: "Consultation", durationMinutes: 30 }],
    staff: [{ name: "Alex Rivera", email: "alex@example.com", calendar: "builtin", hours: EVERY_DAY }],
  });
});
afterAll(async () => stack?.stop());

const contactOf = (phone: string) => stack.sim.portal(portalId).contacts().find((c) => c.properties.phone === phone);

async function syncedVersion(vendorCallId: string, version: number) {
  return stack.waitFor(async () => {
    const row = await stack.app.runtime.db.call.findFirst({ where: { vendorCallId } });
    return row && row.syncedVersion >= version && row.status === "synced" ? row : null;
  }, { what: `call ${vendorCallId} synced at version ${version}` });
}

describe("reporting properties on the contact", () => {
  it("are set by a call and stay right under redelivery, a later event of the same call, and a second call", async () => {
    const phone = "+14155550701";
    const callId = newCallId();
    const analyzed = retellCall("call_analyzed", {
      callId,
      from: phone,
      startMs: Date.parse("2026-11-20T16:00:00Z"),
      sentiment: "Negative",
      analysis: { first_name: "Robin", intent: "billing question", urgency: "High" },
    });
    expect((await stack.deliver(retell, analyzed)).status).toBe(202);
    await syncedVersion(callId, 1);
    const first = contactOf(phone)!;
    expect(first.properties).toMatchObject({
      ai_call_count: "1",
      ai_last_call_at: "2026-11-20T16:00:00.000Z",
      ai_disposition: "info_only",
      ai_intent: "billing question",
      ai_urgency: "high",
      ai_sentiment: "negative",
    });
    expect(first.properties.ai_next_booking_at ?? "").toBe("");

    // The same delivery again is a duplicate; Retell's call_ended for the same call is a new version.
    expect((await stack.deliver(retell, analyzed)).status).toBe(200);
    expect((await stack.deliver(retell, retellCall("call_ended", { callId, from: phone, startMs: Date.parse("2026-11-20T16:00:00Z") }))).status).toBe(202);
    await syncedVersion(callId, 2);
    expect(contactOf(phone)!.properties.ai_call_count).toBe("1");

    // A booking ahead of the caller, made on an earlier call: the next call carries it and counts 2.
    const db = stack.app.runtime.db;
    const [staff, service] = await Promise.all([db.staffMember.findFirstOrThrow({ where: { portalId } }), db.serviceType.findFirstOrThrow({ where: { portalId } })]);
    const startAt = new Date(Date.now() + 3 * 86_400_000);
    startAt.setUTCMinutes(0, 0, 0);
    await db.booking.create({ data: { portalId, staffId: staff.id, serviceTypeId: service.id, status: "confirmed", reference: "RB-7Q2K", startAt, endAt: new Date(startAt.getTime() + 30 * 60_000), blockEndAt: new Date(startAt.getTime() + 30 * 60_000), callerPhone: phone } });
    const second = newCallId();
    await stack.deliver(retell, retellCall("call_analyzed", { callId: second, from: phone, startMs: Date.parse("2026-11-22T10:00:00Z"), sentiment: "Positive", analysis: { intent: "confirm appointment" } }));
    await syncedVersion(second, 1);
    expect(contactOf(phone)!.properties).toMatchObject({ ai_call_count: "2", ai_last_call_at: "2026-11-22T10:00:00.000Z", ai_sentiment: "positive", ai_next_booking_at: startAt.toISOString() });

    // A late event of the first (older) call does not move "last AI call" back, nor the count up.
    await stack.deliver(retell, retellCall("call_analyzed", { callId, from: phone, startMs: Date.parse("2026-11-20T16:00:00Z"), sentiment: "Negative", summary: "Robin called about a bill (re-analysed).", analysis: { intent: "billing question" } }));
    await syncedVersion(callId, 3);
    expect(contactOf(phone)!.properties).toMatchObject({ ai_call_count: "2", ai_last_call_at: "2026-11-22T10:00:00.000Z" });

    // The booking is cancelled: the next call clears the property.
    await db.booking.updateMany({ where: { portalId, reference: "RB-7Q2K" }, data: { status: "cancelled" } });
    const third = newCallId();
    await stack.deliver(retell, retellCall("call_analyzed", { callId: third, from: phone, startMs: Date.parse("2026-11-23T09:00:00Z") }));
    await syncedVersion(third, 1);
    const cleared = contactOf(phone)!.properties;
    expect(cleared.ai_call_count).toBe("3");
    expect(cleared.ai_next_booking_at ?? "").toBe("");
  });

  it("are created in the app's property group like the others", async () => {
    const properties = stack.sim.portal(portalId).properties("contacts");
    const ours = properties.filter((p) => ["ai_call_count", "ai_next_booking_at", "ai_last_call_at"].includes(p.name));
    expect(ours.map((p) => [p.name, p.type, p.groupName]).sort()).toEqual([
      ["ai_call_count", "number", "ai_receptionist"],
      ["ai_last_call_at", "datetime", "ai_receptionist"],
      ["ai_next_booking_at", "datetime", "ai_receptionist"],
    ]);
  });
});
