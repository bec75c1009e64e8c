import { z } from "zod";
import type { Db } from "../db/client.js";
import { isValidTimeZone } from "./time.js";
import { staffMemberSchema } from "./setup.js";

// The business's booking set-up as the settings page edits it: the time zone (saving it first is what
// sets booking up) and the staff list, each member with hours, breaks, days off and calendar. The CLI
// set-up file writes the same rows (setup.ts).

export const businessSettingsSchema = z.object({
  timezone: z.string({ error: "choose the business's time zone" }).refine(isValidTimeZone, "not an IANA time zone (e.g. America/Los_Angeles)"),
});

/** Sets booking up for the portal, or changes its time zone (staff keep their own zones). */
export async function saveBusinessSettings(db: Db, portalId: string, settings: z.output<typeof businessSettingsSchema>): Promise<{ created: boolean }> {
  const existing = await db.bookingSettings.findUnique({ where: { portalId } });
  await db.bookingSettings.upsert({ where: { portalId }, create: { portalId, timezone: settings.timezone }, update: { timezone: settings.timezone } });
  return { created: !existing };
}

export const staffListSchema = z.object({
  staff: z
    .array(staffMemberSchema)
    .max(100, "at most 100 staff members")
    .superRefine((staff, ctx) => {
      const seen = new Set<string>();
      staff.forEach((member, index) => {
        const email = member.email.toLowerCase();
        if (seen.has(email)) ctx.addIssue({ code: "custom", path: [index, "email"], message: `${member.email} is listed twice` });
        seen.add(email);
      });
    }),
});
export type StaffList = z.output<typeof staffListSchema>["staff"];

export type ReplaceStaffOutcome =
  | { outcome: "saved"; created: number; updated: number; deleted: number }
  | { outcome: "not_set_up" }
  | { outcome: "in_use"; staff: string; confirmed: number; held: number };

/**
 * Replace the portal's staff with the settings page's list, matched by e-mail (ignoring case). A
 * member left out is removed unless a caller is booked with them ahead or being booked right now; the
 * caller disconnects the removed members' calendars first (staffToRemove).
 */
export async function replaceStaff(db: Db, portalId: string, staff: StaffList, now = new Date()): Promise<ReplaceStaffOutcome> {
  return db.$transaction(async (tx): Promise<ReplaceStaffOutcome> => {
    // 1. Saves of one portal's set-up queue behind each other on its settings row.
    const settings = await tx.$queryRaw<{ timezone: string }[]>`SELECT "timezone" FROM "BookingSettings" WHERE "portalId" = ${portalId} FOR UPDATE`;
    if (settings.length === 0) return { outcome: "not_set_up" };
    const businessZone = settings[0]!.timezone;
    const existing = await tx.staffMember.findMany({ where: { portalId } });
    const byEmail = new Map(existing.map((m) => [m.email.toLowerCase(), m]));
    const kept = new Set(staff.map((m) => m.email.toLowerCase()));

    // 2. Members left out: locked, expired holds cleared, refused while anything is ahead with them.
    const removed = existing.filter((m) => !kept.has(m.email.toLowerCase())).sort((a, b) => a.name.localeCompare(b.name));
    if (removed.length) {
      const ids = removed.map((m) => m.id);
      await tx.$queryRaw`SELECT "id" FROM "StaffMember" WHERE "id" = ANY(${ids}) FOR UPDATE`;
      await tx.booking.deleteMany({ where: { staffId: { in: ids }, status: "held", holdExpiresAt: { lte: now } } });
      const blocker = await removalBlocker(tx, removed, now);
      if (blocker) return blocker;
      await tx.staffMember.deleteMany({ where: { id: { in: ids } } });
    }

    // 3. Update the kept ones, create the new ones.
    let created = 0;
    for (const member of staff) {
      const data = {
        name: member.name,
        calendar: member.calendar,
        timezone: member.timezone ?? byEmail.get(member.email.toLowerCase())?.timezone ?? businessZone,
        hours: member.hours,
        breaks: member.breaks,
        daysOff: [...new Set(member.daysOff)].sort(),
        hubspotOwnerId: member.hubspotOwnerId ?? null,
      };
      const row = byEmail.get(member.email.toLowerCase());
      if (row && row.calendar !== member.calendar) {
        // A mapping names the types of one calendar (Acuity's ids mean nothing to Calendly): a new calendar starts unmapped.
        await tx.staffServiceType.deleteMany({ where: { staffId: row.id } });
        await tx.staffMember.update({ where: { id: row.id }, data: { ...data, externalCalendarId: null } });
      } else if (row) await tx.staffMember.update({ where: { id: row.id }, data });
      else {
        await tx.staffMember.create({ data: { portalId, email: member.email, ...data } });
        created++;
      }
    }
    return { outcome: "saved", created, updated: staff.length - created, deleted: removed.length };
  });
}

type Tx = Pick<Db, "booking">;

/** The first of these members who still has a booking ahead (or a caller being booked), or null. */
async function removalBlocker(db: Tx, members: { id: string; name: string }[], now: Date): Promise<Extract<ReplaceStaffOutcome, { outcome: "in_use" }> | null> {
  const ahead = await db.booking.groupBy({ by: ["staffId", "status"], where: { staffId: { in: members.map((m) => m.id) }, OR: [{ status: "confirmed", endAt: { gt: now } }, { status: "held", holdExpiresAt: { gt: now } }] }, _count: { _all: true } });
  const busy = members.find((m) => ahead.some((a) => a.staffId === m.id));
  if (!busy) return null;
  const count = (status: string) => ahead.find((a) => a.staffId === busy.id && a.status === status)?._count._all ?? 0;
  return { outcome: "in_use", staff: busy.name, confirmed: count("confirmed"), held: count("held") };
}

/**
 * The staff members a save would remove, when none of them has anything ahead (their calendars are
 * disconnected before the save, which checks again under its lock); the refusal otherwise.
 */
export async function staffToRemove(db: Db, portalId: string, staff: StaffList, now = new Date()): Promise<{ ids: string[] } | Extract<ReplaceStaffOutcome, { outcome: "in_use" }>> {
  const kept = new Set(staff.map((m) => m.email.toLowerCase()));
  const leaving = (await db.staffMember.findMany({ where: { portalId }, select: { id: true, email: true, name: true } })).filter((m) => !kept.has(m.email.toLowerCase()));
  return (await removalBlocker(db, leaving, now)) ?? { ids: leaving.map((m) => m.id) };
}
