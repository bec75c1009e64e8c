import express, { Router } from "express";
import type { Env } from "../../config/env.js";
import { logger } from "../../config/logger.js";
import { readWebhookDelivery } from "../../hubspot/webhook-delivery.js";
import { applyHubSpotEvents } from "../../privacy/hubspot-events.js";
import type { ForgetDeps } from "../../privacy/forget.js";
import { flatHeaders } from "../headers.js";

const log = logger("http.hubspot-webhooks");

export interface HubSpotWebhookDeps {
  env: Pick<Env, "HUBSPOT_CLIENT_SECRET" | "HUBSPOT_APP_ID" | "PUBLIC_BASE_URL">;
  /** What the events reach (a privacy deletion: database and queues). */
  privacy: ForgetDeps;
}

/**
 * HubSpot's app webhooks (hubspot-app/app/webhooks): privacy deletion, and contact merge / deletion.
 * Signed with the v3 signature like hubspot.fetch requests, so readWebhookDelivery also tells the two
 * apart (server/hubspot/webhook-delivery.ts); what each event does is server/privacy/hubspot-events.ts.
 */
export function hubspotWebhookRoutes(deps: HubSpotWebhookDeps): Router {
  const router = Router();
  router.post("/hubspot/webhooks", express.raw({ type: () => true, limit: "256kb" }), async (req, res) => {
    const delivery = readWebhookDelivery({
      clientSecret: deps.env.HUBSPOT_CLIENT_SECRET,
      appId: deps.env.HUBSPOT_APP_ID,
      publicBaseUrl: deps.env.PUBLIC_BASE_URL,
      request: { originalUrl: req.originalUrl, rawBody: Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "", headers: flatHeaders(req.headers) },
      now: Date.now(),
    });
    if (!delivery.ok) {
      log.warn({ reason: delivery.reason }, "HubSpot webhook refused");
      res.status(delivery.status).json({ error: delivery.reason });
      return;
    }
    await applyHubSpotEvents(deps.privacy, delivery.events);
    res.status(204).end();
  });
  return router;
}
