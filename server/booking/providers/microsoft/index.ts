import type { Client } from "@microsoft/microsoft-graph-client";
import type { Event as GraphEvent, Subscription } from "@microsoft/microsoft-graph-types";
import type { BusyInterval, CalendarAccount, CalendarOAuth, CalendarProvider, ChangePage, ExternalEvent, ProviderConfig } from "../types.js";
import { busyInterval, externalEvent, graphTimes, newGraphEvent, PREFER_UTC, type DeltaItem } from "./events.js";
import { graphCall, graphClient, graphPath } from "./graph.js";
import { MicrosoftCalendarError, unexpectedAnswer } from "./errors.js";
import { microsoftOAuth } from "./oauth.js";
import { parseGraphPush } from "./push.js";

// Outlook calendars through Microsoft Graph (server/booking/providers/types.ts is the contract). The
// booking id is the event's transactionId, so a retried create returns the first event; a move is a
// PATCH of the same event; a cancel is Graph's organizer cancel, which mails the attendee our reason.
// Changes come from calendarView delta, pushed by a subscription on me/events.

export { MicrosoftCalendarError } from "./errors.js";

export interface MicrosoftCalendarOptions {
  /** A Graph or token request with no answer for this long fails (status undefined: retried). Default 10 s. */
  requestTimeoutMs?: number;
}

/** Incremental sync covers the day behind and the coming 60 days; Graph fixes the window at the first round. */
const SYNC_PAST_MS = 24 * 3600_000;
const SYNC_AHEAD_MS = 60 * 24 * 3600_000;
/** Outlook event subscriptions live at most 7 days; ours are renewed well before 3. */
const SUBSCRIPTION_LIFETIME_MS = 3 * 24 * 3600_000;
/** Graph may answer fewer per page; this only saves round trips when it does not. */
const BUSY_PAGE_SIZE = 100;
/** Graph's ways of saying "that delta token is no good any more: start over". */
const SYNC_STATE_LOST = new Set(["syncstatenotfound", "resyncrequired", "syncstateinvalid"]);

interface Page<T> {
  value: T[];
  "@odata.nextLink"?: string;
  "@odata.deltaLink"?: string;
}

export function createMicrosoftCalendar(config: ProviderConfig, options: MicrosoftCalendarOptions = {}): CalendarProvider & CalendarOAuth {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const client = (account: CalendarAccount) => graphClient(config, account, timeoutMs);
  const eventPath = (eventId: string) => `/me/events/${encodeURIComponent(eventId)}`;

  /** The path of the page after this one, refusing links to anywhere but the configured Graph. */
  function nextPath(link: string): string {
    const path = graphPath(link, config);
    if (!path) throw unexpectedAnswer(`Graph sent a link outside ${config.apiBaseUrl}`);
    return path;
  }

  /** One round of delta pages, from `path` to the deltaLink. */
  async function readDelta(graph: Client, path: string): Promise<{ events: ExternalEvent[]; cursor: string }> {
    // The same event can come twice in one round (changed between pages): the later one wins.
    const events = new Map<string, ExternalEvent>();
    let next = path;
    for (;;) {
      const page: Page<DeltaItem> = await graphCall("calendarView delta", () => graph.api(next).header("Prefer", PREFER_UTC).get());
      for (const item of page.value) if (item.id) events.set(item.id, externalEvent(item));
      if (page["@odata.deltaLink"]) return { events: [...events.values()], cursor: page["@odata.deltaLink"] };
      if (!page["@odata.nextLink"]) throw unexpectedAnswer("Graph ended a delta round without a deltaLink");
      next = nextPath(page["@odata.nextLink"]);
    }
  }

  function fullSyncPath(): string {
    const now = Date.now();
    return `/me/calendarView/delta?startDateTime=${encodeURIComponent(new Date(now - SYNC_PAST_MS).toISOString())}&endDateTime=${encodeURIComponent(new Date(now + SYNC_AHEAD_MS).toISOString())}`;
  }

  return {
    id: "microsoft",
    label: "Microsoft 365",
    events: "external",
    ...microsoftOAuth(config, timeoutMs),

    async busy(account, from, to) {
      const graph = await client(account);
      const busy: BusyInterval[] = [];
      let path: string | null =
        `/me/calendarView?startDateTime=${encodeURIComponent(from.toISOString())}&endDateTime=${encodeURIComponent(to.toISOString())}` +
        `&$select=id,start,end,showAs,isCancelled&$top=${BUSY_PAGE_SIZE}`;
      while (path) {
        const current: string = path;
        const page: Page<GraphEvent> = await graphCall("calendarView", () => graph.api(current).header("Prefer", PREFER_UTC).get());
        for (const event of page.value) {
          const interval = busyInterval(event);
          if (interval) busy.push(interval);
        }
        path = page["@odata.nextLink"] ? nextPath(page["@odata.nextLink"]) : null;
      }
      return busy;
    },

    async create(account, event) {
      const graph = await client(account);
      const created: GraphEvent = await graphCall("create event", () => graph.api("/me/events").post(newGraphEvent(event)));
      if (!created.id) throw unexpectedAnswer("Graph created an event without an id");
      return created.id;
    },

    async move(account, eventId, event) {
      const graph = await client(account);
      await graphCall("move event", () => graph.api(eventPath(eventId)).patch(graphTimes(event)));
    },

    async cancel(account, eventId, _event, reason) {
      const graph = await client(account);
      try {
        await graphCall("cancel event", () => graph.api(`${eventPath(eventId)}/cancel`).post(reason ? { comment: reason } : {}));
      } catch (error) {
        // Already cancelled or deleted in Outlook: the attendee has heard, nothing left to do.
        if (error instanceof MicrosoftCalendarError && error.status === 404) return;
        throw error;
      }
    },

    async changes(account, cursor): Promise<ChangePage> {
      const graph = await client(account);
      const saved = cursor ? graphPath(cursor, config) : null;
      // A cursor for another Graph host (configuration changed) cannot be followed: start over.
      if (!saved) return { ...(await readDelta(graph, fullSyncPath())), reset: cursor !== null };
      try {
        return { ...(await readDelta(graph, saved)), reset: false };
      } catch (error) {
        if (!(error instanceof MicrosoftCalendarError) || !(error.status === 410 || SYNC_STATE_LOST.has((error.code ?? "").toLowerCase()))) throw error;
        return { ...(await readDelta(graph, fullSyncPath())), reset: true };
      }
    },

    async watch(account, notificationUrl, secret) {
      const graph = await client(account);
      const subscription: Subscription = await graphCall("create subscription", () =>
        graph.api("/subscriptions").post({
          changeType: "created,updated,deleted",
          notificationUrl,
          lifecycleNotificationUrl: notificationUrl,
          resource: "me/events",
          expirationDateTime: new Date(Date.now() + SUBSCRIPTION_LIFETIME_MS).toISOString(),
          clientState: secret,
        }),
      );
      if (!subscription.id || !subscription.expirationDateTime) throw unexpectedAnswer("Graph created a subscription without an id or expiry");
      return { id: subscription.id, resourceId: subscription.id, expiresAt: new Date(subscription.expirationDateTime) };
    },

    async unwatch(account, channel) {
      const graph = await client(account);
      try {
        await graphCall("delete subscription", () => graph.api(`/subscriptions/${encodeURIComponent(channel.id)}`).delete());
      } catch (error) {
        // Expired or removed by Graph already.
        if (error instanceof MicrosoftCalendarError && error.status === 404) return;
        throw error;
      }
    },

    parsePush: parseGraphPush,
  };
}
