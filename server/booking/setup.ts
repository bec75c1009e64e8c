import { z } from "zod";
import type { Db } from "../db/client.js";
import { isValidTimeZone } from "./time.js";
import { describeIssues } from "../validation/issues.js";

// A portal's booking set-up: time zone, service types with durations, staff with working hours.
// Written by `npm run cli -- booking setup --file <json>`; the settings page edits the service types.

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'times are "HH:MM", 24-hour');
const timeZone = z.string().refine(isValidTimeZone, "not an IANA time zone (e.g. America/Los_Angeles)");
const day = z.tuple([hhmm, hhmm]).refine(([from, to]) => from < to, "the day must end after it starts");
const acuityId = z.union([z.number().int().positive(), z.string().regex(/^\d+$/)], { error: "an Acuity id is a number" }).transform(String);

/**
 * A staff member on Acuity: their calendar there, and which appointment type serves each service
 * (by service name). A service left out is not offered for them; the durations are checked against
 * Acuity's when they connect.
 */
const acuityMapping = z.object({
  calendarId: acuityId.optional(),
  appointmentTypes: z.record(z.string(), acuityId),
});

/** A Calendly event type: its URI (https://api.calendly.com/event_types/<uuid>) or its uuid; the uuid is stored. */
const calendlyEventType = z
  .string()
  .trim()
  .transform((ref) => ref.replace(/\/+$/, "").split("/").at(-1) ?? "")
  .refine((uuid) => /^[A-Za-z0-9-]{6,}$/.test(uuid), "a Calendly event type is its URI (https://api.calendly.com/event_types/...) or its uuid");

/** A staff member on Calendly: which of their event types serves each service (by service name); durations are checked when they connect. */
const calendlyMapping = z.object({ eventTypes: z.record(z.string(), calendlyEventType) });

/** A HubSpot meeting link: its slug ("jo-rivera" or "jo-rivera/intro"), or its address (https://meetings.hubspot.com/<slug>); the slug is stored. */
const meetingLink = z
  .string()
  .trim()
  .transform((ref) => ref.replace(/[?#].*$/, "").replace(/^https?:\/\/[^/]+\//i, "").replace(/^\/+|\/+$/g, ""))
  .refine((slug) => /^[A-Za-z0-9][A-Za-z0-9_-]*(\/[A-Za-z0-9_-]+)*$/.test(slug) && slug.length <= 200, "a meeting link is its slug (jo-rivera/intro) or its address (https://meetings.hubspot.com/...)");

/** A staff member on HubSpot's meeting links: which of the portal's links books each service (by service name). */
const hubspotMapping = z.object({ links: z.record(z.string(), meetingLink) });

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
const localDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day off is a date, "YYYY-MM-DD"').refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), "not a real date");

/**
 * One staff member: working hours per weekday (a weekday left out is a day off), breaks inside those
 * hours, dates off. The CLI set-up file and the settings page's staff list share it.
 */
export const staffMemberSchema = z
  .object({
    name: z.string().trim().min(1, "a staff member needs a name"),
    email: z.email("not an e-mail address"),
    calendar: z.enum(["builtin", "google", "microsoft", "acuity", "calendly", "hubspot"], { error: "the calendar is builtin, google, microsoft, acuity, calendly or hubspot (a HubSpot meeting link)" }).default("builtin"),
    timezone: timeZone.optional(),
    hubspotOwnerId: z.string().regex(/^\d+$/, "a HubSpot owner id is a number").optional(),
    hours: z.object({ mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day }).partial(),
    breaks: z.object(Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(day).max(4, "at most 4 breaks a day")])) as Record<(typeof WEEKDAYS)[number], z.ZodArray<typeof day>>).partial().default({}),
    daysOff: z.array(localDay).max(366, "at most 366 days off").default([]),
    /** Staff on Acuity: their Acuity calendar and which appointment type serves which service. */
    acuity: acuityMapping.optional(),
    /** Staff on Calendly: which event type serves which service. */
    calendly: calendlyMapping.optional(),
    /** Staff on HubSpot meeting links: which link books which service. */
    hubspot: hubspotMapping.optional(),
  })
  .superRefine((member, ctx) => {
    const mapped = (["acuity", "calendly", "hubspot"] as const).filter((key) => member[key]);
    if (mapped.length > 1) ctx.addIssue({ code: "custom", path: [mapped[1]!], message: `a staff member has one calendar: map one of ${mapped.join(" and ")}, not both` });
    for (const weekday of WEEKDAYS) {
      const hours = member.hours[weekday];
      (member.breaks[weekday] ?? []).forEach(([from, to], index) => {
        const where = { path: ["breaks", weekday, index] };
        if (!hours) ctx.addIssue({ code: "custom", ...where, message: `a break on ${weekday}, which has no working hours` });
        else if (from < hours[0] || to > hours[1]) ctx.addIssue({ code: "custom", ...where, message: `the break ${from}-${to} is outside ${weekday}'s hours ${hours[0]}-${hours[1]}` });
      });
    }
  });

