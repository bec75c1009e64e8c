import { z } from "zod";
import type { Db } from "../db/client.js";
import { isValidTimeZone } from "./time.js";

// A portal's booking set-up: time zone, service types with durations, staff with working hours.
// Written by `npm run cli -- booking setup --file <json>` (and later the settings page).

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'times are "HH:MM", 24-hour');
const timeZone = z.string().refine(isValidTimeZone, "not an IANA time zone (e.g. America/Los_Angeles)");
const day = z.tuple([hhmm, hhmm]).refine(([from, to]) => from < to, "the day must end after it starts");

export const bookingSetupSchema = z.object({
  timezone: timeZone,
  holdMinutes: z.number().int().min(1).max(30).default(5),
  slotStepMinutes: z.number().int().min(5).max(240).default(30),
  leadMinutes: z.number().int().min(0).max(7 * 24 * 60).default(60),
  services: z
    .array(
      z.object({
        name: z.string().trim().min(1),
        durationMinutes: z.number().int().min(5).max(12 * 60),
        bufferMinutes: z.number().int().min(0).max(240).default(0),
        aliases: z.array(z.string().trim().min(1)).default([]),
        reminderMinutes: z.array(z.number().int().min(0)).default([1440, 60]),
      }),
    )
    .min(1, "at least one service"),
  staff: z
    .array(
      z.object({
        name: z.string().trim().min(1),
        email: z.email(),
        calendar: z.enum(["builtin", "google", "microsoft"]).default("builtin"),
        timezone: timeZone.optional(),
        hubspotOwnerId: z.string().regex(/^\d+$/).optional(),
        hours: z.object({ mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day }).partial(),
      }),
    )
    .min(1, "at least one staff member"),
});

export type BookingSetup = z.input<typeof bookingSetupSchema>;

export class BookingSetupError extends Error {}

/** Replace the portal's services and staff with the given set-up (existing bookings are kept). */
export async function applyBookingSetup(db: Db, portalId: string, input: unknown): Promise<{ services: number; staff: number }> {
  const parsed = bookingSetupSchema.safeParse(input);
  if (!parsed.success) throw new BookingSetupError(parsed.error.issues.map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`).join("; "));
  const setup = parsed.data;
  await db.$transaction(async (tx) => {
    const settings = { timezone: setup.timezone, holdMinutes: setup.holdMinutes, slotStepMinutes: setup.slotStepMinutes, leadMinutes: setup.leadMinutes };
    await tx.bookingSettings.upsert({ where: { portalId }, create: { portalId, ...settings }, update: settings });
    for (const service of setup.services) {
      const data = { durationMinutes: service.durationMinutes, bufferMinutes: service.bufferMinutes, aliases: service.aliases, reminderMinutes: service.reminderMinutes };
      await tx.serviceType.upsert({ where: { portalId_name: { portalId, name: service.name } }, create: { portalId, name: service.name, ...data }, update: data });
    }
    for (const member of setup.staff) {
      const data = { name: member.name, calendar: member.calendar, timezone: member.timezone ?? setup.timezone, hours: member.hours, hubspotOwnerId: member.hubspotOwnerId ?? null };
      await tx.staffMember.upsert({ where: { portalId_email: { portalId, email: member.email } }, create: { portalId, email: member.email, ...data }, update: data });
    }
  });
  return { services: setup.services.length, staff: setup.staff.length };
}
