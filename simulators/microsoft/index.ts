import { Listeners } from "../shared/listener.js";
import { Calendar, type AttendeeNotification, type ExternalEventInput, type SimEvent } from "./calendar.js";
import { DEFAULT_SCOPES, Identity } from "./identity.js";
import { createGraphApp, createLoginApp, type Fault, type RequestRecord, type SimRuntime } from "./server.js";
import { Subscriptions, type LifecycleEvent, type PushRecord, type SimSubscription } from "./subscriptions.js";

// An in-process HTTP simulator of the Microsoft Graph calendar endpoints and the identity platform
// this app calls, as strict and unkind as Graph where it hurts (shared/reference/calendars.md, STYLE.md
// "Tests"): bearer tokens expire, refresh tokens get revoked (invalid_grant), unknown event properties
// and time zones are 400s, ids are long and end in "=", a repeated transactionId returns the first
// event, only the organizer may cancel, calendarView pages after 10 events and keeps cancelled meetings
// in its answer, delta tokens die (410 syncStateNotFound), subscriptions demand the validation echo,
// and 429 / 503 come on demand. The app reaches it through the real @microsoft/microsoft-graph-client.
//
// `startMicrosoftSim(options)` listens on free loopback ports (Graph and login); `sim.config` gives the
// client id and secret and the MICROSOFT_GRAPH_BASE_URL, MICROSOFT_AUTH_BASE_URL and MICROSOFT_TOKEN_URL
// to give the app. Used by test/unit/microsoft-calendar.test.ts and
// test/integration/booking-calendars.test.ts.
//
//   identity.ts       users, the app, codes, access / refresh / id tokens
//   calendar.ts       per-user events, attendee mails, calendarView and delta
//   subscriptions.ts  change notification subscriptions, validation handshake, deliveries
//   server.ts         the Graph and login express apps
//   errors.ts         Graph's and the identity platform's error bodies
//   time.ts           dateTimeTimeZone <-> instants

export { DEFAULT_SCOPES } from "./identity.js";
export type { AttendeeNotification, ExternalEventInput, ShowAs, SimAttendee, SimEvent } from "./calendar.js";
export type { SimUser } from "./identity.js";
export type { Fault, RequestRecord } from "./server.js";
export type { LifecycleEvent, PushRecord, SimSubscription } from "./subscriptions.js";

export interface MicrosoftSimOptions {
  /** Delay before every answer, Graph and login alike. Default 0. */
  latencyMs?: number;
  /** Most events a calendarView or delta page holds, whatever $top says. Default 10 (Graph's default page). */
  pageSize?: number;
  /** Access token lifetime. Default 3599 s, as the identity platform's. */
  accessTokenTtlSeconds?: number;
  /** How long the app has to echo a validation token. Default 10 s, as Graph. */
  validationTimeoutMs?: number;
  /** How long the app has to answer a notification. Default 3 s, as Graph asks. */
  deliveryTimeoutMs?: number;
  /** The registered app. Defaults: "sim-microsoft-client" / "sim-microsoft-secret". */
  clientId?: string;
  clientSecret?: string;
}

/** Base URLs and credentials in the shape of the app's ProviderConfig. */
export interface MicrosoftSimConfig {
  clientId: string;
  clientSecret: string;
  apiBaseUrl: string;
  authBaseUrl: string;
  tokenUrl: string;
}

export class MicrosoftSim {
  /** Graph's root (the app's apiBaseUrl): requests go to `${url}/v1.0/...`. */
  url = "";
  /** The identity platform with its tenant segment, like https://login.microsoftonline.com/common. */
  authBaseUrl = "";
  tokenUrl = "";
  /** Every request to either host, in arrival order. */
  readonly requests: RequestRecord[] = [];
  /** Mails Outlook sent attendees: invites, updates, cancellations (with the organizer's comment). */
  readonly notifications: AttendeeNotification[] = [];
  /** Every POST the simulator made to an app endpoint: validations, change and lifecycle notifications. */
  readonly pushes: PushRecord[] = [];

  readonly clientId: string;
  readonly clientSecret: string;
  private readonly options: Required<Omit<MicrosoftSimOptions, "clientId" | "clientSecret">>;
  private readonly identity: Identity;
  private readonly calendar: Calendar;
  private readonly subscriptionStore: Subscriptions;
  private readonly faults: Fault[] = [];
  private readonly listeners = new Listeners();

  constructor(options: MicrosoftSimOptions = {}) {
    this.clientId = options.clientId ?? "sim-microsoft-client";
    this.clientSecret = options.clientSecret ?? "sim-microsoft-secret";
    this.options = { latencyMs: 0, pageSize: 10, accessTokenTtlSeconds: 3599, validationTimeoutMs: 10_000, deliveryTimeoutMs: 3_000, ...options };
    this.identity = new Identity(this.options.accessTokenTtlSeconds);
    this.identity.registerApp({ clientId: this.clientId, clientSecret: this.clientSecret });
    this.subscriptionStore = new Subscriptions({ validationTimeoutMs: this.options.validationTimeoutMs, deliveryTimeoutMs: this.options.deliveryTimeoutMs, log: (record) => this.pushes.push(record) });
    this.calendar = new Calendar({
      pageSize: this.options.pageSize,
      notify: (notification) => this.notifications.push(notification),
      changed: (user, changeType, event) => this.subscriptionStore.changed(user, changeType, event),
    });
  }

