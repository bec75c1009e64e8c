import express, { Router } from "express";
import type { Runtime } from "../runtime.js";
import type { Prisma } from "../db/client.js";
import type { CallRecord } from "../calls/record.js";
import { decrypt, sealedFor } from "../config/crypto.js";
import { logger } from "../config/logger.js";
import { ContactIndexStore } from "../contacts/index-store.js";
import { readWebhookDelivery } from "../hubspot/webhook-delivery.js";

const log = logger("privacy");

/** What stays of a call after its contact asked to be forgotten: times and outcome, nothing personal. */
function scrub(record: CallRecord): CallRecord {
  return {
    ...record,
    fromNumber: null,
    toNumber: null,
    caller: {},
    summary: null,
    transcript: null,
    recordingUrl: null,
    intent: null,
    escalation: record.escalation ? { reason: "(removed on the contact's request)" } : null,
    qualification: {},
  };
}

/** contact.privacyDeletion: delete the contact's transcripts, recordings, index entries and booking details. */
export async function forgetContact(rt: Runtime, portalId: string, contactId: string): Promise<number> {
  const calls = await rt.db.call.findMany({ where: { portalId, hubspotContactId: contactId } });
  for (const call of calls) {
    await rt.db.call.update({ where: { id: call.id }, data: { record: scrub(call.record as unknown as CallRecord) as unknown as Prisma.InputJsonValue, callerKey: null } });
  }
  await rt.db.recording.deleteMany({ where: { callId: { in: calls.map((c) => c.id) } } });
  await new ContactIndexStore(rt.db).forgetContact(portalId, contactId);
  // Bookings keep their times (the calendar needs them) but not who the caller was.
  await rt.db.booking.updateMany({ where: { portalId, contactId }, data: { callerName: null, callerEmail: null, callerPhone: null } });
  // The log says that it happened, never whom it was about.
  log.info({ portalId, calls: calls.length }, "privacy deletion processed");
  return calls.length;
}

/**
 * Uninstall: stop calling HubSpot for the portal, revoke the refresh token, delete the tokens and
 * everything personal the app holds for the portal. Connections stop accepting webhooks (404).
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
  await rt.db.$transaction([
    ...connectionIds.map((id) => rt.db.toolInvocation.deleteMany({ where: { key: { startsWith: `${id}:` } } })),
    rt.db.calendarConnection.deleteMany({ where: { portalId } }),
    rt.db.booking.deleteMany({ where: { portalId } }),
    rt.db.staffMember.deleteMany({ where: { portalId } }),
    rt.db.serviceType.deleteMany({ where: { portalId } }),
    rt.db.bookingSettings.deleteMany({ where: { portalId } }),
    rt.db.recording.deleteMany({ where: { portalId } }),
    rt.db.call.deleteMany({ where: { portalId } }),
    rt.db.quarantinedPayload.deleteMany({ where: { portalId } }),
    rt.db.contactIndex.deleteMany({ where: { portalId } }),
    rt.db.contactSnapshot.deleteMany({ where: { portalId } }),
    rt.db.connection.deleteMany({ where: { portalId } }),
    rt.db.auditEntry.deleteMany({ where: { portalId } }),
    rt.db.portal.update({ where: { id: portalId }, data: { accessTokenEnc: null, refreshTokenEnc: null, accessExpiresAt: null, notifySlackUrl: null, notifyEmail: null } }),
  ]);
  log.info({ portalId }, "portal uninstalled; tokens and personal data deleted");
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
