import type { Router } from "express";
import type { Runtime } from "./runtime.js";
import { uiRoutes } from "./ui/routes.js";
import { recordingRoutes } from "./recordings/routes.js";
import { hubspotWebhookRoutes } from "./privacy/privacy.js";
import { bookingToolRoutes } from "./booking/tools.js";
import { calendarRoutes } from "./booking/calendar-routes.js";

/**
 * Routers of the features built on the core (the in-CRM UI backend, recordings, HubSpot's webhooks,
 * booking tools). server/http/app.ts mounts them after the core routes.
 */
export function featureRouters(rt: Runtime): Router[] {
  return [uiRoutes(rt), recordingRoutes(rt), hubspotWebhookRoutes(rt), bookingToolRoutes(rt), calendarRoutes(rt)];
}
