import { Router } from "express";
import type { Db } from "../../../db/client.js";
import { logger } from "../../../config/logger.js";
import type { Calendars } from "../../../booking/calendars.js";
import { replaceServices, serviceListSchema } from "../../../booking/setup.js";
import type { ApiError, BookingOverview, BusinessSettingsSaved, ConnectLinkResponse, ServicesRefusal, ServicesSaved, StaffRefusal, StaffSaved, StaffTypesRefusal, StaffTypesResponse, WebhookKeySaved } from "../../../../hubspot-app/app/shared/api.js";
import { bookingOverview, serviceProblems, staffMemberOf, staffProblems } from "../../../booking/overview.js";
import { businessSettingsSchema, replaceStaff, saveBusinessSettings, staffListSchema, staffToRemove } from "../../../booking/staff-setup.js";
import { listTypes, saveTypes, shapeProblems, storeWebhookKey, typeMappingSchema, webhookKeyRefusal, webhookKeySchema, type Unavailable } from "../../../booking/scheduling-setup.js";
import { describeIssues } from "../../../validation/issues.js";
import { isExternalProvider, isPortalProvider } from "../../../booking/providers/registry.js";
import { CalendarError } from "../../../booking/providers/errors.js";
import { audit, portalOf } from "./signed.js";

const log = logger("http.ui.booking");
/** A list saved before the time zone (which sets booking up). */
const SET_UP_FIRST = "Set up booking first: choose the business's time zone.";

export interface BookingRouteDeps {
  db: Db;
  /** Where a super admin re-authorises the app (for the optional meeting-link scope). */
  reconnectUrl?: string;
  calendars: Pick<Calendars, "connectUrl" | "configured" | "disconnect" | "connectPortal" | "onInstall" | "provider" | "offeredTypes" | "checkTypes" | "refused" | "setWebhookKey">;
}

/** Why a staff member's types cannot be listed or mapped now, as the page shows it. */
function unavailable(member: { name: string }, why: Unavailable): { status: 409 | 502; body: ApiError } {
  switch (why.outcome) {
    case "no_types":
      return { status: 409, body: { error: `${member.name}'s calendar (${why.label}) has no types to map: services are booked on it within ${member.name}'s working hours.` } };
    case "not_connected":
      return { status: 409, body: { error: `Connect ${member.name}'s ${why.label} first (${why.reason}); then choose which of its types serves each service.` } };
    case "unreachable":
      return { status: 502, body: { error: `${why.label} ${unreachableWhy(why)}, so ${member.name}'s types could not be read and nothing was changed. Try again in a minute.` } };
    default: {
      const unreachable: never = why;
      throw new Error(`unhandled outcome ${JSON.stringify(unreachable)}`);
    }
  }
}

function unreachableWhy(why: Extract<Unavailable, { outcome: "unreachable" }>): string {
  switch (why.kind) {
    case "unavailable":
      return "did not answer";
    case "rate_limited":
      return why.retryAfterMs ? `is limiting our requests for ${Math.ceil(why.retryAfterMs / 1000)} seconds` : "is limiting our requests";
    case "auth":
      return "refused our access";
    case "not_found":
    case "bad_request":
    case "conflict":
    case "taken":
    case "unexpected":
      return `gave an answer we could not use (${why.kind.replace("_", " ")})`;
    default: {
      const unreachable: never = why.kind;
      throw new Error(`unhandled kind ${JSON.stringify(unreachable)}`);
    }
  }
}

