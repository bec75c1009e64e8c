import { randomUUID } from "node:crypto";
import type { calendar_v3 } from "@googleapis/calendar";
import type { CalendarAccount, CalendarOAuth, CalendarProvider, ChangePage, ProviderConfig } from "../types.js";
import { calendarError, GoogleCalendarError } from "./errors.js";
import { eventBody, eventIdFor, eventTimes, instant, isBusy, sameTimes, toExternalEvent } from "./events.js";
import { googleOAuth } from "./oauth.js";
import { parseGooglePush } from "./push.js";

export { GoogleCalendarError, GoogleOAuthError } from "./errors.js";

// Google Calendar through the real @googleapis/calendar client, on the staff member's primary calendar.
// Every request carries the access token `account.accessToken()` gives at that moment (the caller
// refreshes it). The client's own retries are off: a booking happens while a caller waits, so a 429 or
// 5xx surfaces at once with its status (GoogleCalendarError) and the caller decides.

const PRIMARY = "primary";
const REQUEST_TIMEOUT_MS = 10_000;
/** Google's largest events.list page. */
const PAGE_SIZE = 2500;
/** A full sync reports the events of this window (the contract: "the coming weeks"). */
const FULL_SYNC_PAST_MS = 24 * 3600_000;
const FULL_SYNC_FUTURE_MS = 60 * 24 * 3600_000;

type ListParams = Omit<calendar_v3.Params$Resource$Events$List, "calendarId" | "pageToken" | "auth">;

/**
 * Google's client library, loaded when a Google calendar is first used: about 8 MB of every
 * process's memory (bench/sync.ts, "worker peak RSS") that a deployment without Google calendars
 * would carry for nothing.
 */
let library: Promise<typeof import("@googleapis/calendar")> | undefined;
const googleLibrary = () => (library ??= import("@googleapis/calendar"));

