import { randomBytes } from "node:crypto";
import { Listeners } from "../shared/listener.js";
import { CalendlyOAuth, DEFAULT_GRANT_SCOPES } from "./auth.js";
import { Directory, type EventTypeInput, type SimEventType, type SimUser, type UserInput, type WorkingHours } from "./directory.js";
import { CalendlyError, faultError } from "./errors.js";
import type { InviteeInput } from "./invitee-input.js";
import { DAY, HOUR, MINUTE, RateLimiter } from "./limits.js";
import { Scheduling, type SimInvitee, type SimScheduledEvent } from "./scheduling.js";
import { createApiApp, createAuthApp, type Limits, type RequestRecord } from "./server.js";
import { Webhooks, type DeliveryRecord, type SimWebhookSubscription } from "./webhooks.js";

// An in-process HTTP simulator of the Calendly API v2 and Calendly's OAuth, as strict and as unkind as
// Calendly where it hurts (shared/reference/calendars.md, STYLE.md "Tests"): access tokens expire
// after two hours and refresh tokens are single-use (a second use is invalid_grant); everything is
// named by URI and another user's or organization's resource is a 403; lists page with page tokens
// bound to their query; available times only in the future and over at most 31 days; POST /invitees
// refuses a time that is taken or outside working hours, and is limited per user (10 a minute, 50 an
// hour, 100 a day) with Calendly's X-RateLimit-* headers on every answer; cancelling twice is refused;
// webhooks are signed, delivered after the fact, retried on failure, and on demand duplicated or held
// and released out of order. People act on Calendly too (bookDirect, cancelDirect, rescheduleDirect),
// so a test can book the slot the app is about to book. 429/500/503 come on demand.
//
// `startCalendlySim(options)` listens on two free loopback ports (API and auth); `sim.config()` gives
// the client id and secret, the webhook signing key and the base URLs to give the app. Used by
// test/unit/calendly-sim.test.ts.
//
//   auth.ts           OAuth: consent, codes (PKCE), access tokens, rotating refresh tokens, scopes
//   directory.ts      users, organizations, event types, working hours, who may see what
//   scheduling.ts     availability, bookings, cancellations, reschedules, scheduled event lists
//   invitee-input.ts  reading a POST /invitees body
//   webhooks.ts       webhook subscriptions, signed deliveries, retries, duplicate / out-of-order knobs
//   limits.ts         per-user rate-limit windows and their headers
//   paging.ts         Calendly's count + page_token pagination
//   server.ts         the API and auth express apps: log -> latency -> fault -> 401 -> rate limit -> 403 -> endpoint
//   errors.ts         Calendly's error bodies
//   time.ts           instants as Calendly writes them, wall-clock hours in a zone

export { DEFAULT_GRANT_SCOPES, SCOPES } from "./auth.js";
export type { EventTypeInput, SimEventType, SimUser, UserInput, WorkingHours } from "./directory.js";
export type { InviteeInput } from "./invitee-input.js";
export type { SimInvitee, SimScheduledEvent } from "./scheduling.js";
export type { RequestRecord } from "./server.js";
export type { DeliveryRecord, SimWebhookSubscription } from "./webhooks.js";

export const SIM_CLIENT_ID = "sim-calendly-client-id";
export const SIM_CLIENT_SECRET = "sim-calendly-client-secret";

export interface CalendlySimOptions {
  /** Delay before every answer, API and auth alike. Default 0. */
  latencyMs?: number;
  clientId?: string;
  clientSecret?: string;
  /** The OAuth app's webhook signing key, used when a subscription names none. Default: random. */
  webhookSigningKey?: string;
  /** Redirect URIs registered for the app; by default any is accepted. */
  redirectUris?: string[];
  /** Access token lifetime. Default 7200 s, as Calendly's. */
  accessTokenTtlSeconds?: number;
  /** POST /invitees per user. Defaults: 10 a minute, 50 an hour, 100 a day (paid, non-Enterprise). */
  inviteeLimits?: { perMinute?: number; perHour?: number; perDay?: number };
  /** Every API request per user per minute. Default 500 (paid plans; the free plan has 50). */
  apiLimitPerMinute?: number;
  /** Delays before each retry of a webhook the receiver did not take (non-2xx). Default [100, 500]; [] for none. */
  webhookRetryDelaysMs?: number[];
  /** Random extra delay before each webhook delivery, up to this, so deliveries can overtake each other. Default 0. */
  webhookJitterMs?: number;
  /** How long a receiver has to answer a delivery. Default 5000 ms. */
  webhookTimeoutMs?: number;
}

/** Credentials and base URLs in the shape a provider's config takes. */
export interface CalendlySimConfig {
  clientId: string;
  clientSecret: string;
  webhookSigningKey: string;
  /** api.calendly.com */
  apiBaseUrl: string;
  /** auth.calendly.com: the consent screen is `${authBaseUrl}/oauth/authorize`. */
  authBaseUrl: string;
  tokenUrl: string;
}