export const bookingSetupSchema = z.object({
  timezone: timeZone,
  holdMinutes: z.number().int().min(1).max(30).default(5),
  slotStepMinutes: z.number().int().min(5).max(240).default(30),
  leadMinutes: z.number().int().min(0).max(7 * 24 * 60).default(60),
  services: z
    .array(
      z.object({
        name: z.string().trim().min(1, "a service type needs a name"),
        durationMinutes: z.number({ error: "the duration is a whole number of minutes" }).int("the duration is a whole number of minutes").min(5, "a service lasts at least 5 minutes").max(12 * 60, "a service lasts at most 720 minutes (12 hours)"),
        bufferMinutes: z.number({ error: "the buffer is a whole number of minutes" }).int("the buffer is a whole number of minutes").min(0, "the buffer cannot be negative").max(240, "the buffer is at most 240 minutes").default(0),
        aliases: z.array(z.string().trim().min(1, "an alias cannot be empty")).default([]),
        reminderMinutes: z.array(z.number({ error: "a reminder is a whole number of minutes before" }).int("a reminder is a whole number of minutes before").min(0, "a reminder cannot be after the start").max(40_320, "a reminder is at most 40320 minutes (4 weeks) before")).max(5, "at most 5 reminders").default([1440, 60]),
      }),
    )
    .min(1, "at least one service"),
  staff: z.array(staffMemberSchema).min(1, "at least one staff member"),
}).superRefine((setup, ctx) => {
  const names = new Set(setup.services.map((s) => s.name));
  setup.staff.forEach((member, index) => {
    for (const name of Object.keys(member.acuity?.appointmentTypes ?? {})) {
      if (!names.has(name)) ctx.addIssue({ code: "custom", path: ["staff", index, "acuity", "appointmentTypes", name], message: `"${name}" is not one of the services (${[...names].join(", ")})` });
    }
    for (const name of Object.keys(member.calendly?.eventTypes ?? {})) {
      if (!names.has(name)) ctx.addIssue({ code: "custom", path: ["staff", index, "calendly", "eventTypes", name], message: `"${name}" is not one of the services (${[...names].join(", ")})` });
    }
    for (const name of Object.keys(member.hubspot?.links ?? {})) {
      if (!names.has(name)) ctx.addIssue({ code: "custom", path: ["staff", index, "hubspot", "links", name], message: `"${name}" is not one of the services (${[...names].join(", ")})` });
    }
  });
});

export type BookingSetup = z.input<typeof bookingSetupSchema>;

export class BookingSetupError extends Error {}

/** Replace the portal's services and staff with the given set-up (existing bookings are kept). */
export async function applyBookingSetup(db: Db, portalId: string, input: unknown): Promise<{ services: number; staff: number }> {
  const parsed = bookingSetupSchema.safeParse(input);
  if (!parsed.success) throw new BookingSetupError(describeIssues(parsed.error.issues, "(file)"));
  const setup = parsed.data;
  await db.$transaction(async (tx) => {
    const settings = { timezone: setup.timezone, holdMinutes: setup.holdMinutes, slotStepMinutes: setup.slotStepMinutes, leadMinutes: setup.leadMinutes };
    await tx.bookingSettings.upsert({ where: { portalId }, create: { portalId, ...settings }, update: settings });
    for (const service of setup.services) {
      const data = { durationMinutes: service.durationMinutes, bufferMinutes: service.bufferMinutes, aliases: service.aliases, reminderMinutes: service.reminderMinutes };
      await tx.serviceType.upsert({ where: { portalId_name: { portalId, name: service.name } }, create: { portalId, name: service.name, ...data }, update: data });
    }
    const services = new Map((await tx.serviceType.findMany({ where: { portalId } })).map((s) => [s.name, s.id]));
    for (const member of setup.staff) {
      const data = { ...staffData(member, setup.timezone), externalCalendarId: member.acuity?.calendarId ?? null };
      const staff = await tx.staffMember.upsert({ where: { portalId_email: { portalId, email: member.email } }, create: { portalId, email: member.email, ...data }, update: data });
      // The mapping is replaced as a whole; its problems are found again when the calendar is checked.
      await tx.staffServiceType.deleteMany({ where: { staffId: staff.id } });
      const types = Object.entries(member.acuity?.appointmentTypes ?? member.calendly?.eventTypes ?? member.hubspot?.links ?? {}).map(([name, externalTypeId]) => ({ staffId: staff.id, serviceTypeId: services.get(name)!, externalTypeId }));
      if (types.length) await tx.staffServiceType.createMany({ data: types });
    }
  });
  return { services: setup.services.length, staff: setup.staff.length };
}

/** A staff member's row from the set-up (their zone defaults to the business's). */
const staffData = (member: z.output<typeof staffMemberSchema>, businessZone: string) => ({
  name: member.name,
  calendar: member.calendar,
  timezone: member.timezone ?? businessZone,
  hours: member.hours,
  breaks: member.breaks,
  daysOff: [...new Set(member.daysOff)].sort(),
  hubspotOwnerId: member.hubspotOwnerId ?? null,
});

