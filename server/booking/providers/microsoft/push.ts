import { z } from "zod";
import type { PushNotice } from "../types.js";

// What Graph POSTs to our notification URL. Creating a subscription first sends a validation request
// (`?validationToken=...`, to be echoed 200 text/plain); afterwards a changeNotificationCollection,
// `{value: [...]}`, where an item is either a change (subscriptionId, clientState, changeType, resource)
// or a lifecycle event (the same subscription fields plus lifecycleEvent). The caller checks clientState
// against the secret it stored for the subscription.

const LIFECYCLE_EVENTS = ["reauthorizationRequired", "subscriptionRemoved", "missed"] as const;

const notification = z.object({
  subscriptionId: z.string().min(1),
  clientState: z.string().nullish(),
  changeType: z.string().optional(),
  resource: z.string().optional(),
  lifecycleEvent: z.string().optional(),
});
const collection = z.object({ value: z.array(z.unknown()) });

export function parseGraphPush(request: { query: Record<string, string | undefined>; body: unknown }): PushNotice[] {
  // The query arrives decoded: the token (a sentence with spaces and colons) is echoed exactly as is.
  const token = request.query.validationToken;
  if (typeof token === "string") return [{ kind: "validation", token }];

  const parsed = collection.safeParse(jsonBody(request.body));
  if (!parsed.success) return [{ kind: "ignored", reason: "not a Graph change notification collection" }];
  return parsed.data.value.map((raw): PushNotice => {
    const item = notification.safeParse(raw);
    if (!item.success) return { kind: "ignored", reason: "notification without a subscriptionId" };
    const { subscriptionId, clientState, lifecycleEvent } = item.data;
    const secret = clientState ?? null;
    if (lifecycleEvent === undefined) return { kind: "changed", channelId: subscriptionId, secret };
    const event = LIFECYCLE_EVENTS.find((e) => e === lifecycleEvent);
    return event ? { kind: "lifecycle", channelId: subscriptionId, secret, event } : { kind: "ignored", reason: `unknown lifecycle event ${lifecycleEvent}` };
  });
}

/** The body as parsed JSON, whether the route parsed it already or handed over text or bytes. */
function jsonBody(body: unknown): unknown {
  if (typeof body !== "string" && !(body instanceof Uint8Array)) return body;
  try {
    return JSON.parse(typeof body === "string" ? body : Buffer.from(body).toString("utf8"));
  } catch {
    return null;
  }
}
