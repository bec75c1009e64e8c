import type { Db } from "../db/client.js";
import type { Calendars } from "./calendars.js";
import { SCHEDULER_SCOPE } from "../hubspot/scopes.js";
import { isConnectedProvider } from "./providers/registry.js";
import { mappingRows, webhookKeyState } from "./scheduling-setup.js";
import type { BookingOverview, CalendarKind, CalendarStatus, ServiceProblem, WeeklyBreaks, WeeklyHours } from "../../hubspot-app/app/shared/api.js";

// What the settings page's Booking tab shows: the set-up as it stands, each staff member's calendar
// and its status (on a scheduling system: which type serves each service, and whether the key its
// change notifications are signed with is stored), and the readable reason per bad field of a list.

/** The calendar a staff member books on (stored as text; anything else is the built-in one, as calendarStatus reads it). */
const calendarKind = (calendar: string): CalendarKind => (isConnectedProvider(calendar) ? calendar : "builtin");

/** Where a staff member's calendar stands; a connection made for another provider than the one chosen now does not count. */
function calendarStatus(calendar: string, connection: { provider: string; status: string } | null): CalendarStatus {
  if (!isConnectedProvider(calendar)) return "builtin";
  if (!connection || connection.provider !== calendar) return "not_connected";
  return connection.status === "connected" ? "connected" : "needs_reauth";
}

export async function bookingOverview(db: Db, portalId: string, calendars: Pick<Calendars, "provider" | "onInstall">, reconnectUrl = ""): Promise<BookingOverview> {
  const [settings, services, staff, upcoming] = await Promise.all([
    db.bookingSettings.findUnique({ where: { portalId } }),
    db.serviceType.findMany({ where: { portalId }, orderBy: { name: "asc" } }),
    db.staffMember.findMany({
      where: { portalId },
      orderBy: { name: "asc" },
      include: { externalTypes: true, calendarConnection: { select: { provider: true, status: true, accountEmail: true, lastSyncAt: true, lastError: true, channelId: true, webhookKeyEnc: true, webhookKeyFromChannel: true } } },
    }),
    db.booking.count({ where: { portalId, status: "confirmed", startAt: { gt: new Date() } } }),
  ]);
  const overlaps = await db.bookingOverlap.findMany({ where: { portalId, resolvedAt: null }, orderBy: { foundAt: "asc" }, take: 50, include: { booking: { include: { staff: true, serviceType: true } } } });
  // Staff on the portal's own install (a HubSpot meeting link) wait for a scope it may not have granted.
  const onInstall = staff.filter((m) => calendars.onInstall(m));
  const granted = onInstall.length ? (await db.portal.findUnique({ where: { id: portalId }, select: { scopes: true } }))?.scopes.includes(SCHEDULER_SCOPE) : true;
  return {
    ...(granted ? {} : { meetingLinksNeedScope: { staff: onInstall.map((m) => m.name), reconnectUrl } }),
    configured: !!settings,
    timezone: settings?.timezone ?? null,
    services: services.map((s) => ({ name: s.name, durationMinutes: s.durationMinutes, bufferMinutes: s.bufferMinutes, aliases: s.aliases, reminderMinutes: s.reminderMinutes })),
    staff: staff.map((m) => {
      const status = calendarStatus(m.calendar, m.calendarConnection);
      const connection = status === "connected" || status === "needs_reauth" ? m.calendarConnection : null;
      const hasTypes = Boolean(calendars.provider(m).scheduling);
      return {
        id: m.id,
        name: m.name,
        email: m.email,
        calendar: calendarKind(m.calendar),
        timezone: m.timezone,
        hours: m.hours as WeeklyHours,
        breaks: m.breaks as WeeklyBreaks,
        daysOff: m.daysOff,
        hubspotOwnerId: m.hubspotOwnerId,
        calendarStatus: status,
        calendarAccount: connection?.accountEmail ?? null,
        lastSyncAt: connection?.lastSyncAt?.toISOString() ?? null,
        lastError: connection?.lastError ?? null,
        serviceTypes: hasTypes ? mappingRows(services, m.externalTypes) : null,
        webhookKey: webhookKeyState(hasTypes, m.calendar, connection),
      };
    }),
    upcoming,
    overlaps: overlaps.map((o) => ({
      bookingId: o.bookingId,
      reference: o.booking.reference,
      staff: o.booking.staff.name,
      service: o.booking.serviceType.name,
      start: o.booking.startAt.toISOString(),
      eventStart: o.eventStartAt.toISOString(),
      eventEnd: o.eventEndAt.toISOString(),
      foundAt: o.foundAt.toISOString(),
    })),
  };
}

const SERVICE_FIELDS: Record<string, string> = { name: "name", durationMinutes: "duration", bufferMinutes: "buffer", aliases: "aliases", reminderMinutes: "reminders" };
const STAFF_FIELDS: Record<string, string> = { name: "name", email: "e-mail", calendar: "calendar", timezone: "time zone", hubspotOwnerId: "HubSpot owner", hours: "hours", breaks: "break", daysOff: "days off" };

/**
 * One readable reason per bad field of a list the page saves (service types, staff), naming the row
 * as the page shows it: `"Consultation", duration: ...`, `"Sam Ortiz", break mon 1: ...`.
 */
function rowProblems(list: "services" | "staff", labels: Record<string, string>) {
  return (issues: { path: PropertyKey[]; message: string }[], input: unknown): ServiceProblem[] => {
    const rows = Array.isArray((input as Record<string, unknown>)?.[list]) ? ((input as Record<string, unknown[]>)[list] as { name?: unknown }[]) : [];
    return issues.map((issue) => {
      const [, index, field, ...rest] = issue.path;
      if (typeof index !== "number") return { index: null, field: null, error: issue.message };
      const name = typeof rows[index]?.name === "string" && rows[index].name.trim() ? `"${rows[index].name.trim()}"` : `row ${index + 1}`;
      const where = rest.map((part) => (typeof part === "number" ? String(part + 1) : String(part))).join(" ");
      const label = typeof field === "string" ? `${labels[field] ?? field}${where ? ` ${where}` : ""}` : null;
      return { index, field: typeof field === "string" ? field : null, error: `${name}${label ? `, ${label}` : ""}: ${issue.message}` };
    });
  };
}

export const serviceProblems = rowProblems("services", SERVICE_FIELDS);
export const staffProblems = rowProblems("staff", STAFF_FIELDS);

/** A staff member of this portal (never of another one), or null. */
export function staffMemberOf(db: Db, portalId: string, staffId: string) {
  return db.staffMember.findFirst({ where: { id: staffId, portalId } });
}
