import { randomInt } from "node:crypto";
import type { calendar_v3 } from "@googleapis/calendar";
import { GoogleOAuth } from "./auth.js";
import { CalendarStore, isTimeZone, type ExternalEventInput, type SimNotification } from "./calendar.js";
import { faultError, type GoogleError } from "./errors.js";
import { PushChannels, type ChannelView, type PushRecord } from "./push.js";
import { createApp, type RequestRecord } from "./server.js";
import { Listeners } from "../shared/listener.js";

// An in-process HTTP simulator of the Google Calendar and Google OAuth endpoints the calendar provider
// calls, as strict and as unkind as Google where it hurts (STYLE.md "Tests"): event ids must be
// base32hex, an id is taken for ever (409 on a retried insert, 410 on a second delete), deleted events
// come back as "cancelled" tombstones in incremental lists, sync tokens expire (410), invitations go
// out only with sendUpdates, push messages arrive on their own schedule with the channel's token in a
// header, access tokens expire and refresh tokens get revoked (invalid_grant), and 429/5xx come on
// demand. The app reaches it through the real @googleapis/calendar client (`rootUrl: sim.url + "/"`).
//
// `startGoogleSim(options)` listens on a free loopback port; `sim.config()` gives the client id and
// secret and the GOOGLE_API_BASE_URL, GOOGLE_AUTH_BASE_URL and GOOGLE_TOKEN_URL to give the app. Used
// by test/unit/google-calendar.test.ts, test/integration/booking-calendars.test.ts and bench/booking.ts.
//
//   auth.ts      OAuth: consent, codes, tokens, id_tokens, the scopes each endpoint accepts
//   calendar.ts  each user's primary calendar: validation, patch semantics, lists, sync tokens, free/busy
//   push.ts      watch channels and the push messages
//   server.ts    the express app: log -> latency -> OAuth | fault -> 401 -> 403 -> endpoint
//   errors.ts    Google's error bodies

export { DEFAULT_GRANT_SCOPES, SCOPES } from "./auth.js";
export type { ExternalEventInput, SimNotification } from "./calendar.js";
export type { ChannelView, PushRecord } from "./push.js";
export type { RequestRecord } from "./server.js";

export const SIM_CLIENT_ID = "123456789012-simulator.apps.googleusercontent.com";
export const SIM_CLIENT_SECRET = "GOCSPX-simulator-secret";

export interface GoogleSimOptions {
  /** Delay before every answer (OAuth and API). Default 0. */
  latencyMs?: number;
  /** The one OAuth web client the simulator knows. Defaults: SIM_CLIENT_ID, SIM_CLIENT_SECRET. */
  clientId?: string;
  clientSecret?: string;
  /** Access token lifetime; Google's is 3599 s. */
  accessTokenTtlSeconds?: number;
  /** Most events on one page of events.list, whatever maxResults asks (Google: 250 by default, 2500 at most). */
  pageSize?: number;
  /** Time zone of every user's primary calendar (all-day events start at its midnight). Default America/New_York. */
  timeZone?: string;
}

/** The `ProviderConfig` that points a provider at this simulator. */
export interface SimProviderConfig {
  clientId: string;
  clientSecret: string;
  apiBaseUrl: string;
  authBaseUrl: string;
  tokenUrl: string;
}

export type SimEvent = calendar_v3.Schema$Event;

export class GoogleSim {
  /** Base URL of everything: API (`rootUrl`), consent screen (authBaseUrl) and token endpoint. */
  url = "";
  /** Where the authorisation code and refresh token are exchanged (`${url}/token`). */
  tokenUrl = "";
  /** Google's accounts.google.com: the consent screen is `${authBaseUrl}/o/oauth2/v2/auth`. */
  authBaseUrl = "";
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every request, in arrival order (reset() empties it in place). */
  readonly requests: RequestRecord[] = [];

  private readonly oauth: GoogleOAuth;
  private readonly store: CalendarStore;
  private readonly push = new PushChannels();
  private readonly subjects = new Map<string, string>();
  private readonly faults: GoogleError[] = [];
  private readonly latencyMs: number;
  private readonly listeners = new Listeners();

  constructor(options: GoogleSimOptions = {}) {
    this.clientId = options.clientId ?? SIM_CLIENT_ID;
    this.clientSecret = options.clientSecret ?? SIM_CLIENT_SECRET;
    this.latencyMs = options.latencyMs ?? 0;
    const timeZone = options.timeZone ?? "America/New_York";
    if (!isTimeZone(timeZone)) throw new Error(`startGoogleSim: unknown time zone ${timeZone}`);
    this.oauth = new GoogleOAuth(this.clientId, this.clientSecret, options.accessTokenTtlSeconds ?? 3599, (email) => this.subject(email));
    this.store = new CalendarStore({ defaultTimeZone: timeZone, pageSize: options.pageSize ?? 250, onChange: (email) => this.push.changed(email) });
  }

