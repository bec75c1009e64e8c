import express, { Router } from "express";
import type { Runtime } from "../runtime.js";
import { decrypt, sealedFor } from "../config/crypto.js";
import { logger } from "../config/logger.js";
import { ContactIndexStore } from "../contacts/index-store.js";
import { readWebhookDelivery } from "../hubspot/webhook-delivery.js";
import { forgetContact } from "./forget.js";
import { FAILED_JOB_AGE_S, forgetJobs, meetingJobIdsOf, syncJobIdsOf } from "../queue/queues.js";

const log = logger("privacy");

/**
 * Uninstall: stop calling HubSpot for the portal, revoke the refresh token, delete the tokens and
 * everything the app holds for the portal, in every table and in Redis. What stays is the portal row,
 * marked uninstalled and without tokens or notification targets. Connections stop accepting webhooks
 * (404).
 */
export async function uninstallPortal(rt: Runtime, portalId: string): Promise<{ uninstalled: boolean }> {
  const portal = await rt.db.portal.findUnique({ where: { id: portalId } });
  if (!portal) return { uninstalled: false };
  await rt.db.portal.update({ where: { id: portalId }, data: { status: "uninstalled", statusReason: "uninstalled" } });
  if (portal.refreshTokenEnc) {
    await rt.clients
      .anonymous()
      .oauth.refreshTokensApi.archive(decrypt(portal.refreshTokenEnc, rt.env.ENCRYPTION_KEY, sealedFor("Portal", "refreshTokenEnc", portalId)))
      .catch((error: Error) => log.warn({ portalId, err: error.message }, "refresh token revocation failed (it is deleted here anyway)"));
  }
  // Staff calendars: push channels stopped, tokens deleted, before the staff rows go.
  await rt.calendars.disconnect({ portalId }).catch((error: Error) => log.warn({ portalId, err: error.message }, "staff calendar disconnect failed (tokens are deleted anyway)"));
  const connectionIds = (await rt.db.connection.findMany({ where: { portalId }, select: { id: true } })).map((c) => c.id);
  const staffIds = (await rt.db.staffMember.findMany({ where: { portalId }, select: { id: true } })).map((s) => s.id);
  // Jobs still in Redis (a failed one stays at most FAILED_JOB_AGE_S) name these rows.
  const recent = { portalId, updatedAt: { gt: new Date(Date.now() - FAILED_JOB_AGE_S * 1000) } };
  const calls = await rt.db.call.findMany({ where: recent, select: { id: true, version: true, fallback: { select: { replayCount: true } } } });
  const bookings = await rt.db.booking.findMany({ where: recent, select: { id: true, meetingVersion: true } });
  await rt.db.$transaction([
    ...connectionIds.map((id) => rt.db.toolInvocation.deleteMany({ where: { key: { startsWith: `${id}:` } } })),
    rt.db.calendarConnection.deleteMany({ where: { portalId } }),
    rt.db.calendarOAuthState.deleteMany({ where: { staffId: { in: staffIds } } }),
    rt.db.externalBusy.deleteMany({ where: { staffId: { in: staffIds } } }),
    rt.db.booking.deleteMany({ where: { portalId } }),
    rt.db.staffMember.deleteMany({ where: { portalId } }),
    rt.db.serviceType.deleteMany({ where: { portalId } }),
    rt.db.bookingSettings.deleteMany({ where: { portalId } }),
    // Events, fallback entries and recordings go with their calls (ON DELETE CASCADE).
    rt.db.call.deleteMany({ where: { portalId } }),
    rt.db.quarantinedPayload.deleteMany({ where: { portalId } }),
    rt.db.contactIndex.deleteMany({ where: { portalId } }),
    rt.db.contactSnapshot.deleteMany({ where: { portalId } }),
    rt.db.fieldMapping.deleteMany({ where: { portalId } }),
    rt.db.provisionedProperty.deleteMany({ where: { portalId } }),
    rt.db.connection.deleteMany({ where: { portalId } }),
    rt.db.auditEntry.deleteMany({ where: { portalId } }),
    rt.db.portal.update({ where: { id: portalId }, data: { accessTokenEnc: null, refreshTokenEnc: null, accessExpiresAt: null, notifySlackUrl: null, notifyEmail: null } }),
  ]);
  await Promise.all([
    forgetJobs(rt.queue, rt.redis, calls.flatMap((call) => syncJobIdsOf(call, call.fallback?.replayCount ?? 0))),
    forgetJobs(rt.meetingQueue, rt.redis, bookings.flatMap(meetingJobIdsOf)),
    rt.locks.forgetPortal(portalId),
    rt.limiter.forgetPortal(portalId),
  ]).catch((error: Error) => log.warn({ portalId, err: error.message }, "Redis not cleared of the portal (locks and windows expire in seconds, jobs within 7 days)"));
  log.info({ portalId }, "portal uninstalled; tokens and data deleted");
  return { uninstalled: true };
}

/**
 * HubSpot's app webhooks (hubspot-app/app/webhooks): privacy deletion, and contact merge / deletion
 * to keep the app-side index honest. Signed with the v3 signature like hubspot.fetch requests, so
 * readWebhookDelivery also tells the two apart (server/hubspot/webhook-delivery.ts).
 */
export function hubspotWebhookRoutes(rt: Runtime): Router {
  const router = Router();
  router.post("/hubspot/webhooks", express.raw({ type: () => true, limit: "256kb" }), async (req, res) => {
    const delivery = readWebhookDelivery({
      clientSecret: rt.env.HUBSPOT_CLIENT_SECRET,
      appId: rt.env.HUBSPOT_APP_ID,
      publicBaseUrl: rt.env.PUBLIC_BASE_URL,
      originalUrl: req.originalUrl,
      rawBody: Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "",
      signature: req.header("x-hubspot-signature-v3"),
      timestamp: req.header("x-hubspot-request-timestamp"),
      now: Date.now(),
    });
    if (!delivery.ok) {
      log.warn({ reason: delivery.reason }, "HubSpot webhook refused");
      res.status(delivery.status).json({ error: delivery.reason });
      return;
    }
    const events = delivery.events;
    // Events act only on portals that have the app installed now.
    const installed = new Set(
      (await rt.db.portal.findMany({ where: { id: { in: [...new Set(events.map((e) => String(e.portalId ?? "")))] }, status: { not: "uninstalled" } }, select: { id: true } })).map((p) => p.id),
    );
    const index = new ContactIndexStore(rt.db);
    for (const event of events) {
      const portalId = String(event.portalId ?? "");
      const contactId = String(event.objectId ?? "");
      if (!portalId || !contactId || !installed.has(portalId)) continue;
      switch (event.subscriptionType) {
        case "contact.privacyDeletion":
          await forgetContact(rt, portalId, contactId);
          break;
        case "contact.deletion":
          await index.forgetContact(portalId, contactId);
          break;
        case "contact.merge": {
          const survivor = String(event.newObjectId ?? event.primaryObjectId ?? contactId);
          for (const merged of event.mergedObjectIds ?? []) if (String(merged) !== survivor) await index.repoint(portalId, String(merged), survivor);
          break;
        }
        default:
          break;
      }
    }
    res.status(204).end();
  });
  return router;
}
