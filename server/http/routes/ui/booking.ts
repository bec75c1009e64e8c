import { Router } from "express";
import type { Db } from "../../../db/client.js";
import { logger } from "../../../config/logger.js";
import type { Calendars } from "../../../booking/calendars.js";
import { replaceServices, serviceListSchema } from "../../../booking/setup.js";
import type { ApiError, BookingOverview, CalendarKind, CalendarStatus, ConnectLinkResponse, ServiceProblem, ServicesRefusal, ServicesSaved } from "../../../../hubspot-app/app/shared/api.js";
import { audit, portalOf } from "./signed.js";

const log = logger("http.ui.booking");

export interface BookingRouteDeps {
  db: Db;
  calendars: Pick<Calendars, "connectUrl" | "configured">;
}

// The two reads below (the overview, a staff member of the portal) belong in server/booking/, which
// issue 9 item 1 reshapes in another branch; they move there with it.

/** The calendar a staff member books on (stored as text; anything else is the built-in one, as calendarStatus reads it). */
const calendarKind = (calendar: string): CalendarKind => (calendar === "google" || calendar === "microsoft" ? calendar : "builtin");

/** Where a staff member's calendar stands; a connection made for another provider than the one chosen now does not count. */
function calendarStatus(calendar: string, connection: { provider: string; status: string } | null): CalendarStatus {
  if (calendar !== "google" && calendar !== "microsoft") return "builtin";
  if (!connection || connection.provider !== calendar) return "not_connected";
  return connection.status === "connected" ? "connected" : "needs_reauth";
}

async function bookingOverview(db: Db, portalId: string): Promise<BookingOverview> {
  const [settings, services, staff, upcoming] = await Promise.all([
    db.bookingSettings.findUnique({ where: { portalId } }),
    db.serviceType.findMany({ where: { portalId }, orderBy: { name: "asc" } }),
    db.staffMember.findMany({ where: { portalId }, orderBy: { name: "asc" }, include: { calendarConnection: { select: { provider: true, status: true, accountEmail: true, lastSyncAt: true, lastError: true } } } }),
    db.booking.count({ where: { portalId, status: "confirmed", startAt: { gt: new Date() } } }),
  ]);
  return {
    configured: !!settings,
    timezone: settings?.timezone ?? null,
    services: services.map((s) => ({ name: s.name, durationMinutes: s.durationMinutes, bufferMinutes: s.bufferMinutes, aliases: s.aliases, reminderMinutes: s.reminderMinutes })),
    staff: staff.map((m) => {
      const status = calendarStatus(m.calendar, m.calendarConnection);
      const connection = status === "connected" || status === "needs_reauth" ? m.calendarConnection : null;
      return {
        id: m.id,
        name: m.name,
        email: m.email,
        calendar: calendarKind(m.calendar),
        timezone: m.timezone,
        calendarStatus: status,
        calendarAccount: connection?.accountEmail ?? null,
        lastSyncAt: connection?.lastSyncAt?.toISOString() ?? null,
        lastError: connection?.lastError ?? null,
      };
    }),
    upcoming,
  };
}

const SERVICE_FIELDS: Record<string, string> = { name: "name", durationMinutes: "duration", bufferMinutes: "buffer", aliases: "aliases", reminderMinutes: "reminders" };

/** One readable reason per bad field of a service list, naming the row as the page shows it. */
function serviceProblems(issues: { path: PropertyKey[]; message: string }[], input: unknown): ServiceProblem[] {
  const rows = Array.isArray((input as { services?: unknown })?.services) ? ((input as { services: unknown[] }).services as { name?: unknown }[]) : [];
  return issues.map((issue) => {
    const [, index, field] = issue.path;
    if (typeof index !== "number") return { index: null, field: null, error: issue.message };
    const name = typeof rows[index]?.name === "string" && rows[index].name.trim() ? `"${rows[index].name.trim()}"` : `row ${index + 1}`;
    const label = typeof field === "string" ? SERVICE_FIELDS[field] ?? field : null;
    return { index, field: typeof field === "string" ? field : null, error: `${name}${label ? `, ${label}` : ""}: ${issue.message}` };
  });
}

/** The booking tab: the set-up as it stands, the service types, and staff calendar connect links. */
export function bookingRoutes(deps: BookingRouteDeps): Router {
  const router = Router();

  router.get("/booking", async (_req, res) => {
    res.json((await bookingOverview(deps.db, portalOf(res))) satisfies BookingOverview);
  });

  router.put("/booking/services", async (req, res) => {
    const portalId = portalOf(res);
    const parsed = serviceListSchema.safeParse(req.body);
    if (!parsed.success) {
      const problems = serviceProblems(parsed.error.issues, req.body);
      res.status(400).json({ error: `Nothing was saved. ${problems.map((p) => p.error).join("; ")}`, problems } satisfies ServicesRefusal);
      return;
    }
    const result = await replaceServices(deps.db, portalId, parsed.data.services);
    switch (result.outcome) {
      case "saved":
        log.info({ portalId, created: result.created, updated: result.updated, deleted: result.deleted }, "service types saved");
        await audit(res, { action: "booking.services_saved", details: { services: parsed.data.services.map((s) => s.name), created: result.created, updated: result.updated, deleted: result.deleted } });
        res.json({ saved: parsed.data.services.length, created: result.created, updated: result.updated, deleted: result.deleted } satisfies ServicesSaved);
        return;
      case "not_set_up":
        res.status(409).json({ error: "Set up booking first (time zone and staff): npm run cli -- booking setup." } satisfies ApiError);
        return;
      case "in_use": {
        const why = result.confirmed
          ? `it has ${result.confirmed} upcoming booking${result.confirmed === 1 ? "" : "s"}; cancel or move ${result.confirmed === 1 ? "it" : "them"} first`
          : "a caller is booking it right now; try again in a few minutes";
        res.status(409).json({ error: `Nothing was saved: "${result.service}" cannot be removed, ${why}.`, service: result.service } satisfies ApiError);
        return;
      }
      default: {
        const unreachable: never = result;
        throw new Error(`unhandled outcome ${JSON.stringify(unreachable)}`);
      }
    }
  });

  router.post("/booking/staff/:staffId/connect-link", async (req, res) => {
    const portalId = portalOf(res);
    const member = await deps.db.staffMember.findFirst({ where: { id: String(req.params.staffId), portalId } });
    if (!member) {
      res.status(404).json({ error: "no such staff member in this portal" } satisfies ApiError);
      return;
    }
    const provider = member.calendar;
    if (provider !== "google" && provider !== "microsoft") {
      res.status(400).json({ error: `${member.name} uses the built-in calendar: there is nothing to connect.` } satisfies ApiError);
      return;
    }
    try {
      const connectUrl = await deps.calendars.connectUrl(member);
      // The link carries a single-use OAuth state: it is for the staff member, not for the logs.
      log.info({ portalId, staffId: member.id, provider }, "calendar connect link created");
      await audit(res, { action: "booking.connect_link_created", target: member.id, details: { staff: member.name, provider } });
      res.json({ connectUrl } satisfies ConnectLinkResponse);
    } catch (error) {
      if (deps.calendars.configured(provider)) throw error;
      res.status(400).json({ error: (error as Error).message } satisfies ApiError);
    }
  });
  return router;
}
