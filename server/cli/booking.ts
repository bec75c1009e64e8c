import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Runtime } from "../runtime.js";
import { applyBookingSetup, BookingSetupError } from "../booking/setup.js";

function option(args: string[], names: string[]): Record<string, string | undefined> {
  try {
    return parseArgs({ args, options: Object.fromEntries(names.map((n) => [n, { type: "string" as const }])), strict: true }).values as Record<string, string | undefined>;
  } catch (error) {
    throw new BookingSetupError((error as Error).message);
  }
}

/** booking setup --portal <id> --file <json> */
export async function bookingSetup(rt: Runtime, args: string[]): Promise<unknown> {
  const o = option(args, ["portal", "file"]);
  if (!o.portal || !o.file) throw new BookingSetupError("booking setup needs --portal <id> and --file <json>");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(o.file, "utf8"));
  } catch (error) {
    throw new BookingSetupError(`cannot read ${o.file}: ${(error as Error).message}`);
  }
  if (!(await rt.db.portal.findUnique({ where: { id: o.portal } }))) throw new BookingSetupError(`portal ${o.portal} has not installed the app`);
  return { portalId: o.portal, ...(await applyBookingSetup(rt.db, o.portal, json)) };
}

/** booking list --portal <id>: every held/confirmed/cancelled booking, soonest first. */
export async function bookingList(rt: Runtime, args: string[]): Promise<unknown> {
  const o = option(args, ["portal"]);
  if (!o.portal) throw new BookingSetupError("booking list needs --portal <id>");
  const bookings = await rt.db.booking.findMany({ where: { portalId: o.portal, status: { not: "held" } }, include: { staff: true, serviceType: true }, orderBy: { startAt: "asc" } });
  return bookings.map((b) => ({
    id: b.id,
    start: b.startAt.toISOString(),
    end: b.endAt.toISOString(),
    status: b.status,
    service: b.serviceType.name,
    contact: { hubspotContactId: b.contactId, name: b.callerName, phone: b.callerPhone, email: b.callerEmail },
    staff: { name: b.staff.name, email: b.staff.email },
    hubspotMeetingId: b.hubspotMeetingId,
    history: b.history,
  }));
}
