import { randomBytes, randomInt } from "node:crypto";
import { Listeners } from "../shared/listener.js";
import { Appointments, type Appointment } from "./appointments.js";
import { AcuityAuth, type SimAccount } from "./auth.js";
import { faultError, type AcuityError } from "./errors.js";
import { Limiter } from "./limits.js";
import { Schedule, type AppointmentTypeInput, type Block, type CalendarInput } from "./schedule.js";
import { createApp, type AccountData, type RequestRecord } from "./server.js";
import { isTimeZone, parseDatetime } from "./time.js";
import { Webhooks, type SimWebhook, type WebhookChaos, type WebhookDelivery } from "./webhooks.js";

// An in-process HTTP simulator of Acuity Scheduling's API v1 and its OAuth2 screens, as strict and as
// unkind as Acuity where it hurts (shared/reference/calendars.md, STYLE.md "Tests"): Basic auth with
// user id + API key or OAuth2 bearer tokens (revocable, 401 `{status_code, message, error}`), slots
// only on the type's grid inside working hours and outside appointments, padding and blocks,
// bookings of a taken slot refused with `not_available` unless admin=true (which Acuity also lets
// double-book), lists capped at `max` (100), 10 requests/s and 20 concurrent per account (429),
// webhooks signed with the API key, posted after the answer, duplicated by `appointment.changed`,
// and on demand twice or out of order; 429/5xx faults and latency on demand; a request log.
// Appointments a person makes in Acuity (`bookDirect`, `rescheduleDirect`, `cancelDirect`) race the
// app's for the same slot, and exactly one wins.
//
// `startAcuitySim(options)` listens on a free loopback port; `sim.config()` gives the API and OAuth
// base URLs, the OAuth client and the test account's user id and API key. Used by
// test/unit/acuity-sim.test.ts.
//
//   auth.ts          accounts, Basic auth, OAuth2 consent, codes and bearer tokens
//   schedule.ts      calendars, working hours, appointment types, blocks, free slots
//   appointments.ts  booking, rescheduling, canceling, listing, Acuity's appointment JSON
//   webhooks.ts      subscriptions, signed form-encoded deliveries, chaos knobs
//   limits.ts        requests per second and concurrent requests per account
//   server.ts        the express app: log -> fault -> 401 -> 429 -> latency -> endpoint
//   errors.ts        Acuity's error bodies
//   time.ts          zoned wall clocks, Acuity's "2016-02-04T13:00:00-0800"

export { acuitySignature, EVENTS } from "./webhooks.js";
export type { Appointment, ChangeKind } from "./appointments.js";
export type { SimAccount } from "./auth.js";
export type { AppointmentTypeInput, CalendarInput, FormField, WorkingHours } from "./schedule.js";
export type { RequestRecord } from "./server.js";
export type { SimWebhook, WebhookChaos, WebhookDelivery, WebhookEvent } from "./webhooks.js";

export const SIM_CLIENT_ID = "sim-acuity-client";
export const SIM_CLIENT_SECRET = "sim-acuity-secret";

export interface AcuitySimOptions {
  /** Delay before every answer. Default 0. */
  latencyMs?: number;
  /** Acuity's documented limits by default: 10 requests a second, 20 at once. */
  requestsPerSecond?: number;
  concurrentRequests?: number;
  /** The business time zone of the test account (and its calendars unless they say). Default America/New_York. */
  timezone?: string;
  /** The test account's calendars; default one, "Dana Reyes", Mon-Fri 09:00-17:00. */
  calendars?: CalendarInput[];
  /** The test account's appointment types; default one 30-minute "Consultation" on every calendar. */
  appointmentTypes?: AppointmentTypeInput[];
  /** Booking rules of the account: default 0 hours ahead at least, 60 days ahead at most. */
  minHoursInAdvance?: number;
  maxDaysInAdvance?: number;
  /** Webhook subscriptions per account. Default 25, as Acuity. */
  maxWebhooks?: number;
  /** Time between a change and its webhook. Default 20 ms. */
  webhookDelayMs?: number;
  webhookTimeoutMs?: number;
  /** The `action` a delivery carries: "short" (scheduled, as documented, default) or "event" (appointment.scheduled). */
  webhookAction?: "short" | "event";
  clientId?: string;
  clientSecret?: string;
  /** The OAuth client's registered redirect URIs; default: any https or loopback URI. */
  redirectUris?: string[];
}

export interface AcuitySimConfig {
  /** Where the API lives: `${apiBaseUrl}/appointments`, as https://acuityscheduling.com/api/v1. */
  apiBaseUrl: string;
  /** Where /oauth2/authorize and /oauth2/token live, as https://acuityscheduling.com. */
  oauthBaseUrl: string;
  clientId: string;
  clientSecret: string;
  userId: number;
  apiKey: string;
}

