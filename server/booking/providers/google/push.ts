import type { CalendarProvider, PushNotice } from "../types.js";

// Google's push messages carry nothing in the body: the channel, our secret (the channel token) and what
// happened are in X-Goog-* headers. "sync" comes once when the channel opens; "exists" (something on the
// calendar changed) and "not_exists" (the watched resource is gone) both mean: sync incrementally.

type PushRequest = Parameters<NonNullable<CalendarProvider["parsePush"]>>[0];

export function parseGooglePush(request: PushRequest): PushNotice[] {
  const headers = new Map(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
  const channelId = headers.get("x-goog-channel-id");
  if (!channelId) return [{ kind: "ignored", reason: "no X-Goog-Channel-ID header: not a Google push message" }];
  const secret = headers.get("x-goog-channel-token") ?? null;
  const state = headers.get("x-goog-resource-state");
  switch (state) {
    case "sync":
      return [{ kind: "lifecycle", channelId, secret, event: "sync" }];
    case "exists":
    case "not_exists":
      return [{ kind: "changed", channelId, secret }];
    default:
      return [{ kind: "ignored", reason: `unknown X-Goog-Resource-State ${state ?? "(missing)"}` }];
  }
}
