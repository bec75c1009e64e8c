import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { newCallId } from "../support/payloads.js";
import { retellToolCall } from "../support/tools.js";
import { applyBookingSetup } from "../../server/booking/setup.js";
import { addDays, localDate, zonedInstant } from "../../server/booking/time.js";
import { Scheduler } from "../../server/booking/scheduler.js";

// Booking references over the live tools (security audit): a reference is spoken to the caller,
// matched exactly (never as a prefix or a pattern), only for the caller's own phone, and a call gets
// a bounded number of failed lookups.

const TZ = "America/Los_Angeles";
const EVERY_DAY = { mon: ["09:00", "17:00"], tue: ["09:00", "17:00"], wed: ["09:00", "17:00"], thu: ["09:00", "17:00"], fri: ["09:00", "17:00"], sat: ["09:00", "17:00"], sun: ["09:00", "17:00"] };
const SETUP = {
  timezone: TZ,
  services: [{ name: "Consultation", durationMinutes: 30, aliases: ["consult"] }],
  staff: [{ name: "Alex Rivera", email: "alex@example.com", calendar: "builtin", hours: EVERY_DAY }],
};
const CALLER_A = "+14155550701";
const CALLER_B = "+14155550702";
const CALLBACK = "I can't find that booking. Someone from the team will call you back to help.";

let stack: Stack;
let portalId: string;
let retell: Connection;
const day = (n: number) => addDays(localDate(new Date(), TZ), n);
const at = (n: number, time: string) => zonedInstant(day(n), time, TZ).toISOString();

/** A Retell custom-function call; `from: null` is a withheld number. */
async function retellTool(name: string, args: Record<string, unknown>, callId: string, from: string | null) {
  return retellToolCall(stack, retell, name, args, callId, from);
}

async function book(start: string, from: string | null) {
  const booked = await retellTool("book_appointment", { service_type: "Consultation", start, name: "Dana Whitfield" }, newCallId(), from);
  expect(booked.body.bookingId).toBeTruthy();
  return booked.body as { bookingId: string; reference: string; result: string };
}

const row = (id: string) => stack.app.runtime.db.booking.findUniqueOrThrow({ where: { id } });

beforeAll(async () => {
  stack = await startStack();
  portalId = await stack.install();
  retell = await stack.connect(portalId, "retell");
  await applyBookingSetup(stack.app.runtime.db, portalId, SETUP);
});
afterAll(async () => stack?.stop());

