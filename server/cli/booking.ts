import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Runtime } from "../runtime.js";
import { applyBookingSetup, BookingSetupError } from "../booking/setup.js";
import { recordAudit } from "../audit/audit.js";
import { storeWebhookKey, webhookKeyRefusal } from "../booking/scheduling-setup.js";

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
  const result = await applyBookingSetup(rt.db, o.portal, json);
  await recordAudit(rt.db, o.portal, { source: "cli" }, { action: "booking.set_up", details: result });
  // Staff on Google or Microsoft get a link to connect their calendar (they are offered once connected).
  const staff = await rt.db.staffMember.findMany({ where: { portalId: o.portal, calendar: { not: "builtin" } }, include: { calendarConnection: true } });
  const calendars = [];
  for (const member of staff) {
    if (member.calendarConnection?.status === "connected" && member.calendarConnection.provider === member.calendar) {
      // A scheduling system's types are checked against the new mapping now (else when they connect).
      const types = await rt.calendars.checkTypes(member).catch((error: Error) => [{ problem: `the mapping could not be checked: ${error.message}` }]);
      calendars.push({ staff: member.email, calendar: member.calendar, status: "connected", ...(types.length ? { types } : {}) });
      continue;
    }
    // A HubSpot meeting link rides on the app's own install: connected now, or the reason it cannot be.
    if (rt.calendars.onInstall(member)) {
      const connected = await rt.calendars.connectPortal(member).then(
        ({ types }) => ({ status: "connected", links: types.length }),
        (error: Error) => ({ status: "not_connected", problem: (error as { reason?: string }).reason ?? error.message }),
      );
      calendars.push({ staff: member.email, calendar: member.calendar, ...connected });
      continue;
    }
    const connectUrl = await rt.calendars.connectUrl(member).catch((error: Error) => {
      throw new BookingSetupError(error.message);
    });
    calendars.push({ staff: member.email, calendar: member.calendar, status: "not_connected", connectUrl });
  }
  return { portalId: o.portal, ...result, calendars };
}

/** booking connect --portal <id> --staff <email>: a fresh link for a staff member to connect their calendar. */
export async function bookingConnect(rt: Runtime, args: string[]): Promise<unknown> {
  const o = option(args, ["portal", "staff"]);
  if (!o.portal || !o.staff) throw new BookingSetupError("booking connect needs --portal <id> and --staff <email>");
  const member = await rt.db.staffMember.findUnique({ where: { portalId_email: { portalId: o.portal, email: o.staff } } });
  if (!member) throw new BookingSetupError(`no staff member ${o.staff} in portal ${o.portal}: run booking setup first`);
  let connectUrl: string;
  try {
    connectUrl = await rt.calendars.connectUrl(member);
  } catch (error) {
    throw new BookingSetupError((error as Error).message);
  }
  await recordAudit(rt.db, o.portal, { source: "cli" }, { action: "booking.connect_link_created", target: member.id, details: { staff: member.name, provider: member.calendar } });
  return { staff: member.email, calendar: member.calendar, connectUrl };
}

/** booking list --portal <id>: every held/confirmed/cancelled booking, soonest first. */
export async function bookingList(rt: Runtime, args: string[]): Promise<unknown> {
  const o = option(args, ["portal"]);
  if (!o.portal) throw new BookingSetupError("booking list needs --portal <id>");
  const bookings = await rt.db.booking.findMany({ where: { portalId: o.portal, status: { not: "held" } }, include: { staff: true, serviceType: true }, orderBy: { startAt: "asc" } });
  return bookings.map((b) => ({
    id: b.id,
    reference: b.reference,
    start: b.startAt.toISOString(),
    end: b.endAt.toISOString(),
    status: b.status,
    service: b.serviceType.name,
    contact: { hubspotContactId: b.contactId, name: b.callerName, phone: b.callerPhone, email: b.callerEmail },
    staff: { name: b.staff.name, email: b.staff.email },
    calendar: { provider: b.staff.calendar, eventId: b.externalEventId },
    hubspotMeetingId: b.hubspotMeetingId,
    hubspotMeetingSynced: b.meetingSyncedVersion >= b.meetingVersion,
    hubspotMeetingError: b.meetingError,
    history: b.history,
  }));
}

/** booking webhook-key --portal <id> --staff <email> (secret on stdin or in a file): the key the staff member's provider signs webhooks with (Acuity: the account's API key). */
export async function bookingWebhookKey(rt: Runtime, args: string[], key: string | undefined): Promise<unknown> {
  const o = option(args, ["portal", "staff"]);
  if (!o.portal || !o.staff || !key) throw new BookingSetupError("booking webhook-key needs --portal <id>, --staff <email> and the key (--secret-file <path> or --secret-stdin)");
  const member = await rt.db.staffMember.findUnique({ where: { portalId_email: { portalId: o.portal, email: o.staff } } });
  if (!member) throw new BookingSetupError(`no staff member ${o.staff} in portal ${o.portal}: run booking setup first`);
  // The same rule as the settings page: only a key of the account's own (Acuity's API key) is given by a person.
  const stored = await storeWebhookKey(rt, member, key);
  if (stored.outcome !== "stored") throw new BookingSetupError(webhookKeyRefusal(member, stored));
  await recordAudit(rt.db, o.portal, { source: "cli" }, { action: "booking.webhook_key_set", target: member.id, details: { staff: member.name, provider: member.calendar } });
  return { staff: member.email, calendar: member.calendar, webhookKey: "stored" };
}
