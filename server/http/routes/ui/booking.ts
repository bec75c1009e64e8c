import { Router } from "express";
import type { Db } from "../../../db/client.js";
import { logger } from "../../../config/logger.js";
import type { Calendars } from "../../../booking/calendars.js";
import { replaceServices, serviceListSchema } from "../../../booking/setup.js";
import type { ApiError, BookingOverview, ConnectLinkResponse, ServicesRefusal, ServicesSaved } from "../../../../hubspot-app/app/shared/api.js";
import { bookingOverview, serviceProblems, staffMemberOf } from "../../../booking/overview.js";
import { isExternalProvider } from "../../../booking/providers/registry.js";
import { audit, portalOf } from "./signed.js";

const log = logger("http.ui.booking");

export interface BookingRouteDeps {
  db: Db;
  calendars: Pick<Calendars, "connectUrl" | "configured">;
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
    const member = await staffMemberOf(deps.db, portalId, String(req.params.staffId));
    if (!member) {
      res.status(404).json({ error: "no such staff member in this portal" } satisfies ApiError);
      return;
    }
    const provider = member.calendar;
    if (!isExternalProvider(provider)) {
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