  get config(): MicrosoftSimConfig {
    return { clientId: this.clientId, clientSecret: this.clientSecret, apiBaseUrl: this.url, authBaseUrl: this.authBaseUrl, tokenUrl: this.tokenUrl };
  }

  // ---- identity -------------------------------------------------------------------------------

  /** The code the identity platform sends the redirect URI once `email` signs in and consents. */
  grant(email: string, options: { scopes?: string[]; redirectUri?: string } = {}): string {
    return this.identity.grant(email, { clientId: this.clientId, ...options });
  }

  /** An access token for `email` without the OAuth dance (scopes default to what the app asks for). */
  issueToken(email: string, options: { scopes?: string[] } = {}): string {
    return this.identity.issueAccessToken(email, this.clientId, options.scopes ?? DEFAULT_SCOPES);
  }

  /** Every access token issued so far is expired: Graph answers 401 InvalidAuthenticationToken. */
  expireTokens(): void {
    this.identity.expireAccessTokens();
  }

  /** The user's refresh tokens answer invalid_grant (AADSTS70008) from now on. */
  revokeRefresh(email: string): void {
    this.identity.revokeRefreshTokens(email);
  }

  // ---- calendars ------------------------------------------------------------------------------

  /** Every event of the user's mailbox, cancelled and deleted ones included (copies). */
  events(email: string): SimEvent[] {
    return this.calendar.list(this.identity.user(email));
  }

  /** An event made directly in Outlook (no transactionId); subscriptions hear about it. */
  insertExternal(email: string, event: ExternalEventInput): SimEvent {
    return this.calendar.insertExternal(this.identity.user(email), event);
  }

  /** An event changed directly in Outlook. */
  updateExternal(email: string, eventId: string, patch: Partial<Pick<ExternalEventInput, "start" | "end" | "subject" | "showAs" | "isCancelled">>): SimEvent {
    return this.calendar.updateExternal(this.identity.user(email), eventId, patch);
  }

  /** An event deleted directly in Outlook (no mail to attendees). */
  deleteExternal(email: string, eventId: string): void {
    this.calendar.deleteExternal(this.identity.user(email), eventId);
  }

  /** Every delta and skip token handed out so far answers 410 syncStateNotFound. */
  invalidateDeltaTokens(): void {
    this.calendar.invalidateDeltaTokens();
  }

  // ---- subscriptions --------------------------------------------------------------------------

  /** Live subscriptions, of one user or of everyone. */
  subscriptions(email?: string): SimSubscription[] {
    return this.subscriptionStore.list(email ? this.identity.user(email).id : undefined);
  }

  /** Sends a lifecycle notice to the subscription's lifecycleNotificationUrl (subscriptionRemoved also ends it). */
  lifecycle(subscriptionId: string, event: LifecycleEvent): Promise<PushRecord> {
    const subscription = this.subscriptionStore.list().find((s) => s.id === subscriptionId);
    const tenantId = (subscription && this.identity.userById(subscription.userId)?.tenantId) ?? "";
    return this.subscriptionStore.lifecycle(subscriptionId, event, tenantId);
  }

  /** Resolves once every notification sent so far has been answered (or has timed out). */
  settle(): Promise<void> {
    return this.subscriptionStore.settle();
  }

  // ---- faults and logs ------------------------------------------------------------------------

  /** The next `n` Graph requests (not login) answer `status` with Graph's body; 429 carries Retry-After: 2. */
  failNext(n: number, status: number, fault: Omit<Fault, "status"> = {}): void {
    for (let i = 0; i < n; i++) this.faults.push({ status, ...fault });
  }

  countRequests(filter: { host?: RequestRecord["host"]; method?: string; path?: string | RegExp; status?: number } = {}): number {
    return this.requests.filter(
      (r) =>
        (!filter.host || r.host === filter.host) &&
        (!filter.method || r.method === filter.method) &&
        (filter.path === undefined || (typeof filter.path === "string" ? r.path.toLowerCase() === filter.path.toLowerCase() : filter.path.test(r.path))) &&
        (filter.status === undefined || r.status === filter.status),
    ).length;
  }

  /** Forgets the request, notification and push logs and queued faults; users, tokens, events and subscriptions stay. */
  reset(): void {
    this.requests.length = 0;
    this.notifications.length = 0;
    this.pushes.length = 0;
    this.faults.length = 0;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  async listen(): Promise<void> {
    const runtime: SimRuntime = {
      identity: this.identity,
      calendar: this.calendar,
      subscriptions: this.subscriptionStore,
      latencyMs: this.options.latencyMs,
      graphUrl: () => this.url,
      log: (record) => this.requests.push(record),
      takeFault: () => this.faults.shift() ?? null,
    };
    this.url = await this.listeners.serve(createGraphApp(runtime));
    this.authBaseUrl = `${await this.listeners.serve(createLoginApp(runtime))}/common`;
    this.tokenUrl = `${this.authBaseUrl}/oauth2/v2.0/token`;
  }

  /** Stops both servers and any notification still in flight. */
  async stop(): Promise<void> {
    await this.subscriptionStore.stop();
    await this.listeners.close();
  }
}

export async function startMicrosoftSim(options?: MicrosoftSimOptions): Promise<MicrosoftSim> {
  const sim = new MicrosoftSim(options);
  await sim.listen();
  return sim;
}
