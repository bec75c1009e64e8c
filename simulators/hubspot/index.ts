import type { Socket } from "node:net";
import { createHmac, randomUUID } from "node:crypto";
import type { CountryCode } from "libphonenumber-js";
import { OAuthServer, type OAuthApp } from "./auth.js";
import { createApp, RateLimiter, type Fault, type FaultRequest, type RequestRecord, type SimRuntime } from "./server.js";
import { Listeners } from "../shared/listener.js";
import { PortalScheduler, type BookingRequest, type MeetingLinkSpec } from "./scheduler.js";
import { PortalStore, type SimObject } from "./store.js";
import type { ObjectType } from "./properties.js";
import { AutomationSim } from "./automation.js";
import { CallingExtensions } from "./calling.js";

// An in-process HTTP simulator of the HubSpot endpoints this app calls, as strict and as unkind as
// HubSpot where it hurts (shared/reference/hubspot.md, STYLE.md "Tests"): search lags writes, `phone`
// is free text and only the calculated properties match every formatting, a duplicate email is a 409
// naming the existing id, unknown properties and invalid options are 400s, rate limits answer 429 with
// a policyName, tokens expire, scopes are enforced, and 5xx / hangs / resets come on demand. The app
// reaches it through the real @hubspot/api-client (`basePath: sim.url`).
//
// `startHubSpotSim(options)` listens on a free loopback port and returns the handle; point
// HUBSPOT_API_BASE_URL at `sim.url`. Tests get one per stack from `startStack` (test/support/harness.ts),
// bench/sync.ts and bench/booking.ts start their own, and so does the demo (server/demo/run.ts, the only
// server/ file allowed to import simulators/, test/unit/layout.test.ts).
//
//   auth.ts        OAuth apps, codes, tokens, and the scope each endpoint needs
//   properties.ts  the built-in property catalog per object type
//   store.ts       one portal's objects (leads among them), write validation, merges, associations
//                  (v4 writes too), "Last activity date", search
//   scheduler.ts   one portal's meeting links, their availability, and booking on them
//   automation.ts  custom workflow actions: definitions (developer key) and a workflow executing one
//   calling.ts     calling extensions: the app's recording settings (developer key), recording-ready
//                  notices followed by HubSpot's own ranged fetch of the audio, third-party transcripts
//   server.ts      the express app: log -> faults -> OAuth | automation | calling settings | 401 -> 403 -> 429 -> endpoint
//   errors.ts      HubSpot's error bodies

export { ALL_SCOPES, requiredScopes, SCOPE_RULES } from "./auth.js";
export { CALL_STATUSES, CONTACT_TO_ENGAGEMENT, DEFAULT_DISPOSITIONS, ENGAGEMENT_TO_CONTACT, MEETING_OUTCOMES, OBJECT_TYPE_IDS } from "./properties.js";
export type { ObjectType, SimProperty, SimPropertyGroup } from "./properties.js";
export type { SimDisposition, SimObject, SimOwner, SimUser } from "./store.js";
export type { Fault, FaultRequest, RequestRecord } from "./server.js";
export type { MeetingLinkSpec, Weekday } from "./scheduler.js";
export type { ActionDefinition, Execution, ExecuteOptions } from "./automation.js";
export type { RecordingFetch, RecordingRead, ReadyNotice, SimTranscript } from "./calling.js";

export interface SimOptions {
  /** How long a write takes to reach search (HubSpot: seconds). Default 0. */
  searchLagMs?: number;
  /** Requests per portal per rolling 10 s; 0 turns the limit off. Default 100 (HubSpot's public apps). */
  tenSecondlyLimit?: number;
  /** Search requests per portal per second; 0 turns the limit off. Default 5. */
  searchesPerSecond?: number;
  /** Access token lifetime. Default 1800 s, as HubSpot's. */
  accessTokenTtlSeconds?: number;
  /** Country of every portal, for phone numbers written without a country code. Default US. */
  defaultCountry?: CountryCode;
}

export interface RequestFilter {
  method?: string;
  /** Exact path, or a pattern. */
  path?: string | RegExp;
  pathPrefix?: string;
  status?: number;
  portalId?: string;
}

/** What a test can read of one portal. Every call returns fresh copies. */
export interface PortalView {
  contacts(): SimObject[];
  calls(): SimObject[];
  notes(): SimObject[];
  tasks(): SimObject[];
  meetings(): SimObject[];
  leads(): SimObject[];
  /** Current state of one object, merged-away and deleted ones included. */
  object(type: ObjectType, id: string): SimObject | undefined;
  properties(type?: ObjectType): ReturnType<PortalStore["properties"]>;
  groups(type?: ObjectType): ReturnType<PortalStore["groups"]>;
  dispositions(): { id: string; label: string; deleted: boolean }[];
}