  /** Invitations, updates and cancellations Google e-mailed to attendees (only with sendUpdates). */
  get notifications(): SimNotification[] {
    return this.store.notifications;
  }

  /** Push messages sent to watch channels, in the order they were sent. */
  get pushes(): PushRecord[] {
    return this.push.deliveries;
  }

  config(): SimProviderConfig {
    return { clientId: this.clientId, clientSecret: this.clientSecret, apiBaseUrl: this.url, authBaseUrl: this.authBaseUrl, tokenUrl: this.tokenUrl };
  }

  // ---- OAuth ----------------------------------------------------------------------------------

  /**
   * The code Google hands the redirect URI once `email` approved offline access with prompt=consent.
   * `scopes` are what the user left ticked (default: the app's four); with `redirectUri` the exchange
   * must name the same one.
   */
  grant(email: string, options: { scopes?: readonly string[]; redirectUri?: string } = {}): string {
    this.store.calendar(email);
    return this.oauth.grant(email, options);
  }

  /** An access token for `email` straight away. */
  issueToken(email: string, options: { scopes?: readonly string[] } = {}): string {
    this.store.calendar(email);
    return this.oauth.issueToken(email, options.scopes);
  }

  /** Access tokens (of `email`, or everyone's) are expired from now on: the API answers 401. */
  expireTokens(email?: string): void {
    this.oauth.expireTokens(email);
  }

  /** `email` removed the app's access: refreshes answer invalid_grant, access tokens 401. */
  revokeRefresh(email: string): void {
    this.oauth.revokeRefresh(email);
  }

  // ---- calendars ------------------------------------------------------------------------------

  setTimeZone(email: string, timeZone: string): void {
    if (!isTimeZone(timeZone)) throw new Error(`setTimeZone: unknown time zone ${timeZone}`);
    this.store.calendar(email).timeZone = timeZone;
  }

  /** An event made directly in Google Calendar (random id, no booking id); watch channels are told. */
  insertExternal(email: string, input: ExternalEventInput): SimEvent {
    return this.store.insertExternal(email, input) as SimEvent;
  }

  /** An event changed directly in Google Calendar (no e-mails sent). */
  updateExternal(email: string, eventId: string, input: Partial<ExternalEventInput>): SimEvent {
    return this.store.updateExternal(email, eventId, input) as SimEvent;
  }

  /** An event deleted directly in Google Calendar (no e-mails sent). */
  deleteExternal(email: string, eventId: string): void {
    this.store.deleteExternal(email, eventId);
  }

  /** Every event of the user's primary calendar, deleted ones included (status "cancelled"). */
  events(email: string): SimEvent[] {
    return this.store.events(email) as SimEvent[];
  }

  event(email: string, eventId: string): SimEvent | undefined {
    return this.events(email).find((e) => e.id === eventId);
  }

  channels(email?: string): ChannelView[] {
    return this.push.list(email);
  }

  /** The next incremental list (of `email`, or anyone) answers 410 fullSyncRequired. */
  invalidateSyncTokens(email?: string): void {
    this.store.invalidateSyncTokens(email);
  }

  // ---- faults and timing ----------------------------------------------------------------------

  /** The next `n` API requests (not OAuth) get `status` with Google's body for it (429, 403, 500, 503 ...). */
  failNext(n: number, status: number, options: { reason?: string; message?: string } = {}): void {
    for (let i = 0; i < n; i++) this.faults.push(faultError(status, options));
  }

  /** Resolves once every push message queued so far has been delivered or has failed. */
  async flushPushes(): Promise<void> {
    await this.push.settle();
  }

  /** Forgets the request log, notifications, push log and queued faults; calendars, tokens and channels stay. */
  reset(): void {
    this.requests.length = 0;
    this.store.notifications.length = 0;
    this.push.deliveries.length = 0;
    this.faults.length = 0;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  async listen(): Promise<void> {
    const app = createApp({
      oauth: this.oauth,
      store: this.store,
      push: this.push,
      latencyMs: this.latencyMs,
      log: (record) => this.requests.push(record),
      takeFault: () => this.faults.shift() ?? null,
    });
    this.url = await this.listeners.serve(app);
    this.authBaseUrl = this.url;
    this.tokenUrl = `${this.url}/token`;
  }

  /** Stops the server after the push messages in flight; open sockets are destroyed. */
  async stop(): Promise<void> {
    await this.push.settle();
    await this.listeners.close();
  }

  /** Google's stable numeric user id (`sub`). */
  private subject(email: string): string {
    const key = email.toLowerCase();
    let sub = this.subjects.get(key);
    if (!sub) {
      sub = `1${String(randomInt(10 ** 9)).padStart(9, "0")}${String(randomInt(10 ** 10)).padStart(10, "0")}`;
      this.subjects.set(key, sub);
    }
    return sub;
  }
}

export async function startGoogleSim(options?: GoogleSimOptions): Promise<GoogleSim> {
  const sim = new GoogleSim(options);
  await sim.listen();
  return sim;
}
