import type { Router } from "express";
import type { Runtime } from "../runtime.js";
import type { ForgetDeps } from "../privacy/forget.js";
import { uninstallPortal } from "../privacy/uninstall.js";
import { healthRoutes } from "./routes/health.js";
import { oauthRoutes } from "./routes/oauth.js";
import { webhookRoutes } from "./routes/webhooks.js";
import { uiRoutes } from "./routes/ui/index.js";
import { recordingRoutes } from "./routes/recordings.js";
import { hubspotWebhookRoutes } from "./routes/hubspot-webhooks.js";
import { toolRoutes } from "./routes/tools.js";
import { calendarPushRoutes } from "./routes/calendar-push.js";
import { workflowActionRoutes } from "./routes/workflow-actions.js";
import { createCallerContext } from "../context/caller-context.js";
import { sweepVendorUndo, vendorUndoDeps } from "../vendor-setup/uninstall.js";

/**
 * Every router of the web process, in the order server/http/app.ts mounts them, each handed the part
 * of the runtime it uses. The one place that turns the whole Runtime into the routes' small deps.
 */
export function routers(rt: Runtime): Router[] {
  const privacy: ForgetDeps = { db: rt.db, encryptionKey: rt.env.ENCRYPTION_KEY, defaultRegion: rt.env.DEFAULT_PHONE_REGION, queue: rt.queue, meetingQueue: rt.meetingQueue, redis: rt.redis };
  const uninstall = (portalId: string) =>
    uninstallPortal(
      {
        ...privacy,
        revokeRefreshToken: (refreshToken) => rt.clients.anonymous().oauth.refreshTokensApi.archive(refreshToken),
        disconnectCalendars: (id) => rt.calendars.disconnect({ portalId: id }),
        forgetLocks: (id) => rt.locks.forgetPortal(id),
        forgetRateLimits: (id) => rt.limiter.forgetPortal(id),
        undoVendorChanges: () => sweepVendorUndo(vendorUndoDeps(rt.db, rt.env)),
      },
      portalId,
    );
  const context = createCallerContext({ db: rt.db, encryptionKey: rt.env.ENCRYPTION_KEY, hubspot: (portalId) => rt.tokens.client(portalId), deadlineMs: rt.env.CALLER_CONTEXT_DEADLINE_MS, redis: rt.redis, prefix: rt.prefix });
  return [
    healthRoutes(rt),
    oauthRoutes(rt),
    webhookRoutes(rt, context),
    uiRoutes({ db: rt.db, env: rt.env, queue: rt.queue, hubspot: (portalId) => rt.tokens.client(portalId), calendars: rt.calendars, uninstall, notifications: rt.notifications, locks: rt.locks, accessToken: (portalId) => rt.tokens.accessToken(portalId), batches: rt.batches }),
    recordingRoutes({ db: rt.db, outbound: rt.outbound, vendorRecordings: rt.sync.vendorRecordings, encryptionKey: rt.env.ENCRYPTION_KEY, publicBaseUrl: rt.env.PUBLIC_BASE_URL, appId: rt.env.HUBSPOT_APP_ID }),
    hubspotWebhookRoutes({ env: rt.env, privacy }),
    toolRoutes({ db: rt.db, encryptionKey: rt.env.ENCRYPTION_KEY, calendars: rt.calendars, meetingQueue: rt.meetingQueue, meetingAttempts: rt.env.SYNC_MAX_ATTEMPTS, liveTools: { lookup_caller: (caller) => context.lookupTool(caller) } }),
    calendarPushRoutes({ calendars: rt.calendars }),
    workflowActionRoutes({
      env: rt.env,
      action: {
        db: rt.db,
        encryptionKey: rt.env.ENCRYPTION_KEY,
        publicBaseUrl: rt.env.PUBLIC_BASE_URL,
        hubspot: (portalId) => rt.tokens.client(portalId),
        vendorApis: { retell: rt.env.RETELL_API_BASE_URL, vapi: rt.env.VAPI_API_BASE_URL, bland: rt.env.BLAND_API_BASE_URL },
        dialTimeoutMs: rt.env.OUTBOUND_DIAL_TIMEOUT_MS,
      },
    }),
  ];
}