export class HubSpotSim {
  /** Base URL to give the client as `basePath` (and the app as HUBSPOT_API_BASE_URL). */
  url = "";
  /** Every request, in arrival order (reset() empties it in place). */
  readonly requests: RequestRecord[] = [];
  /** Extra time before every Meetings scheduler answer (benchmarks: the meeting-link provider's latency). */
  schedulerLatencyMs = 0;
  /** Calling extensions: recording settings, ready notices, HubSpot's recording fetches, transcripts. */
  readonly calling = new CallingExtensions();

  private readonly options: Required<SimOptions>;
  private readonly oauth: OAuthServer;
  private readonly limiter: RateLimiter;
  private readonly portals = new Map<string, PortalStore>();
  private readonly schedulers = new Map<string, PortalScheduler>();
  private readonly queuedFaults: Fault[] = [];
  private down: Fault | null = null;
  private matcher: { predicate: (request: FaultRequest) => boolean; fault: Fault } | null = null;
  private readonly listeners = new Listeners();
  private readonly hungSockets = new Set<Socket>();
  private nextObjectId = 1001;
  private nextEventId = 1;
  private readonly appClientIds: string[] = [];
  /** Custom workflow actions: `automation.addDeveloperKey`, `definitionsOf`, and `execute` (a workflow runs the action). */
  readonly automation = new AutomationSim({
    clientSecret: (appId) => this.appClientIds.map((id) => this.oauth.app(id)).find((app) => app?.appId === appId)?.clientSecret,
    objectProperties: (portalId, objectType, objectId) => (objectType === "CONTACT" ? this.portals.get(portalId)?.peek("contacts", objectId)?.properties : undefined),
  });
  private nextOwnerId = 70_000_001;
  private nextUserId = 9_000_001;
  private nextLinkId = 3_100_001;

  constructor(options: SimOptions = {}) {
    this.options = { searchLagMs: 0, tenSecondlyLimit: 100, searchesPerSecond: 5, accessTokenTtlSeconds: 1800, defaultCountry: "US", ...options };
    this.oauth = new OAuthServer(this.options.accessTokenTtlSeconds);
    this.limiter = new RateLimiter(this.options.tenSecondlyLimit, this.options.searchesPerSecond);
  }

  // ---- OAuth ----------------------------------------------------------------------------------

  /** A public app; tokens carry `scopes` (default: every scope the simulator knows). */
  registerApp(app: OAuthApp): void {
    this.oauth.registerApp(app);
    this.appClientIds.push(app.clientId);
  }

  private lastAppClientId(): string {
    const last = this.appClientIds.at(-1);
    if (!last) throw new Error("no app registered");
    return last;
  }

  /** The code HubSpot sends to the redirect URI once a user of `portalId` installs the app. */
  issueAuthCode(portalId: string, options: string[] | { scopes?: string[]; clientId?: string } = {}): string {
    this.portalStore(portalId);
    return this.oauth.issueAuthCode(portalId, Array.isArray(options) ? { scopes: options } : options);
  }

  /**
   * An app webhook delivery as HubSpot makes it: POST to the app's target URL (no query string), a JSON
   * array of at most 100 events, each with the app's id, an event id, the subscription and the time;
   * signed v3 with the app's client secret over the target URL. `send` is where the request really goes
   * (the app's local address); `targetUrl` is what HubSpot signs (the public URL).
   */
  async deliverAppWebhook(options: { clientId?: string; targetUrl: string; send: string; events: Record<string, unknown>[] }): Promise<{ status: number; body: string }> {
    const app = this.oauth.app(options.clientId ?? this.lastAppClientId());
    if (!app) throw new Error("deliverAppWebhook: register the app first");
    if (options.events.length > 100) throw new Error("HubSpot sends at most 100 events per request");
    const now = Date.now();
    const events = options.events.map((event, i) => ({ eventId: this.nextEventId++, subscriptionId: 4_000_000 + i, appId: app.appId, occurredAt: now, attemptNumber: 0, changeSource: "CRM", ...event }));
    const body = JSON.stringify(events);
    const signature = createHmac("sha256", app.clientSecret).update(`POST${options.targetUrl}${body}${now}`).digest("base64");
    const response = await fetch(options.send, { method: "POST", headers: { "content-type": "application/json", "x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": String(now) }, body });
    return { status: response.status, body: await response.text() };
  }