/** A person on the scheduling page: the event type (or the user's first one) and who books. */
export interface DirectBooking {
  eventType?: string;
  startTime: string | Date;
  invitee?: InviteeInput;
}

export class CalendlySim {
  /** api.calendly.com */
  url = "";
  /** auth.calendly.com, which also stands for calendly.com (scheduling, cancel and reschedule links). */
  authUrl = "";
  readonly clientId: string;
  readonly clientSecret: string;
  readonly webhookSigningKey: string;
  /** Every request to either host, in arrival order. */
  readonly requests: RequestRecord[] = [];
  /** Every webhook POST, retries and duplicates included, in the order they were sent. */
  readonly deliveries: DeliveryRecord[] = [];

  private readonly directory: Directory;
  private readonly oauth: CalendlyOAuth;
  private readonly scheduling: Scheduling;
  private readonly webhooks: Webhooks;
  private readonly limiter = new RateLimiter();
  private readonly limits: Limits;
  private readonly faults: CalendlyError[] = [];
  private readonly latencyMs: number;
  private readonly listeners = new Listeners();

  constructor(options: CalendlySimOptions = {}) {
    this.clientId = options.clientId ?? SIM_CLIENT_ID;
    this.clientSecret = options.clientSecret ?? SIM_CLIENT_SECRET;
    this.webhookSigningKey = options.webhookSigningKey ?? randomBytes(32).toString("base64url");
    this.latencyMs = options.latencyMs ?? 0;
    const invitees = options.inviteeLimits ?? {};
    this.limits = {
      api: [{ limit: options.apiLimitPerMinute ?? 500, ms: MINUTE }],
      invitees: [
        { limit: invitees.perMinute ?? 10, ms: MINUTE },
        { limit: invitees.perHour ?? 50, ms: HOUR },
        { limit: invitees.perDay ?? 100, ms: DAY },
      ],
      tokens: [{ limit: 8, ms: MINUTE }],
    };
    this.directory = new Directory(() => this.url, () => this.authUrl);
    this.oauth = new CalendlyOAuth({
      clientId: this.clientId,
      clientSecret: this.clientSecret,
      accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 7200,
      redirectUris: options.redirectUris ?? [],
      identity: (email) => {
        const user = this.directory.user(email);
        return { owner: user.uri, organization: user.organization };
      },
      countToken: (email) => {
        const decision = this.limiter.take("tokens", email, this.limits.tokens);
        if (!decision.allowed) throw new CalendlyError(429, { error: "too_many_requests", error_description: "Only 8 tokens per user can be requested within 1 minute." }, decision.headers);
      },
    });
    this.webhooks = new Webhooks({
      directory: this.directory,
      appSigningKey: this.webhookSigningKey,
      retryDelaysMs: options.webhookRetryDelaysMs ?? [100, 500],
      timeoutMs: options.webhookTimeoutMs ?? 5000,
      jitterMs: options.webhookJitterMs ?? 0,
      log: (record) => this.deliveries.push(record),
    });
    this.scheduling = new Scheduling(this.directory, (name, invitee, event) => {
      const host = this.directory.byUri(event.host)!;
      this.webhooks.fire(name, host, { ...this.scheduling.inviteeJson(invitee), scheduled_event: this.scheduling.eventJson(event) });
    });
  }

  config(): CalendlySimConfig {
    return { clientId: this.clientId, clientSecret: this.clientSecret, webhookSigningKey: this.webhookSigningKey, apiBaseUrl: this.url, authBaseUrl: this.authUrl, tokenUrl: `${this.authUrl}/oauth/token` };
  }

  // ---- people and event types -----------------------------------------------------------------

  /** The user (made on first mention, with their own organization and a "30 Minute Meeting"). */
  user(email: string, input: UserInput = {}): SimUser {
    return this.directory.user(email, input);
  }

  setWorkingHours(email: string, hours: WorkingHours): void {
    this.directory.user(email, { hours });
  }

  addEventType(email: string, input: EventTypeInput = {}): SimEventType {
    return this.directory.addEventType(email, input);
  }

  updateEventType(uri: string, patch: Partial<Pick<SimEventType, "active" | "duration" | "name">>): SimEventType {
    return this.directory.updateEventType(uri, patch);
  }

  eventTypes(email: string): SimEventType[] {
    return this.directory.eventTypesOf(this.directory.user(email).uri);
  }

  /** Time the host is busy on another calendar Calendly checks. */
  addBusy(email: string, start: string | Date, end: string | Date): void {
    this.scheduling.addBusy(this.directory.user(email), new Date(start).getTime(), new Date(end).getTime());
  }

  // ---- OAuth ----------------------------------------------------------------------------------

  /** The user signed in to calendly.com in the simulated browser: the consent screen approves as them. */
  signIn(email: string): void {
    this.directory.user(email);
    this.oauth.signedIn = email.toLowerCase();
  }

