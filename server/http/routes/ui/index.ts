import express, { Router, type NextFunction, type Request, type Response } from "express";
import type { Queue } from "bullmq";
import type { Db } from "../../../db/client.js";
import type { Env } from "../../../config/env.js";
import type { SyncJobData } from "../../../queue/queues.js";
import type { HubSpotClient } from "../../../hubspot/client.js";
import { HubSpotRequestError } from "../../../hubspot/call.js";
import { PermanentSyncError, PortalNeedsReauthError, TransientSyncError } from "../../../hubspot/errors.js";
import { SuperAdminCache } from "../../../hubspot/super-admin.js";
import { ConnectionError } from "../../../connections/connections.js";
import { playerUrl } from "../../../recordings/links.js";
import type { ApiError } from "../../../../hubspot-app/app/shared/api.js";
import { signedRequest } from "./signed.js";
import { requireSuperAdmin } from "./guard.js";
import { installRoutes, type InstallRouteDeps } from "./install.js";
import { callRoutes, MOVE_CALL_PATH, type CallRouteDeps } from "./calls.js";
import { routingRoutes } from "./routing.js";
import { mappingRoutes } from "./mapping.js";
import { connectionRoutes } from "./connections.js";
import { fallbackRoutes } from "./fallback.js";
import { bookingRoutes, type BookingRouteDeps } from "./booking.js";
import { auditRoutes } from "./audit.js";
import { contextRoutes } from "./context.js";
import { notificationRoutes } from "./notifications.js";
import { previewRoutes } from "./preview.js";
import type { PreviewDeps } from "../../../preview/preview.js";
import type { PortalNotifications } from "../../../notify/settings.js";
import { callLogRoutes } from "./call-log.js";
import { onboardingRoutes } from "./onboarding.js";
import { vendorSetupRoutes } from "./vendor-setup.js";

export const UI_PREFIX = "/ui/v1";

export interface UiDeps {
  db: Db;
  env: Pick<Env, "PUBLIC_BASE_URL" | "ENCRYPTION_KEY" | "HUBSPOT_CLIENT_SECRET" | "SYNC_MAX_ATTEMPTS" | "DEFAULT_PHONE_REGION" | "HUBSPOT_APP_ID" | "RETELL_API_BASE_URL" | "VAPI_API_BASE_URL" | "VENDOR_SETUP_TIMEOUT_MS">;
  queue: Queue<SyncJobData>;
  /** A HubSpot client for the portal (token refreshed as needed), through the shared rate limit. */
  hubspot(portalId: string): Promise<HubSpotClient>;
  calendars: BookingRouteDeps["calendars"];
  uninstall: InstallRouteDeps["uninstall"];
  notifications: PortalNotifications;
  /** The portal's access token and the process's micro-batches: "Preview a call" searches as the sync does. */
  accessToken: PreviewDeps["accessToken"];
  batches: PreviewDeps["batches"];
  /** The per-caller locks: moving a call waits for a sync of the same caller. */
  locks: CallRouteDeps["locks"];
}

/**
 * The backend of the contact card and the settings page (/ui/v1, docs/ui.md): every request signed by
 * HubSpot (signed.ts), every write by a super admin of the portal (guard.ts), one router per area.
 */
export function uiRoutes(deps: UiDeps): Router {
  const { db, env } = deps;
  const reconnectUrl = new URL("/oauth/install", env.PUBLIC_BASE_URL).toString();
  const router = Router();
  router.use(
    UI_PREFIX,
    express.raw({ type: () => true, limit: "1mb" }),
    signedRequest({ secret: env.HUBSPOT_CLIENT_SECRET, publicBaseUrl: env.PUBLIC_BASE_URL }),
    requireSuperAdmin({ db, client: deps.hubspot, cache: new SuperAdminCache(), reconnectUrl, openWrites: [MOVE_CALL_PATH] }),
  );
  router.use(
    UI_PREFIX,
    installRoutes({ db, reconnectUrl, uninstall: deps.uninstall }),
    callRoutes({ db, recordingLink: (callId) => playerUrl(env.PUBLIC_BASE_URL, env.ENCRYPTION_KEY, callId), hubspot: deps.hubspot, locks: deps.locks, defaultRegion: env.DEFAULT_PHONE_REGION }),
    mappingRoutes({ db, hubspot: deps.hubspot }),
    connectionRoutes({ db, env }),
    fallbackRoutes({ db, queue: deps.queue, maxAttempts: env.SYNC_MAX_ATTEMPTS }),
    bookingRoutes({ db, calendars: deps.calendars, reconnectUrl }),
    auditRoutes({ db }),
    contextRoutes({ db }),
    notificationRoutes({ notifications: deps.notifications }),
    previewRoutes({ db, hubspot: deps.hubspot, accessToken: deps.accessToken, batches: deps.batches, appId: env.HUBSPOT_APP_ID, defaultRegion: env.DEFAULT_PHONE_REGION }),
    routingRoutes({ db, hubspot: deps.hubspot }),
    callLogRoutes({ db, queue: deps.queue, maxAttempts: env.SYNC_MAX_ATTEMPTS }),
    onboardingRoutes({ db, publicBaseUrl: env.PUBLIC_BASE_URL }),
    vendorSetupRoutes({ db, encryptionKey: env.ENCRYPTION_KEY, publicBaseUrl: env.PUBLIC_BASE_URL, apiBaseUrls: { retell: env.RETELL_API_BASE_URL, vapi: env.VAPI_API_BASE_URL }, timeoutMs: env.VENDOR_SETUP_TIMEOUT_MS }),
  );
  router.use(UI_PREFIX, (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (error instanceof ConnectionError) return void res.status(400).json({ error: error.message } satisfies ApiError);
    if (error instanceof PortalNeedsReauthError) return void res.status(409).json({ error: "Reconnect the app: HubSpot no longer accepts its authorisation.", needsReconnect: true } satisfies ApiError);
    if (error instanceof PermanentSyncError || error instanceof HubSpotRequestError) return void res.status(502).json({ error: error.message } satisfies ApiError);
    if (error instanceof TransientSyncError) return void res.status(503).json({ error: "HubSpot is not answering right now; try again in a minute." } satisfies ApiError);
    next(error);
  });
  return router;
}