  expireAccessTokens(portalId: string): void {
    this.oauth.expireAccessTokens(portalId);
  }

  /** The portal's refresh tokens answer 400 BAD_REFRESH_TOKEN from now on (app uninstalled). */
  revokeRefreshTokens(portalId: string): void {
    this.oauth.revokeRefreshTokens(portalId);
  }

  // ---- faults ---------------------------------------------------------------------------------

  /** The next `n` API requests (not /oauth) get this answer instead of reaching HubSpot. */
  failNext(n: number, fault: Fault): void {
    for (let i = 0; i < n; i++) this.queuedFaults.push(fault);
  }

  /**
   * HubSpot down for every API request (not /oauth): 503 by default, or `timeout` (never answers; the
   * socket stays open until the client gives up; `hang` is another name for it), or `reset` (the
   * connection is destroyed).
   */
  setDown(down: boolean, options: { mode?: "503" | "timeout" | "hang" | "reset" } = {}): void {
    const mode = options.mode ?? "503";
    this.down = !down ? null : mode === "503" ? { status: 503 } : { mode };
  }

  /** Resets every request a fault left hanging (the client sees the connection drop). */
  releaseHung(): void {
    for (const socket of this.hungSockets) socket.destroy();
    this.hungSockets.clear();
  }

  /** Every request the predicate picks (OAuth included) gets `fault`; `null` removes the rule. */
  failMatching(predicate: ((request: FaultRequest) => boolean) | null, fault: Fault = { status: 500 }): void {
    this.matcher = predicate ? { predicate, fault } : null;
  }

  // ---- introspection --------------------------------------------------------------------------

  countRequests(filter: RequestFilter | ((record: RequestRecord) => boolean) = {}): number {
    if (typeof filter === "function") return this.requests.filter(filter).length;
    return this.requests.filter(
      (r) =>
        (!filter.method || r.method === filter.method) &&
        (filter.path === undefined || (typeof filter.path === "string" ? r.path === filter.path : filter.path.test(r.path))) &&
        (!filter.pathPrefix || r.path.startsWith(filter.pathPrefix)) &&
        (filter.status === undefined || r.status === filter.status) &&
        (!filter.portalId || r.portalId === filter.portalId),
    ).length;
  }

  /** Forgets the request log, queued faults, the down state and the rate-limit windows; data stays. */
  reset(): void {
    this.requests.length = 0;
    this.queuedFaults.length = 0;
    this.down = null;
    this.matcher = null;
    this.limiter.reset();
  }

  portal(portalId: string): PortalView {
    const store = this.portalStore(portalId);
    return {
      contacts: () => store.live("contacts"),
      calls: () => store.live("calls"),
      notes: () => store.live("notes"),
      tasks: () => store.live("tasks"),
      meetings: () => store.live("meetings"),
      leads: () => store.live("leads"),
      object: (type, id) => store.peek(type, id),
      properties: (type = "contacts") => store.properties(type),
      groups: (type = "contacts") => store.groups(type),
      dispositions: () => store.dispositions.map((d) => ({ ...d })),
    };
  }

  // ---- data set up by tests -------------------------------------------------------------------

  /**
   * A contact written by someone else (a person, another app): validated like an API write, except
   * that read-only properties may be set. Search sees it only after the lag.
   */
  seedContact(portalId: string, properties: Record<string, string>): SimObject {
    const object = this.portalStore(portalId).create("contacts", { properties }, "seed");
    return this.portal(portalId).object("contacts", object.id)!;
  }

  /** Deleted in HubSpot: reads and updates answer 404; search still finds it until the lag passes. */
  deleteContact(portalId: string, contactId: string): void {
    this.portalStore(portalId).archive("contacts", contactId);
  }

  /** Merges `secondaryId` into `primaryId` as a HubSpot user would (see PortalStore.merge). */
  merge(portalId: string, primaryId: string, secondaryId: string): SimObject {
    const primary = this.portalStore(portalId).merge("contacts", primaryId, secondaryId);
    return this.portal(portalId).object("contacts", primary.id)!;
  }

  /** A HubSpot user of the portal; returns the owner id (hubspot_owner_id). */
  addOwner(portalId: string, owner: { email: string; firstName: string; lastName: string }): string {
    const id = String(this.nextOwnerId++);
    this.portalStore(portalId).owners.push({ id, ...owner, userId: Number(id) + 1_000_000, createdAt: new Date().toISOString(), archived: false });
    return id;
  }