describe("booking references", () => {
  it("a reference is 8 characters from an alphabet that is easy to say, spoken separated and returned in data", async () => {
    const booked = await book(at(2, "09:00"), CALLER_A);
    expect(booked.reference).toMatch(/^[HKMQRWXY4679]{8}$/);
    const spoken = `${booked.reference.slice(0, 4).split("").join(" ")}, ${booked.reference.slice(4).split("").join(" ")}`;
    expect(booked.result).toContain(`Your booking reference is ${spoken}.`);
    expect((await row(booked.bookingId)).reference).toBe(booked.reference);
  });

  it("caller B cannot cancel or reschedule caller A's booking: not with a prefix of its id nor a LIKE wildcard", async () => {
    const a = await book(at(2, "10:00"), CALLER_A);
    const before = await row(a.bookingId);
    for (const guess of [a.bookingId.slice(0, 1), a.bookingId.slice(0, 8), "%", "_", "%%", "________"]) {
      const cancel = await retellTool("cancel_appointment", { booking_id: guess, reason: "not mine" }, newCallId(), CALLER_B);
      expect(cancel.body.result, `cancel with ${guess}`).not.toMatch(/is cancelled/);
      const move = await retellTool("reschedule_appointment", { booking_id: guess, new_start: at(3, "15:00") }, newCallId(), CALLER_B);
      expect(move.body.result, `reschedule with ${guess}`).not.toMatch(/moved to/);
    }
    const after = await row(a.bookingId);
    expect(after.status).toBe("confirmed");
    expect(after.startAt).toEqual(before.startAt);
    expect(after.history).toEqual(before.history);
  });

  it("caller B cannot use A's full reference either: the same answer as a reference that does not exist", async () => {
    const a = await book(at(2, "11:00"), CALLER_A);
    for (const guess of [a.reference.slice(0, 1), a.reference, a.reference.toLowerCase()]) {
      const cancel = await retellTool("cancel_appointment", { booking_id: guess }, newCallId(), CALLER_B);
      expect(cancel.body.result, `cancel with ${guess}`).not.toMatch(/is cancelled/);
    }
    expect((await row(a.bookingId)).status).toBe("confirmed");
    const theirs = await retellTool("cancel_appointment", { booking_id: a.reference }, newCallId(), CALLER_B);
    const madeUp = await retellTool("cancel_appointment", { booking_id: a.reference.split("").reverse().join("") }, newCallId(), CALLER_B);
    expect(theirs.body.error).toBe(madeUp.body.error);
    expect(theirs.body.result).toMatch(/^I couldn't find a booking with reference .+\. Could you read it to me again\?$/);
    expect(theirs.body.result.replace(/reference .+\./, "")).toBe(madeUp.body.result.replace(/reference .+\./, ""));
  });

  it("A's exact reference from A's phone works, read with spaces, dashes, dots or in lower case", async () => {
    const a = await book(at(2, "12:00"), CALLER_A);
    const spaced = a.reference.toLowerCase().split("").join(" ");
    const moved = await retellTool("reschedule_appointment", { booking_id: spaced, new_start: at(3, "10:00") }, newCallId(), CALLER_A);
    expect(moved.body.result).toMatch(/moved to/);
    expect(moved.body.bookingId).toBe(a.bookingId);
    const dashed = `${a.reference.slice(0, 4)}-${a.reference.slice(4, 6)}.${a.reference.slice(6)}`;
    const cancelled = await retellTool("cancel_appointment", { booking_id: dashed }, newCallId(), CALLER_A);
    expect(cancelled.body.result).toMatch(/is cancelled/);
    expect((await row(a.bookingId)).status).toBe("cancelled");
  });

  it("after 3 failed lookups in one call the 4th, even with the right reference, gets the callback sentence", async () => {
    const a = await book(at(4, "09:00"), CALLER_A);
    const callId = newCallId();
    const first = await retellTool("cancel_appointment", { booking_id: "KKKK KKKK" }, callId, CALLER_A);
    expect(first.body.result).toBe("I couldn't find a booking with reference K K K K, K K K K. Could you read it to me again?");
    const second = await retellTool("cancel_appointment", { booking_id: "2" }, callId, CALLER_A);
    expect(second.body.result).toMatch(/Could you read it to me again\?$/);
    const third = await retellTool("reschedule_appointment", { booking_id: "%", new_start: at(5, "10:00") }, callId, CALLER_A);
    expect(third.body.result).toBe(CALLBACK);
    const fourth = await retellTool("cancel_appointment", { booking_id: a.reference }, callId, CALLER_A);
    expect(fourth.body.result).toBe(CALLBACK);
    expect((await row(a.bookingId)).status).toBe("confirmed");
    // The bound is per call: the next call with the right reference is answered.
    const nextCall = await retellTool("cancel_appointment", { booking_id: a.reference }, newCallId(), CALLER_A);
    expect(nextCall.body.result).toMatch(/is cancelled/);
  });

  it("a withheld number reaches only bookings made without a number; a booking made from a number needs that number", async () => {
    const fromPhone = await book(at(4, "11:00"), CALLER_A);
    const withheld = await retellTool("cancel_appointment", { booking_id: fromPhone.reference }, newCallId(), null);
    expect(withheld.body.result).toMatch(/^I couldn't find a booking with reference .+\. Your number is withheld on this call, and a booking made from a phone number can only be changed when you call from that number\./);
    expect((await row(fromPhone.bookingId)).status).toBe("confirmed");
    const anonymous = await book(at(4, "12:00"), null);
    const cancelled = await retellTool("cancel_appointment", { booking_id: anonymous.reference }, newCallId(), null);
    expect(cancelled.body.result).toMatch(/is cancelled/);
  });

  it("without a reference, cancel and reschedule still find the caller's next booking by phone", async () => {
    const callerC = "+14155550703";
    const c = await book(at(6, "09:00"), callerC);
    const moved = await retellTool("reschedule_appointment", { new_start: at(6, "14:00") }, newCallId(), callerC);
    expect(moved.body.bookingId).toBe(c.bookingId);
    const cancelled = await retellTool("cancel_appointment", {}, newCallId(), callerC);
    expect(cancelled.body.result).toMatch(/is cancelled/);
    expect((await row(c.bookingId)).status).toBe("cancelled");
  });

  it("a reference already in use in the portal is drawn again, on a new booking and on a held slot", async () => {
    const taken = "HKMQRWXY";
    const draws = [taken, taken, "KKKKMMMM", taken, "MMMMKKKK"];
    const scheduler = new Scheduler(stack.app.runtime.db, { newReference: () => draws.shift()! });
    const caller = (phone: string) => ({ portalId, connectionId: retell.id, vendorCallId: newCallId(), phone });
    const first = await scheduler.book(caller("+14155550704"), { service_type: "Consultation", start: at(7, "09:00") });
    expect(first.data!.reference).toBe(taken);
    const second = await scheduler.book(caller("+14155550705"), { service_type: "Consultation", start: at(7, "10:00") });
    expect(second.data!.reference).toBe("KKKKMMMM");
    const holder = caller("+14155550706");
    const offer = await scheduler.checkAvailability(holder, { service_type: "Consultation", date: day(8) });
    const slot = (offer.data!.slots as { start: string }[])[0]!.start;
    const third = await scheduler.book(holder, { service_type: "Consultation", start: slot });
    expect(third.data!.reference).toBe("MMMMKKKK");
    expect(await stack.app.runtime.db.booking.count({ where: { portalId, reference: taken } })).toBe(1);
  });
});