export function createGoogleCalendar(config: ProviderConfig): CalendarProvider & CalendarOAuth {
  let calendarApi: calendar_v3.Calendar | undefined;

  /** The API client (made once) and an OAuth client holding the account's access token of this moment. */
  async function authFor(account: CalendarAccount) {
    const { auth, calendar } = await googleLibrary();
    const api = (calendarApi ??= calendar({ version: "v3", rootUrl: `${config.apiBaseUrl.replace(/\/+$/, "")}/`, retry: false, timeout: REQUEST_TIMEOUT_MS }));
    const client = new auth.OAuth2();
    client.setCredentials({ access_token: await account.accessToken() });
    return { api, client };
  }

  async function request<T>(operation: string, send: () => Promise<{ data: T }>): Promise<T> {
    try {
      return (await send()).data;
    } catch (error) {
      throw calendarError(operation, error);
    }
  }

  /** Every page of one events.list, with the calendar's time zone and the last page's nextSyncToken. */
  async function listAll(account: CalendarAccount, operation: string, params: ListParams) {
    const { api, client } = await authFor(account);
    const items: calendar_v3.Schema$Event[] = [];
    let pageToken: string | undefined;
    let page: calendar_v3.Schema$Events;
    do {
      page = await request(operation, () => api.events.list({ ...params, calendarId: PRIMARY, maxResults: PAGE_SIZE, ...(pageToken ? { pageToken } : {}), auth: client }));
      items.push(...(page.items ?? []));
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken);
    return { items, timeZone: page.timeZone ?? "UTC", nextSyncToken: page.nextSyncToken ?? null };
  }

  /**
   * A full sync: no time bounds, because Google refuses timeMin/timeMax next to a syncToken and the
   * token must come from a list the incremental ones can continue. The window is applied here.
   */
  async function fullSync(account: CalendarAccount, reset: boolean): Promise<ChangePage> {
    const list = await listAll(account, "full sync", { singleEvents: true });
    const from = Date.now() - FULL_SYNC_PAST_MS;
    const to = Date.now() + FULL_SYNC_FUTURE_MS;
    const events = list.items
      .map((e) => toExternalEvent(e, list.timeZone))
      .filter((e) => !e.cancelled && e.start && e.end && e.end.getTime() > from && e.start.getTime() < to);
    return { events, cursor: syncCursor(list.nextSyncToken), reset };
  }

  return {
    id: "google",
    label: "Google",
    events: "external",
    ...googleOAuth(config),

    /** events.list rather than freeBusy: it names each event, and the caller skips our own by id. */
    async busy(account, from, to) {
      const list = await listAll(account, "busy", { singleEvents: true, timeMin: from.toISOString(), timeMax: to.toISOString() });
      return list.items.filter(isBusy).flatMap((e) => {
        const start = instant(e.start, list.timeZone);
        const end = instant(e.end, list.timeZone);
        return start && end ? [{ start, end, eventId: e.id ?? null }] : [];
      });
    },

    /**
     * Insert with our own id. A 409 means an earlier attempt got through (its answer was lost, or the
     * voice platform retried the tool call): the event is ours, so make sure it holds these times and
     * is not deleted, and return the same id.
     */
    async create(account, event) {
      const { api, client } = await authFor(account);
      const eventId = eventIdFor(event.bookingId);
      try {
        await request("insert", () => api.events.insert({ calendarId: PRIMARY, sendUpdates: "all", requestBody: eventBody(event), auth: client }));
        return eventId;
      } catch (error) {
        if (!(error instanceof GoogleCalendarError && error.status === 409)) throw error;
      }
      const existing = await request("get", () => api.events.get({ calendarId: PRIMARY, eventId, auth: client }));
      if (existing.status === "cancelled" || !sameTimes(existing, event)) {
        await request("patch", () => api.events.patch({ calendarId: PRIMARY, eventId, sendUpdates: "all", requestBody: { ...eventTimes(event), status: "confirmed" }, auth: client }));
      }
      return eventId;
    },

    /**
     * Patch the times of the same event. `status: "confirmed"` restores an event deleted in Google
     * Calendar meanwhile (Google lets the organizer patch a deleted event and would otherwise leave it
     * deleted): the booking in our database is the truth the calendar mirrors.
     */
    async move(account, eventId, event) {
      const { api, client } = await authFor(account);
      await request("patch", () => api.events.patch({ calendarId: PRIMARY, eventId, sendUpdates: "all", requestBody: { ...eventTimes(event), status: "confirmed" }, auth: client }));
    },

    /**
     * Delete with sendUpdates=all (Google's default e-mails nobody). Already deleted (410) or unknown
     * (404) is the state we want. The reason is not written into the event: Google's cancellation
     * e-mail has no place for it, and it may say things about the caller the calendar need not keep.
     */
    async cancel(account, eventId) {
      const { api, client } = await authFor(account);
      try {
        await request("delete", () => api.events.delete({ calendarId: PRIMARY, eventId, sendUpdates: "all", auth: client }));
      } catch (error) {
        if (error instanceof GoogleCalendarError && (error.status === 404 || error.status === 410)) return;
        throw error;
      }
    },

    /** Incremental changes since the sync token; deleted events come as cancelled, with only their id. */
    async changes(account, cursor) {
      if (cursor === null) return fullSync(account, false);
      try {
        const list = await listAll(account, "incremental sync", { singleEvents: true, syncToken: cursor });
        return { events: list.items.map((e) => toExternalEvent(e, list.timeZone)), cursor: syncCursor(list.nextSyncToken), reset: false };
      } catch (error) {
        // 410 fullSyncRequired: the token expired or Google dropped it; start over.
        if (error instanceof GoogleCalendarError && error.status === 410) return fullSync(account, true);
        throw error;
      }
    },

    async watch(account, notificationUrl, secret) {
      const { api, client } = await authFor(account);
      const channel = await request("watch", () =>
        api.events.watch({ calendarId: PRIMARY, requestBody: { id: randomUUID(), type: "web_hook", address: notificationUrl, token: secret }, auth: client }),
      );
      if (!channel.id || !channel.resourceId || !channel.expiration) throw new GoogleCalendarError("Google Calendar watch: the channel answer lacks id, resourceId or expiration", 200, null);
      return { id: channel.id, resourceId: channel.resourceId, expiresAt: new Date(Number(channel.expiration)) };
    },

    /** Stop the channel; one Google no longer knows (expired, stopped before) is already what we want. */
    async unwatch(account, channel) {
      const { api, client } = await authFor(account);
      try {
        await request("stop channel", () => api.channels.stop({ requestBody: { id: channel.id, resourceId: channel.resourceId }, auth: client }));
      } catch (error) {
        if (error instanceof GoogleCalendarError && error.status === 404) return;
        throw error;
      }
    },

    parsePush: parseGooglePush,
  };
}

function syncCursor(nextSyncToken: string | null): string {
  if (!nextSyncToken) throw new GoogleCalendarError("Google Calendar sync: the last page carried no nextSyncToken", 200, null);
  return nextSyncToken;
}
