import { startStack } from "../test/support/harness.js";
import { newCallId } from "../test/support/payloads.js";
import { applyBookingSetup } from "../server/booking/setup.js";
import { addDays, localDate, zonedInstant } from "../server/booking/time.js";
import { getVendor } from "../server/vendors/registry.js";
import { percentile, printTable } from "./support.js";

// Booking latency from our side through the live tool endpoint (Retell format, signed), on the
// built-in calendar (no provider latency to subtract), and a booking race: 200 concurrent attempts
// over 50 slots.   npm run bench:booking

const TZ = "America/Los_Angeles";
const HOURS = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ["09:00", "17:00"]]));

async function main() {
  const stack = await startStack({ role: "web" });
  const portalId = await stack.install();
  const retell = await stack.connect(portalId, "retell");
  await applyBookingSetup(stack.app.runtime.db, portalId, {
    timezone: TZ,
    services: [{ name: "Consultation", durationMinutes: 30 }],
    staff: Array.from({ length: 3 }, (_, i) => ({ name: `Staff ${i + 1}`, email: `staff${i + 1}@example.com`, calendar: "builtin" as const, hours: HOURS })),
  });
  const tool = async (name: string, args: Record<string, unknown>, callId: string, from: string) => {
    const body = Buffer.from(JSON.stringify({ name, call: { call_id: callId, from_number: from }, args }));
    const headers = await getVendor("retell").sign(body, retell.secret, Date.now());
    const started = performance.now();
    const response = await fetch(`${stack.url}/tools/${retell.token}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: new Uint8Array(body) });
    const json = (await response.json()) as Record<string, any>;
    return { ms: performance.now() - started, json };
  };
  const today = localDate(new Date(), TZ);

  // 1. 20 concurrent callers, each: check availability, then book the first offered slot. 5 rounds.
  const availability: number[] = [];
  const booking: number[] = [];
  for (let round = 0; round < 5; round++) {
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const callId = newCallId("bench");
        const from = `+1415555${String(1000 + round * 20 + i)}`;
        const offer = await tool("check_availability", { service_type: "consultation", date: addDays(today, 1 + round) }, callId, from);
        availability.push(offer.ms);
        const slot = offer.json.slots?.[0];
        if (slot) booking.push((await tool("book_appointment", { service_type: "Consultation", start: slot.start }, callId, from)).ms);
      }),
    );
  }
  printTable("Tool latency from our side, 20 concurrent calls (built-in calendar: no provider latency)", [
    { tool: "check_availability", calls: availability.length, "p50 ms": percentile(availability, 50), "p95 ms": percentile(availability, 95), "max ms": percentile(availability, 100) },
    { tool: "book_appointment", calls: booking.length, "p50 ms": percentile(booking, 50), "p95 ms": percentile(booking, 95), "max ms": percentile(booking, 100) },
  ]);

  // 2. 200 concurrent attempts over 50 slots (one staff member's worth: use a portal with one).
  const race = await stack.install();
  await applyBookingSetup(stack.app.runtime.db, race, { timezone: TZ, services: [{ name: "Consultation", durationMinutes: 30 }], staff: [{ name: "Solo", email: "solo@example.com", calendar: "builtin", hours: HOURS }] });
  const raceConnection = await stack.connect(race, "retell");
  retell.token = raceConnection.token;
  retell.secret = raceConnection.secret;
  const slots = Array.from({ length: 50 }, (_, i) => zonedInstant(addDays(today, 10 + Math.floor(i / 16)), `${String(9 + Math.floor((i % 16) / 2)).padStart(2, "0")}:${i % 2 ? "30" : "00"}`, TZ).toISOString());
  const attempts = Array.from({ length: 200 }, (_, i) => slots[i % 50]!);
  const raceMs: number[] = [];
  let succeeded = 0;
  await Promise.all(
    attempts.map(async (start, i) => {
      const result = await tool("book_appointment", { service_type: "Consultation", start }, newCallId("race"), `+1415556${String(1000 + i)}`);
      raceMs.push(result.ms);
      if (result.json.bookingId) succeeded++;
    }),
  );
  const confirmed = await stack.app.runtime.db.booking.findMany({ where: { portalId: race, status: "confirmed" }, orderBy: { startAt: "asc" } });
  let overlaps = 0;
  for (let i = 1; i < confirmed.length; i++) if (confirmed[i]!.startAt < confirmed[i - 1]!.blockEndAt) overlaps++;
  printTable("200 concurrent booking attempts over 50 slots", [{ attempts: 200, "successful bookings": succeeded, "confirmed rows": confirmed.length, "double bookings": overlaps, "p50 ms": percentile(raceMs, 50), "p95 ms": percentile(raceMs, 95) }]);
  await stack.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
