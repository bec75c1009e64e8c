import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { newCallId } from "../support/payloads.js";
import { retellToolCall } from "../support/tools.js";
import { applyBookingSetup } from "../../server/booking/setup.js";
import { addDays, localDate, zonedInstant } from "../../server/booking/time.js";

// The guide's call 06 as a caller really makes it, on the built-in calendar: the AI checks
// availability first (which holds the offered slots for this call), the caller picks one, and the AI
// moves the booking there. The move must not collide with the call's own hold, and when the new time
// is really taken the alternatives never include the time the booking already has.

const TZ = "America/Chicago";
const HOURS = { mon: ["09:00", "17:00"], tue: ["09:00", "17:00"], wed: ["09:00", "17:00"], thu: ["09:00", "17:00"], fri: ["09:00", "17:00"], sat: ["09:00", "17:00"], sun: ["09:00", "17:00"] };
const SETUP = { timezone: TZ, services: [{ name: "Consultation", durationMinutes: 30 }], staff: [{ name: "Sam Ortiz", email: "sam@example.com", calendar: "builtin", hours: HOURS }] };

let stack: Stack;
let portalId: string;
let retell: Connection;
const inDays = (n: number) => addDays(localDate(new Date(), TZ), n);

async function tool(name: string, args: Record<string, unknown>, callId: string, from: string) {
  const { status, body } = await retellToolCall(stack, retell, name, args, callId, from);
  expect(status).toBe(200);
  return body;
}

async function bookAt(day: string, time: string, from: string) {
  const start = zonedInstant(day, time, TZ).toISOString();
  const booked = await tool("book_appointment", { service_type: "Consultation", start, name: "Jordan Lee", email: `${from.slice(-4)}@example.com` }, newCallId(), from);
  expect(booked.reference, booked.result).toBeTruthy();
  return { start, reference: booked.reference as string, bookingId: booked.bookingId as string };
}

beforeAll(async () => {
  stack = await startStack();
  portalId = await stack.install();
  retell = await stack.connect(portalId, "retell");
  await applyBookingSetup(stack.app.runtime.db, portalId, SETUP);
});
afterAll(async () => stack?.stop());

describe("call 06 as a caller makes it: availability first, then the move", () => {
  it("moves the booking into a slot this call was just offered (and held)", async () => {
    const caller = "+13125550611";
    const booking = await bookAt(inDays(2), "10:00", caller);
    const callId = newCallId();
    const offer = await tool("check_availability", { service_type: "Consultation", date: inDays(3), time_window: "afternoon" }, callId, caller);
    expect(offer.slots.length).toBeGreaterThanOrEqual(2);
    const chosen = offer.slots[1].start as string;
    const moved = await tool("reschedule_appointment", { new_start: chosen, booking_id: booking.reference }, callId, caller);
    expect(moved.result).toMatch(/moved to/);
    expect(moved.bookingId).toBe(booking.bookingId);
    const row = await stack.app.runtime.db.booking.findUniqueOrThrow({ where: { id: booking.bookingId } });
    expect(row.startAt.toISOString()).toBe(chosen);
    // The call's other held slots are released, as after a booking.
    expect(await stack.app.runtime.db.booking.count({ where: { portalId, status: "held", vendorCallId: callId } })).toBe(0);
  });

  it("a move into a time another caller took offers alternatives, never the booking's own time", async () => {
    const caller = "+13125550612";
    const day = inDays(4);
    // The booking holds the first opening of the day, so its own time would lead the alternatives.
    const own = await bookAt(day, "09:00", caller);
    const taken = await bookAt(day, "09:30", "+13125550613");
    const answer = await tool("reschedule_appointment", { new_start: taken.start, booking_id: own.reference }, newCallId(), caller);
    expect(answer.error).toBe("slot_taken");
    expect(answer.slots.length).toBeGreaterThan(0);
    expect(answer.slots.map((s: { start: string }) => s.start)).not.toContain(own.start);
    const row = await stack.app.runtime.db.booking.findUniqueOrThrow({ where: { id: own.bookingId } });
    expect(row.startAt.toISOString()).toBe(own.start);
  });
});