// --- Service types edited on the settings page -----------------------------------------------------

const setupService = bookingSetupSchema.shape.services.element;
const DEFAULT_REMINDERS = setupService.shape.reminderMinutes.parse(undefined);
/** Callers' words are matched to service names ignoring case and accents (scheduler.ts), so names are compared that way. */
const fold = (name: string) => name.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();

/**
 * The service types as the settings page saves them: the set-up file's rules, names that stay
 * distinct to a caller, and reminders optional (the page does not edit them; a save keeps them).
 */
export const serviceListSchema = z.object({
  services: z
    .array(setupService.extend({ reminderMinutes: setupService.shape.reminderMinutes.unwrap().optional() }))
    .min(1, "keep at least one service type")
    .superRefine((services, ctx) => {
      const seen = new Set<string>();
      services.forEach((service, index) => {
        if (seen.has(fold(service.name))) ctx.addIssue({ code: "custom", path: [index, "name"], message: `"${service.name}" is listed twice (names are compared ignoring case and accents)` });
        seen.add(fold(service.name));
      });
    }),
});
export type ServiceList = z.output<typeof serviceListSchema>["services"];

export type ReplaceServicesOutcome =
  | { outcome: "saved"; created: number; updated: number; deleted: number }
  | { outcome: "not_set_up" }
  | { outcome: "in_use"; service: string; confirmed: number; held: number };

/**
 * Replace a portal's service types with the settings page's list. Each is matched to an existing
 * one by name (exactly, else ignoring case and accents, so correcting a name's case keeps its
 * bookings), the others are created, and the ones left out are deleted unless a caller is booked
 * into them ahead (or is being booked right now). Deleting a service also deletes its past bookings.
 */
export async function replaceServices(db: Db, portalId: string, services: ServiceList, now = new Date()): Promise<ReplaceServicesOutcome> {
  return db.$transaction(async (tx): Promise<ReplaceServicesOutcome> => {
    // 1. Two saves of one portal's services queue behind each other on its settings row.
    const settings = await tx.$queryRaw<{ portalId: string }[]>`SELECT "portalId" FROM "BookingSettings" WHERE "portalId" = ${portalId} FOR UPDATE`;
    if (settings.length === 0) return { outcome: "not_set_up" };

    // 2. Match the list to the existing rows: exact names first, then the same name to a caller.
    const unmatched = new Map((await tx.serviceType.findMany({ where: { portalId } })).map((row) => [row.id, row]));
    const matched = new Map<number, { id: string; reminderMinutes: number[] }>();
    for (const same of [(a: string, b: string) => a === b, (a: string, b: string) => fold(a) === fold(b)]) {
      services.forEach((service, index) => {
        if (matched.has(index)) return;
        const row = [...unmatched.values()].find((r) => same(r.name, service.name));
        if (!row) return;
        matched.set(index, row);
        unmatched.delete(row.id);
      });
    }

    // 3. Services left out. Their rows are locked first, so a booking being inserted for one (its
    //    foreign key check) waits for this decision; expired holds go, so none can be confirmed
    //    between the count and the delete.
    const removed = [...unmatched.values()].sort((a, b) => a.name.localeCompare(b.name));
    if (removed.length) {
      const ids = removed.map((r) => r.id);
      await tx.$queryRaw`SELECT "id" FROM "ServiceType" WHERE "id" = ANY(${ids}) FOR UPDATE`;
      await tx.booking.deleteMany({ where: { serviceTypeId: { in: ids }, status: "held", holdExpiresAt: { lte: now } } });
      const ahead = await tx.booking.groupBy({ by: ["serviceTypeId", "status"], where: { serviceTypeId: { in: ids }, OR: [{ status: "confirmed", endAt: { gt: now } }, { status: "held" }] }, _count: { _all: true } });
      const busy = removed.find((r) => ahead.some((a) => a.serviceTypeId === r.id));
      if (busy) {
        const count = (status: string) => ahead.find((a) => a.serviceTypeId === busy.id && a.status === status)?._count._all ?? 0;
        return { outcome: "in_use", service: busy.name, confirmed: count("confirmed"), held: count("held") };
      }
      await tx.serviceType.deleteMany({ where: { id: { in: ids } } });
    }

    // 4. Update the kept ones, create the new ones.
    for (const [index, service] of services.entries()) {
      const data = { name: service.name, durationMinutes: service.durationMinutes, bufferMinutes: service.bufferMinutes, aliases: service.aliases };
      const row = matched.get(index);
      if (row) await tx.serviceType.update({ where: { id: row.id }, data: { ...data, reminderMinutes: service.reminderMinutes ?? row.reminderMinutes } });
      else await tx.serviceType.create({ data: { portalId, ...data, reminderMinutes: service.reminderMinutes ?? DEFAULT_REMINDERS } });
    }
    return { outcome: "saved", created: services.length - matched.size, updated: matched.size, deleted: removed.length };
  });
}