export class AcuitySim {
  /** The origin: OAuth at `${url}/oauth2/...`, the API at `${url}/api/v1/...`. */
  url = "";
  /** Every request, in arrival order (reset() empties it in place). */
  readonly requests: RequestRecord[] = [];

  private readonly auth: AcuityAuth;
  private readonly accounts = new Map<number, AccountData>();
  private readonly webhookStore: Webhooks;
  private readonly limiter: Limiter;
  private readonly faults: AcuityError[] = [];
  private readonly listeners = new Listeners();
  private readonly options: AcuitySimOptions;

  constructor(options: AcuitySimOptions = {}) {
    this.options = options;
    this.auth = new AcuityAuth(options.clientId ?? SIM_CLIENT_ID, options.clientSecret ?? SIM_CLIENT_SECRET, options.redirectUris ?? []);
    this.limiter = new Limiter({ perSecond: options.requestsPerSecond ?? 10, concurrent: options.concurrentRequests ?? 20 });
    this.webhookStore = new Webhooks({
      max: options.maxWebhooks ?? 25,
      delayMs: options.webhookDelayMs ?? 20,
      deliveryTimeoutMs: options.webhookTimeoutMs ?? 10_000,
      actionStyle: options.webhookAction ?? "short",
      apiKeyOf: (userId) => this.auth.account(userId).apiKey,
    });
    this.addAccount({ calendars: options.calendars, appointmentTypes: options.appointmentTypes, timezone: options.timezone });
  }

  /** The test account (the first one). */
  get account(): SimAccount {
    return this.auth.defaultAccount;
  }

  config(): AcuitySimConfig {
    return { apiBaseUrl: `${this.url}/api/v1`, oauthBaseUrl: this.url, clientId: this.auth.clientId, clientSecret: this.auth.clientSecret, userId: this.account.id, apiKey: this.account.apiKey };
  }

  /** Another Acuity account with its own calendars, types and API key. */
  addAccount(input: { calendars?: CalendarInput[]; appointmentTypes?: AppointmentTypeInput[]; timezone?: string; name?: string } = {}): SimAccount {
    const timezone = input.timezone ?? "America/New_York";
    if (!isTimeZone(timezone)) throw new Error(`startAcuitySim: unknown time zone ${timezone}`);
    const id = 10_000_000 + randomInt(89_999_999);
    const account = this.auth.addAccount({ id, apiKey: randomBytes(16).toString("hex"), email: `owner-${id}@example.com`, name: input.name ?? "Sim Clinic", timezone });
    let appointments: Appointments | undefined = undefined;
    const schedule = new Schedule(timezone, { minHoursInAdvance: this.options.minHoursInAdvance ?? 0, maxDaysInAdvance: this.options.maxDaysInAdvance ?? 60 }, () => appointments!.all.values());
    appointments = new Appointments(schedule, (kind, appointment) => this.webhookStore.changed(id, kind, appointment));
    for (const calendar of input.calendars ?? [{ name: "Dana Reyes", email: "dana.reyes@example.com" }]) schedule.addCalendar(calendar);
    for (const type of input.appointmentTypes ?? [{ name: "Consultation", duration: 30 }]) schedule.addType(type);
    this.accounts.set(id, { schedule, appointments });
    return account;
  }

  // ---- OAuth ----------------------------------------------------------------------------------

  /** The code the consent screen hands `redirectUri` once `userId` (default: the test account) approves. */
  grant(redirectUri: string, userId = this.account.id): string {
    return this.auth.grant(userId, redirectUri);
  }

  /** A bearer token for `userId` without the OAuth dance. */
  issueToken(userId = this.account.id): string {
    return this.auth.issueToken(userId);
  }

  /** What the next /oauth2/authorize does: sign in as `userId`, or the user clicks "deny". */
  nextConsent(consent: { userId?: number; deny?: boolean }): void {
    this.auth.queueConsent(consent);
  }

  /** The user disconnected the app: the token (or every token of `userId`) answers 401 from now on. */
  revoke(target: { token?: string; userId?: number }): void {
    this.auth.revoke(target);
  }

  // ---- the account's schedule -----------------------------------------------------------------

  calendars(userId = this.account.id) {
    return [...this.data(userId).schedule.calendars.values()];
  }

  appointmentTypes(userId = this.account.id) {
    return [...this.data(userId).schedule.types.values()];
  }