/** The booking tab: the set-up as it stands, the service types, and staff calendar connect links. */
export function bookingRoutes(deps: BookingRouteDeps): Router {
  const router = Router();

  router.get("/booking", async (_req, res) => {
    res.json((await bookingOverview(deps.db, portalOf(res), deps.calendars, deps.reconnectUrl)) satisfies BookingOverview);
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
        res.status(409).json({ error: SET_UP_FIRST } satisfies ApiError);
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

  router.put("/booking/settings", async (req, res) => {
    const portalId = portalOf(res);
    const parsed = businessSettingsSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: `Nothing was saved. ${describeIssues(parsed.error.issues)}` } satisfies ApiError);
      return;
    }
    const { created } = await saveBusinessSettings(deps.db, portalId, parsed.data);
    log.info({ portalId, created }, "booking settings saved");
    await audit(res, { action: "booking.settings_saved", details: { timezone: parsed.data.timezone, created } });
    res.json({ timezone: parsed.data.timezone, created } satisfies BusinessSettingsSaved);
  });

  router.put("/booking/staff", async (req, res) => {
    const portalId = portalOf(res);
    const parsed = staffListSchema.safeParse(req.body);
    if (!parsed.success) {
      const problems = staffProblems(parsed.error.issues, req.body);
      res.status(400).json({ error: `Nothing was saved. ${problems.map((p) => p.error).join("; ")}`, problems } satisfies StaffRefusal);
      return;
    }
    // A member being removed has their calendar disconnected first (push channel closed), since the
    // row that holds its tokens goes with them; only when nothing is booked with them ahead.
    const leaving = await staffToRemove(deps.db, portalId, parsed.data.staff);
    if ("ids" in leaving) for (const staffId of leaving.ids) await deps.calendars.disconnect({ staffId });
    const result = "ids" in leaving ? await replaceStaff(deps.db, portalId, parsed.data.staff) : leaving;
    switch (result.outcome) {
      case "saved":
        log.info({ portalId, created: result.created, updated: result.updated, deleted: result.deleted }, "staff saved");
        await audit(res, { action: "booking.staff_saved", details: { staff: parsed.data.staff.map((m) => m.name), created: result.created, updated: result.updated, deleted: result.deleted } });
        res.json({ saved: parsed.data.staff.length, created: result.created, updated: result.updated, deleted: result.deleted } satisfies StaffSaved);
        return;
      case "not_set_up":
        res.status(409).json({ error: SET_UP_FIRST } satisfies ApiError);
        return;
      case "in_use": {
        const why = result.confirmed
          ? `${result.confirmed} upcoming booking${result.confirmed === 1 ? " is" : "s are"} with them; cancel or move ${result.confirmed === 1 ? "it" : "them"} first`
          : "a caller is booking with them right now; try again in a few minutes";
        res.status(409).json({ error: `Nothing was saved: ${result.staff} cannot be removed, ${why}.`, staff: result.staff } satisfies ApiError);
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
    // A HubSpot meeting link rides on the app's own install: connecting it is checking that install.
    if (isPortalProvider(provider)) {
      try {
        const { label, types } = await deps.calendars.connectPortal(member);
        log.info({ portalId, staffId: member.id, provider, links: types.length }, "portal calendar connected");
        await audit(res, { action: "booking.calendar_connected", target: member.id, details: { staff: member.name, provider } });
        res.json({ connected: true, label, links: types.length } satisfies ConnectLinkResponse);
      } catch (error) {
        if (!(error instanceof CalendarError)) throw error;
        const status = error.kind === "auth" || error.name === "CalendarNotConnectedError" ? 409 : 502;
        res.status(status).json({ error: `${member.name}'s HubSpot meeting links cannot be used: ${(error as { reason?: string }).reason ?? error.message}` } satisfies ApiError);
      }
      return;
    }
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

  // A staff member on a scheduling system: which of its types serves each service, and its webhook key.
  router.get("/booking/staff/:staffId/types", async (req, res) => {
    const member = await staffMemberOf(deps.db, portalOf(res), String(req.params.staffId));
    if (!member) return void res.status(404).json({ error: "no such staff member in this portal" } satisfies ApiError);
    const result = await listTypes(deps, member);
    if (result.outcome !== "listed") {
      const answer = unavailable(member, result);
      return void res.status(answer.status).json(answer.body);
    }
    res.json(result.view satisfies StaffTypesResponse);
  });

  router.put("/booking/staff/:staffId/types", async (req, res) => {
    const portalId = portalOf(res);
    const member = await staffMemberOf(deps.db, portalId, String(req.params.staffId));
    if (!member) return void res.status(404).json({ error: "no such staff member in this portal" } satisfies ApiError);
    const refuse = (problems: StaffTypesRefusal["problems"]) => void res.status(400).json({ error: `Nothing was saved. ${problems.map((p) => p.error).join("; ")}`, problems } satisfies StaffTypesRefusal);
    const parsed = typeMappingSchema.safeParse(req.body);
    if (!parsed.success) return refuse(shapeProblems(parsed.error.issues));
    const { types, calendarId } = parsed.data;
    const result = await saveTypes(deps, member, parsed.data);
    switch (result.outcome) {
      case "saved":
        log.info({ portalId, staffId: member.id, mapped: Object.keys(types).length }, "staff service types saved");
        await audit(res, { action: "booking.types_saved", target: member.id, details: { staff: member.name, provider: result.view.provider, types, calendarId } });
        res.json(result.view satisfies StaffTypesResponse);
        return;
      case "refused":
        refuse(result.problems);
        return;
      case "changed":
        res.status(409).json({ error: `Nothing was saved: ${member.name}'s calendar or the service types changed meanwhile. Reload the page and map them again.` } satisfies ApiError);
        return;
      case "no_types":
      case "not_connected":
      case "unreachable": {
        const answer = unavailable(member, result);
        res.status(answer.status).json(answer.body);
        return;
      }
      default: {
        const unreachable: never = result;
        throw new Error(`unhandled outcome ${JSON.stringify(unreachable)}`);
      }
    }
  });

  router.put("/booking/staff/:staffId/webhook-key", async (req, res) => {
    const portalId = portalOf(res);
    const member = await staffMemberOf(deps.db, portalId, String(req.params.staffId));
    if (!member) return void res.status(404).json({ error: "no such staff member in this portal" } satisfies ApiError);
    const parsed = webhookKeySchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: `Nothing was stored: ${parsed.error.issues.map((i) => i.message).join("; ")}.` } satisfies ApiError);
    const result = await storeWebhookKey(deps, member, parsed.data.key);
    if (result.outcome !== "stored") return void res.status(409).json({ error: webhookKeyRefusal(member, result) } satisfies ApiError);
    // The key itself is never logged, audited or sent back.
    log.info({ portalId, staffId: member.id }, "webhook signing key stored");
    await audit(res, { action: "booking.webhook_key_set", target: member.id, details: { staff: member.name, provider: member.calendar } });
    res.json({ webhookKey: "stored" } satisfies WebhookKeySaved);
  });
  return router;
}
