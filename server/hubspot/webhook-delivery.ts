import { verifyHubSpotRequest, type ReceivedRequest } from "./signature.js";

// What makes a request at /hubspot/webhooks one of HubSpot's app webhook deliveries, and not a
// hubspot.fetch request from a card or settings page: both carry the same v3 signature (same client
// secret), but hubspot.fetch always appends portalId, userId and userEmail to the URL, while HubSpot
// posts deliveries to the bare target URL. Each event names our app, and a delivery holds at most 100.

export const MAX_EVENTS_PER_DELIVERY = 100;

export interface HubSpotEvent {
  subscriptionType?: string;
  portalId?: number | string;
  appId?: number | string;
  objectId?: number | string;
  mergedObjectIds?: (number | string)[];
  primaryObjectId?: number | string;
  newObjectId?: number | string;
}

export type DeliveryCheck = { ok: true; events: HubSpotEvent[] } | { ok: false; status: 400 | 401; reason: string };

export function readWebhookDelivery(input: {
  clientSecret: string;
  appId: string;
  publicBaseUrl: string;
  request: Omit<ReceivedRequest, "method">;
  now: number;
}): DeliveryCheck {
  const check = verifyHubSpotRequest({ secret: input.clientSecret, publicBaseUrl: input.publicBaseUrl, request: { ...input.request, method: "POST" }, now: input.now });
  if (!check.ok) return { ok: false, status: 401, reason: check.reason };
  if (input.request.originalUrl.includes("?")) return { ok: false, status: 400, reason: "HubSpot webhook deliveries have no query string: this looks like a hubspot.fetch request, which cannot send webhook events" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(input.request.rawBody);
  } catch {
    return { ok: false, status: 400, reason: "body is not JSON" };
  }
  if (!Array.isArray(parsed)) return { ok: false, status: 400, reason: "a delivery is a JSON array of events" };
  if (parsed.length > MAX_EVENTS_PER_DELIVERY) return { ok: false, status: 400, reason: `a delivery holds at most ${MAX_EVENTS_PER_DELIVERY} events, this one ${parsed.length}` };
  const events = parsed as HubSpotEvent[];
  const foreign = events.find((event) => typeof event !== "object" || event === null || String(event.appId ?? "") !== input.appId);
  if (foreign !== undefined) return { ok: false, status: 400, reason: `every event must carry this app's appId (${input.appId}); got ${JSON.stringify((foreign as HubSpotEvent | null)?.appId ?? null)}` };
  return { ok: true, events };
}