  /** Every appointment, canceled ones included. */
  appointments(userId = this.account.id): Appointment[] {
    return [...this.data(userId).appointments.all.values()];
  }

  appointment(id: number, userId = this.account.id): Appointment | undefined {
    return this.data(userId).appointments.all.get(id);
  }

  /** A block made in Acuity; `start`/`end` as the API takes them (no offset: the calendar's zone). */
  addBlock(calendarID: number, start: string, end: string, notes = "", userId = this.account.id): Block {
    const { schedule } = this.data(userId);
    const zone = schedule.calendar(calendarID).timezone;
    return schedule.addBlock(calendarID, parseDatetime(start, zone)!, parseDatetime(end, zone)!, notes);
  }

  // ---- changes a person makes in Acuity (webhooks fire as for API changes) ----------------------

  /** A booking made in Acuity, by the client's page (availability checked) or, with admin, by staff. */
  bookDirect(input: Record<string, unknown>, options: { admin?: boolean; userId?: number } = {}): Appointment {
    return this.data(options.userId ?? this.account.id).appointments.create({ firstName: "Walk", lastName: "In", email: "walk.in@example.com", ...input }, { admin: options.admin ?? false, source: "direct" });
  }

  rescheduleDirect(id: number, input: { datetime: string; calendarID?: number }, options: { admin?: boolean; userId?: number } = {}): Appointment {
    return this.data(options.userId ?? this.account.id).appointments.reschedule(id, input, { admin: options.admin ?? false });
  }

  cancelDirect(id: number, cancelNote = "", userId = this.account.id): Appointment {
    return this.data(userId).appointments.cancel(id, { cancelNote });
  }

  /** Details (e-mail, phone, notes) edited in Acuity: only `appointment.changed` hears of it. */
  updateDirect(id: number, patch: Partial<Pick<Appointment, "firstName" | "lastName" | "email" | "phone" | "notes">>, userId = this.account.id): Appointment {
    return this.data(userId).appointments.update(id, patch);
  }

  // ---- webhooks -------------------------------------------------------------------------------

  /** Every delivery attempted, in the order it went out. */
  get deliveries(): WebhookDelivery[] {
    return this.webhookStore.deliveries;
  }

  webhooks(userId?: number): SimWebhook[] {
    return this.webhookStore.list(userId);
  }

  /** Deliveries from now on: twice each, and/or held and released newest first (see WebhookChaos). */
  webhookChaos(chaos: WebhookChaos): void {
    this.webhookStore.chaos = { ...chaos };
  }

  /** Sends the deliveries held by `reorder`, newest first. */
  releaseWebhooks(): void {
    this.webhookStore.release();
  }

  /** Resolves once every delivery so far (held ones released) has been answered or has failed. */
  settle(): Promise<void> {
    return this.webhookStore.settle();
  }

  // ---- faults and logs ------------------------------------------------------------------------

  /** The next `n` API requests (not OAuth) answer `status` with Acuity's body for it (429, 500, 503 ...). */
  failNext(n: number, status: number): void {
    for (let i = 0; i < n; i++) this.faults.push(faultError(status));
  }

  countRequests(filter: { method?: string; path?: string | RegExp; status?: number } = {}): number {
    return this.requests.filter(
      (r) =>
        (!filter.method || r.method === filter.method) &&
        (filter.path === undefined || (typeof filter.path === "string" ? r.path === filter.path : filter.path.test(r.path))) &&
        (filter.status === undefined || r.status === filter.status),
    ).length;
  }

  /** Forgets the request and delivery logs, queued faults and the rate windows; data, tokens and webhooks stay. */
  reset(): void {
    this.requests.length = 0;
    this.webhookStore.deliveries.length = 0;
    this.faults.length = 0;
    this.limiter.reset();
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  async listen(): Promise<void> {
    this.url = await this.listeners.serve(
      createApp({
        auth: this.auth,
        webhooks: this.webhookStore,
        limiter: this.limiter,
        latencyMs: this.options.latencyMs ?? 0,
        data: (userId) => this.data(userId),
        log: (record) => this.requests.push(record),
        takeFault: () => this.faults.shift() ?? null,
      }),
    );
  }

  /** Stops the server; deliveries in flight are aborted, held ones dropped. */
  async stop(): Promise<void> {
    await this.webhookStore.stop();
    await this.listeners.close();
  }

  private data(userId: number): AccountData {
    const data = this.accounts.get(userId);
    if (!data) throw new Error(`acuity sim: no account ${userId}`);
    return data;
  }
}

export async function startAcuitySim(options?: AcuitySimOptions): Promise<AcuitySim> {
  const sim = new AcuitySim(options);
  await sim.listen();
  return sim;
}
