import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack, type Connection, type Stack } from "../support/harness.js";
import { newCallId } from "../support/payloads.js";
import { retellToolCall } from "../support/tools.js";
import { addDays, localDate, zonedInstant } from "../../server/booking/time.js";
import { bookingSetup, bookingWebhookKey } from "../../server/cli/booking.js";
import { startAcuitySim, type AcuitySim } from "../../simulators/acuity/index.js";

// Two staff members in one Acuity account, each on their own calendar there (the set-up's
// acuity.calendarId). Acuity's webhooks are the account's: every appointment is delivered to both
// staff members' channels. An appointment on one calendar is not busy time of the other, so it must
// neither hide the other's openings nor flag the other's booking at that time as a double booking.
// (Found by bench/booking.ts: with three staff in one account, every booking became busy time of the
// two others.)

const TZ = "America/Los_Angeles";
const EVERY_DAY = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ["09:00", "17:00"]]));
const ACUITY_HOURS = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, [["09:00", "17:00"]]]));
const STAFF = [
  { name: "Morgan Lee", email: "morgan.lee@example.com" },
  { name: "Sam Ortiz", email: "sam.ortiz@example.com" },
];

describe("staff on calendars of one Acuity account", () => {
  let sim: AcuitySim;
  let stack: Stack;
  let portalId: string;
  let retell: Connection;
  const day = (offset: number) => addDays(localDate(new Date(), TZ), offset);
  const db = () => stack.app.runtime.db;
  const staff = (email: string) => db().staffMember.findFirstOrThrow({ where: { portalId, email } });

  beforeAll(async () => {
    sim = await startAcuitySim({ timezone: TZ, calendars: STAFF.map((s) => ({ ...s, hours: ACUITY_HOURS })), appointmentTypes: [{ name: "Consultation", duration: 30 }] });
    const config = sim.config();
    stack = await startStack({ env: { ACUITY_CLIENT_ID: config.clientId, ACUITY_CLIENT_SECRET: config.clientSecret, ACUITY_API_BASE_URL: config.apiBaseUrl, ACUITY_AUTH_BASE_URL: config.oauthBaseUrl } });
    stack.app.runtime.env.CALENDAR_PUSH_BASE_URL = stack.url;
    portalId = await stack.install();
    retell = await stack.connect(portalId, "retell");
    const type = sim.appointmentTypes()[0]!.id;
    const file = join(tmpdir(), `booking-acuity-shared-${Date.now()}.json`);
    const members = STAFF.map((s, i) => ({ ...s, calendar: "acuity", hours: EVERY_DAY, acuity: { calendarId: sim.calendars()[i]!.id, appointmentTypes: { Consultation: type } } }));
    writeFileSync(file, JSON.stringify({ timezone: TZ, services: [{ name: "Consultation", durationMinutes: 30 }], staff: members }));
    const setup = (await bookingSetup(stack.app.runtime, ["--portal", portalId, "--file", file])) as { calendars: { connectUrl?: string }[] };
    for (const [i, calendar] of setup.calendars.entries()) {
      const back = new URL((await fetch(calendar.connectUrl!, { redirect: "manual" })).headers.get("location")!);
      expect((await fetch(`${stack.url}${back.pathname}${back.search}`)).status).toBe(200);
      await bookingWebhookKey(stack.app.runtime, ["--portal", portalId, "--staff", STAFF[i]!.email], config.apiKey);
    }
  });
  afterAll(async () => {
    await stack?.stop();
    await sim?.stop();
  });

  it("an appointment made in Acuity on one staff member's calendar is busy time of that staff member only", async () => {
    const [morgan, sam] = [await staff(STAFF[0]!.email), await staff(STAFF[1]!.email)];
    const start = zonedInstant(day(3), "10:00", TZ);
    const direct = sim.bookDirect({ datetime: start.toISOString().replace(".000Z", "Z"), appointmentTypeID: sim.appointmentTypes()[0]!.id, calendarID: sim.calendars()[0]!.id });
    await stack.waitFor(() => db().externalBusy.findFirst({ where: { staffId: morgan.id, eventId: String(direct.id) } }), { what: "Morgan's busy time", timeoutMs: 3_000 });
    // Both channels got the delivery; Sam's has been applied too by the time the sim has sent it.
    await sim.settle();
    expect(await db().externalBusy.findMany({ where: { staffId: sam.id } })).toEqual([]);
  });

  it("bookings of two staff members at the same time are not double bookings of either", async () => {
    const start = zonedInstant(day(4), "11:00", TZ);
    const book = (from: string, email: string) => retellToolCall(stack, retell, "book_appointment", { service_type: "Consultation", start: start.toISOString(), name: "Riley Chen", email }, newCallId(), from);
    expect((await book("+14155550681", "one@example.com")).body.bookingId).toBeDefined();
    expect((await book("+14155550682", "two@example.com")).body.bookingId).toBeDefined();
    await sim.settle();
    const confirmed = await db().booking.findMany({ where: { portalId, status: "confirmed", startAt: start } });
    expect(new Set(confirmed.map((b) => b.staffId)).size).toBe(2);
    expect(await db().externalBusy.findMany({ where: { staffId: { in: confirmed.map((b) => b.staffId) }, startAt: start } })).toEqual([]);
  });
});
