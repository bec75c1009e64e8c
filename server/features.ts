import type { Router } from "express";
import type { Runtime } from "./runtime.js";
import { uiRoutes } from "./http/routes/ui/index.js";
import { recordingRoutes } from "./http/routes/recordings.js";
import { hubspotWebhookRoutes, uninstallPortal } from "./privacy/privacy.js";
import { bookingToolRoutes } from "./booking/tools.js";
import { calendarRoutes } from "./booking/calendar-routes.js";

/**
 * Routers of the features built on the core (the in-CRM UI backend, recordings, HubSpot's webhooks,
 * booking tools). server/http/app.ts mounts them after the core routes.
 */
export function featureRouters(rt: Runtime): Router[] {
  return [
    uiRoutes({ db: rt.db, env: rt.env, queue: rt.queue, hubspot: (portalId) => rt.tokens.client(portalId), calendars: rt.calendars, uninstall: (portalId) => uninstallPortal(rt, portalId) }),
    recordingRoutes({ db: rt.db, outbound: rt.outbound, encryptionKey: rt.env.ENCRYPTION_KEY }),
    hubspotWebhookRoutes(rt),
    bookingToolRoutes(rt),
    calendarRoutes(rt),
  ];
}
