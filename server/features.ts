import type { Router } from "express";
import type { Runtime } from "./runtime.js";
import { uiRoutes } from "./ui/routes.js";
import { recordingRoutes } from "./recordings/routes.js";
import { hubspotWebhookRoutes } from "./privacy/privacy.js";
import { toolRoutes } from "./http/routes/tools.js";
import { calendarPushRoutes } from "./http/routes/calendar-push.js";

/**
 * Routers of the features built on the core (the in-CRM UI backend, recordings, HubSpot's webhooks,
 * booking tools). server/http/app.ts mounts them after the core routes.
 */
export function featureRouters(rt: Runtime): Router[] {
  return [uiRoutes(rt), recordingRoutes(rt), hubspotWebhookRoutes(rt), toolRoutes({ db: rt.db, encryptionKey: rt.env.ENCRYPTION_KEY, calendars: rt.calendars, meetingQueue: rt.meetingQueue, meetingAttempts: rt.env.SYNC_MAX_ATTEMPTS }), calendarPushRoutes({ calendars: rt.calendars })];
}