  /** The code Calendly hands `redirectUri` once `email` approved the app. */
  grant(email: string, options: { scopes?: readonly string[]; redirectUri: string }): string {
    this.directory.user(email);
    return this.oauth.grant(email, options);
  }

  /** An access token for `email` straight away (scopes default to what the app asks for). */
  issueToken(email: string, options: { scopes?: readonly string[] } = {}): string {
    this.directory.user(email);
    return this.oauth.issueToken(email, options.scopes ?? DEFAULT_GRANT_SCOPES);
  }

  /** Access tokens (of `email`, or everyone's) are expired from now on: the API answers 401. */
  expireTokens(email?: string): void {
    this.oauth.expireTokens(email);
  }

  /** `email` disconnected the app: access tokens answer 401, refresh tokens invalid_grant. */
  revokeTokens(email: string): void {
    this.oauth.revokeAll(email);
  }

  // ---- what people do on Calendly -------------------------------------------------------------

  /** A person books on `email`'s scheduling page. Throws Calendly's 400 if the time is not open. */
  bookDirect(email: string, booking: DirectBooking): SimInvitee {
    const host = this.directory.user(email);
    const eventType = booking.eventType ?? this.directory.eventTypesOf(host.uri)[0]!.uri;
    const invitee = booking.invitee ?? { email: "walk.in@example.com", name: "Walk In", timezone: host.timezone };
    return this.scheduling.book(host, { event_type: eventType, start_time: new Date(booking.startTime).toISOString(), invitee }, "direct");
  }

  /** The invitee (or the host) cancels on Calendly. */
  cancelDirect(inviteeUri: string, options: { by?: "invitee" | "host"; reason?: string } = {}): SimInvitee {
    return this.scheduling.cancelDirect(inviteeUri, options);
  }

  /** The invitee moves the booking through their reschedule link; returns the new invitee. */
  rescheduleDirect(inviteeUri: string, newStart: string | Date): SimInvitee {
    return this.scheduling.rescheduleDirect(inviteeUri, new Date(newStart).getTime());
  }

  /** Every scheduled event (of `email`'s, or everyone's), canceled ones included. */
  events(email?: string): SimScheduledEvent[] {
    return this.scheduling.all(email ? this.directory.user(email).uri : undefined);
  }

  invitee(uri: string): SimInvitee {
    return this.scheduling.findInvitee(uri).invitee;
  }

  // ---- webhooks -------------------------------------------------------------------------------

  subscriptions(): SimWebhookSubscription[] {
    return this.webhooks.all();
  }

  /** The next `n` deliveries each arrive twice, byte for byte (each with its own signature time). */
  duplicateNextDeliveries(n: number): void {
    this.webhooks.duplicateNext(n);
  }

  /** Deliveries wait until `releaseDeliveries`. */
  holdDeliveries(): void {
    this.webhooks.hold();
  }

  /** Sends the held deliveries one by one, in the order made, reversed, or shuffled. */
  releaseDeliveries(order: "fifo" | "reverse" | "shuffle" = "fifo"): void {
    this.webhooks.release(order);
  }

  /** Resolves once every delivery sent so far (retries included) is done; held ones are not waited for. */
  settle(): Promise<void> {
    return this.webhooks.settle();
  }

  // ---- faults and logs ------------------------------------------------------------------------

  /** The next `n` API requests (not OAuth) answer `status` with Calendly's body for it (429, 500, 503 ...). */
  failNext(n: number, status: number): void {
    for (let i = 0; i < n; i++) this.faults.push(faultError(status));
  }

  /** Every rate-limit window starts afresh. */
  resetRateLimits(): void {
    this.limiter.reset();
  }

  /** Forgets the request and delivery logs and queued faults; users, tokens, events and subscriptions stay. */
  reset(): void {
    this.requests.length = 0;
    this.deliveries.length = 0;
    this.faults.length = 0;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  async listen(): Promise<void> {
    const runtime = {
      oauth: this.oauth,
      directory: this.directory,
      scheduling: this.scheduling,
      webhooks: this.webhooks,
      limiter: this.limiter,
      limits: this.limits,
      latencyMs: this.latencyMs,
      log: (record: RequestRecord) => this.requests.push(record),
      takeFault: () => this.faults.shift() ?? null,
    };
    this.url = await this.listeners.serve(createApiApp(runtime, () => this.url));
    this.authUrl = await this.listeners.serve(createAuthApp(runtime));
  }

  /** Stops both servers; deliveries still in flight are abandoned. */
  async stop(): Promise<void> {
    await this.webhooks.stop();
    await this.listeners.close();
  }
}

export async function startCalendlySim(options?: CalendlySimOptions): Promise<CalendlySim> {
  const sim = new CalendlySim(options);
  await sim.listen();
  return sim;
}