  /**
   * A HubSpot user of the portal, as GET /settings/v3/users/{userId} answers for it (a user of several
   * portals is added to each); returns the user id. Not a super admin unless said.
   */
  addUser(portalId: string, user: { id?: string; email: string; superAdmin?: boolean; firstName?: string; lastName?: string; roleIds?: string[] }): string {
    const id = user.id ?? String(this.nextUserId++);
    const users = this.portalStore(portalId).users;
    if (users.some((u) => u.id === id)) throw new Error(`addUser: user ${id} already exists in portal ${portalId}`);
    users.push({ id, email: user.email, firstName: user.firstName ?? "", lastName: user.lastName ?? "", superAdmin: user.superAdmin ?? false, roleIds: user.roleIds ?? [] });
    return id;
  }

  /** Makes a user a super admin or takes it away, as another admin would in HubSpot's user settings. */
  setSuperAdmin(portalId: string, userId: string, superAdmin: boolean): void {
    const user = this.portalStore(portalId).users.find((u) => u.id === userId);
    if (!user) throw new Error(`setSuperAdmin: no user ${userId} in portal ${portalId}`);
    user.superAdmin = superAdmin;
  }

  /** A call outcome of the portal's own; returns its GUID (valid as hs_call_disposition). */
  addDisposition(portalId: string, label: string): string {
    const id = randomUUID();
    this.portalStore(portalId).dispositions.push({ id, label, deleted: false });
    return id;
  }

  /** A scheduling page of the portal (HubSpot Meetings), booking on its organizer's calendar. */
  addMeetingLink(portalId: string, link: MeetingLinkSpec): void {
    this.portalScheduler(portalId).addLink(link);
  }

  /** Time taken on a user's calendar outside HubSpot: links of that organizer stop offering it. */
  addBusyTime(portalId: string, userId: string, startMs: number, endMs: number): void {
    this.portalScheduler(portalId).addBusy(userId, startMs, endMs);
  }

  /**
   * A customer books the link on its public page, as HubSpot would take it (HubSpot's error if the
   * time is not open); the booker defaults to a fresh customer and the duration to the link's first.
   */
  bookMeetingDirect(portalId: string, slug: string, startMs: number, booker: Omit<BookingRequest, "slug" | "startTime"> = {}) {
    const scheduler = this.portalScheduler(portalId);
    const defaults = { firstName: "Walk", lastName: "In", email: `walk-in-${randomUUID().slice(0, 8)}@customer.example`, duration: scheduler.durations(slug)[0] };
    return scheduler.book({ ...defaults, ...booker, slug, startTime: startMs }, { source: "MEETINGS_PUBLIC" });
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  async listen(): Promise<void> {
    const runtime: SimRuntime = {
      oauth: this.oauth,
      limiter: this.limiter,
      calling: this.calling,
      portal: (portalId) => this.portalStore(portalId),
      scheduler: (portalId) => this.portalScheduler(portalId),
      log: (record) => this.requests.push(record),
      takeFault: (request) => this.takeFault(request),
      mountAppLevel: (app) => this.automation.mount(app),
      schedulerLatencyMs: () => this.schedulerLatencyMs,
      hung: (socket) => {
        this.hungSockets.add(socket);
        socket.once("close", () => this.hungSockets.delete(socket));
      },
    };
    const app = createApp(runtime);
    this.url = await this.listeners.serve(app);
  }

  /** Stops the server; hanging requests have their sockets destroyed. */
  async close(): Promise<void> {
    await this.listeners.close();
  }

  private portalStore(portalId: string): PortalStore {
    let store = this.portals.get(portalId);
    if (!store) {
      store = new PortalStore(portalId, { searchLagMs: this.options.searchLagMs, defaultCountry: this.options.defaultCountry, nextId: () => String(this.nextObjectId++) });
      this.portals.set(portalId, store);
    }
    return store;
  }

  private portalScheduler(portalId: string): PortalScheduler {
    let scheduler = this.schedulers.get(portalId);
    if (!scheduler) {
      scheduler = new PortalScheduler(this.portalStore(portalId), () => String(this.nextLinkId++));
      this.schedulers.set(portalId, scheduler);
    }
    return scheduler;
  }

  /** failMatching applies to every request; setDown and failNext to API requests only. */
  private takeFault(request: FaultRequest): Fault | null {
    if (this.matcher?.predicate(request)) return this.matcher.fault;
    if (request.path.startsWith("/oauth/")) return null;
    return this.down ?? this.queuedFaults.shift() ?? null;
  }
}

export async function startHubSpotSim(options?: SimOptions): Promise<HubSpotSim> {
  const sim = new HubSpotSim(options);
  await sim.listen();
  return sim;
}
