import type { Router } from "express";
import type { Runtime } from "./runtime.js";
import type { ForgetDeps } from "./privacy/forget.js";
import { uninstallPortal } from "./privacy/uninstall.js";
import { uiRoutes } from "./http/routes/ui/index.js";
import { recordingRoutes } from "./http/routes/recordings.js";
import { hubspotWebhookRoutes } from "./http/routes/hubspot-webhooks.js";
import { bookingToolRoutes } from "./booking/tools.js";
import { calendarRoutes } from "./booking/calendar-routes.js";

/**
 * Routers of the features built on the core (the in-CRM UI backend, recordings, HubSpot's webhooks,
 * booking tools). server/http/app.ts mounts them after the core routes.
 */
export function featureRouters(rt: Runtime): Router[] {
  const privacy: ForgetDeps = { db: rt.db, encryptionKey: rt.env.ENCRYPTION_KEY, defaultRegion: rt.env.DEFAULT_PHONE_REGION, queue: rt.queue, meetingQueue: rt.meetingQueue, redis: rt.redis };
  const uninstall = (portalId: string) =>
    uninstallPortal(
      {
        ...privacy,
        revokeRefreshToken: (refreshToken) => rt.clients.anonymous().oauth.refreshTokensApi.archive(refreshToken),
        disconnectCalendars: (id) => rt.calendars.disconnect({ portalId: id }),
        forgetLocks: (id) => rt.locks.forgetPortal(id),
        forgetRateLimits: (id) => rt.limiter.forgetPortal(id),
      },
      portalId,
    );
  return [
    uiRoutes({ db: rt.db, env: rt.env, queue: rt.queue, hubspot: (portalId) => rt.tokens.client(portalId), calendars: rt.calendars, uninstall }),
    recordingRoutes({ db: rt.db, outbound: rt.outbound, encryptionKey: rt.env.ENCRYPTION_KEY }),
    hubspotWebhookRoutes({ env: rt.env, privacy }),
    bookingToolRoutes(rt),
    calendarRoutes(rt),
  ];
}
