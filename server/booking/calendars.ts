import type { Env } from "../config/env.js";
import { sql, sqlTransaction, type Db } from "../db/client.js";
import { decrypt, encrypt, randomToken, safeEqual, sealedFor } from "../config/crypto.js";
import { Coalesced, SingleFlight } from "../concurrency/single-flight.js";
import { logger } from "../config/logger.js";
import { checkTypes, handleWebhook, type WebhookDeps, type WebhookOutcome } from "./calendar-webhooks.js";
import { localAccount } from "./providers/builtin/index.js";
import { CalendarNotConnectedError, type CalendarError } from "./providers/errors.js";
import { CalendarError as CalendarFailure } from "./providers/errors.js";
import { createExternalProviders, createPortalProviders, isConnectedProvider, isExternalProvider, isPortalProvider, providerOf, type ConnectedProviderId, type ExternalProvider, type ExternalProviderId } from "./providers/registry.js";
import type { CalendarAccount, CalendarProvider, ExternalTypeInfo, PushChannel, PushNotice } from "./providers/types.js";
import { SCHEDULER_SCOPE } from "../hubspot/scopes.js";
import { PermanentSyncError, PortalNeedsReauthError, TransientSyncError } from "../hubspot/errors.js";

// Staff calendars: which provider holds each staff member's events, their OAuth tokens (encrypted,
// refreshed single-flight), the push channel that tells us about changes, and the incremental sync
// that keeps ExternalBusy (busy time that is not ours) current for availability.

const log = logger("booking.calendars");
/** Distinct channels taken from one push request (Graph batches notifications; Google sends one). */
const MAX_PUSH_CHANNELS = 100;
const REFRESH_MARGIN_MS = 5 * 60_000;
export const OAUTH_STATE_TTL_MS = 24 * 3600_000;
/** A channel is renewed when it has less than this left (Graph event subscriptions live at most 7 days). */
const RENEW_BEFORE_MS = 24 * 3600_000;
/** Safety net for missed pushes: a calendar not synced for this long is synced by the sweep. */
const RESYNC_AFTER_MS = 10 * 60_000;

type Staff = { id: string; portalId: string; email: string; calendar: string };

/** A staff member's calendar, ready for a booking. */
export interface OpenCalendar {
  provider: CalendarProvider;
  account: CalendarAccount;
}

/** What the scheduler needs of staff calendars (Calendars, or only the built-in one without it). */
export interface StaffCalendars {
  /** The staff member's provider and account; throws CalendarNotConnectedError when it is not connected. */
  open(staff: Staff): Promise<OpenCalendar>;
  /**
   * The staff who can be offered now, with their providers: the built-in calendar always, an external
   * one while it is connected (read fresh: a calendar connected a moment ago is offered at once).
   */
  bookable(staff: Staff[]): Promise<Map<string, CalendarProvider>>;
  /**
   * A calendar refused our request. When our access is gone and cannot be renewed (a revoked grant
   * without a refresh token: Acuity's), the calendar is marked for reconnection.
   */
  refused?(staff: Staff, error: CalendarError): Promise<void>;
}

/** Without Calendars (the worker's upkeep, some tests) only built-in calendars can be booked. */
export const builtinCalendarsOnly: StaffCalendars = {
  async open(staff) {
    const provider = providerOf(staff.calendar, null);
    if (!provider) throw new CalendarNotConnectedError(staff.email, "external calendars are not available here");
    return { provider, account: localAccount(staff) };
  },
  async bookable(staff) {
    return new Map(staff.flatMap((s) => {
      const provider = providerOf(s.calendar, null);
      return provider ? [[s.id, provider] as const] : [];
    }));
  },
};

export function providerConfigs(env: Env) {
  return {
    google: {
      clientId: env.GOOGLE_CLIENT_ID ?? "",
      clientSecret: env.GOOGLE_CLIENT_SECRET ?? "",
      apiBaseUrl: env.GOOGLE_API_BASE_URL,
      authBaseUrl: env.GOOGLE_AUTH_BASE_URL,
      tokenUrl: env.GOOGLE_TOKEN_URL,
    },
    microsoft: {
      clientId: env.MICROSOFT_CLIENT_ID ?? "",
      clientSecret: env.MICROSOFT_CLIENT_SECRET ?? "",
      apiBaseUrl: env.MICROSOFT_GRAPH_BASE_URL,
      authBaseUrl: env.MICROSOFT_AUTH_BASE_URL,
      tokenUrl: env.MICROSOFT_TOKEN_URL ?? `${env.MICROSOFT_AUTH_BASE_URL}/oauth2/v2.0/token`,
    },
    acuity: {
      clientId: env.ACUITY_CLIENT_ID ?? "",
      clientSecret: env.ACUITY_CLIENT_SECRET ?? "",
      apiBaseUrl: env.ACUITY_API_BASE_URL,
      authBaseUrl: env.ACUITY_AUTH_BASE_URL,
      tokenUrl: `${env.ACUITY_AUTH_BASE_URL.replace(/\/+$/, "")}/oauth2/token`,
    },
    calendly: {
      clientId: env.CALENDLY_CLIENT_ID ?? "",
      clientSecret: env.CALENDLY_CLIENT_SECRET ?? "",
      apiBaseUrl: env.CALENDLY_API_BASE_URL,
      authBaseUrl: env.CALENDLY_AUTH_BASE_URL,
      tokenUrl: `${env.CALENDLY_AUTH_BASE_URL.replace(/\/+$/, "")}/oauth/token`,
    },
  };
}

/**
 * The portal's own HubSpot install, for calendars that ride on it (a meeting link): its access token
 * (refreshed as every HubSpot request's is) and one JSON request under the portal's rate limit
 * (HubSpotClientFactory.requestJson).
 */
export interface PortalHubSpot {
  accessToken(portalId: string): Promise<string>;
  refresh(portalId: string): Promise<string>;
  request(portalId: string, accessToken: string, method: "GET" | "POST" | "PATCH", path: string, body?: unknown): Promise<unknown>;
}

/** A portal calendar's connection holds no token of its own (the portal's is used): this stands in for one. */
const PORTAL_TOKEN = "portal-install";
const NEVER = new Date("9999-12-31T00:00:00Z");

/** What an account needs of its connection row. */
type AccountConnection = { staffId: string; provider: string; accountEmail: string; accessTokenEnc: string; expiresAt: Date; status: string; lastError: string | null };
/** What a sync reads: the account's connection, its cursor and its staff member. */
type SyncConnection = AccountConnection & { syncCursor: string | null; portalId: string; email: string; calendar: string };

/** What a push request came to: notices accepted and refused, calendars handed to the worker or synced in the request. */
export interface PushOutcome {
  validation?: string;
  accepted: number;
  rejected: number;
  lookups: number;
  queued: number;
  synced: number;
}

export class Calendars implements StaffCalendars {
  private readonly external: Record<ExternalProviderId, ExternalProvider>;
  /** Every provider that must be connected: the OAuth ones and the portal's own (HubSpot meeting links). */
  private readonly connected: Record<ConnectedProviderId, CalendarProvider>;
  private readonly refreshes = new SingleFlight<string>();
  /** One sync per staff calendar at a time in this process; notices meanwhile share the next one. */
  private readonly syncs = new Coalesced<number>();

  constructor(
    private readonly db: Db,
    private readonly env: Env,
    private readonly hubspot: PortalHubSpot | null = null,
    /** Hands a calendar's sync to the worker (the calendar-sync queue); absent, or failing, the caller syncs. */
    private readonly handoff: ((staffId: string) => Promise<void>) | null = null,
  ) {
    const configs = providerConfigs(env);
    this.external = createExternalProviders(configs);
    this.connected = { ...this.external, ...createPortalProviders() };
  }

  /** Is this provider configured (client id and secret set)? */
  configured(provider: ExternalProviderId): boolean {
    const config = providerConfigs(this.env)[provider];
    return Boolean(config.clientId && config.clientSecret);
  }

  provider(staff: Pick<Staff, "calendar">): CalendarProvider {
    return providerOf(staff.calendar, this.connected)!;
  }

  async open(staff: Staff): Promise<OpenCalendar> {
    return { provider: this.provider(staff), account: await this.account(staff) };
  }

  async bookable(staff: Staff[]): Promise<Map<string, CalendarProvider>> {
    const providers = new Map(staff.map((s) => [s.id, this.provider(s)]));
    const external = staff.filter((s) => providers.get(s.id)!.events === "external");
    if (!external.length) return providers;
    const connected = await sql<{ staffId: string; provider: string }>(this.db, `SELECT "staffId", "provider" FROM "CalendarConnection" WHERE "staffId" = ANY($1) AND "status" = 'connected'`, [external.map((s) => s.id)]);
    // A connection made for another provider than the one chosen now does not count.
    for (const s of external) if (!connected.some((c) => c.staffId === s.id && c.provider === s.calendar)) providers.delete(s.id);
    return providers;
  }

  async refused(staff: Staff, error: CalendarError): Promise<void> {
    if (error.kind !== "auth") return;
    const marked = await this.db.calendarConnection.updateMany({ where: { staffId: staff.id, provider: staff.calendar, status: "connected", refreshTokenEnc: null }, data: { status: "needs_reauth", lastError: "the calendar refused our access (the app was disconnected): reconnect it" } });
    if (marked.count) log.warn({ staffId: staff.id }, "staff calendar needs to be reconnected");
  }

  /** The staff member's calendar account, with a fresh token on demand. Built-in calendars need none. */
  async account(staff: Staff): Promise<CalendarAccount> {
    if (this.provider(staff).events === "bookings") return localAccount(staff);
    // Plain SQL: this read is on every external booking's path (bench/booking.ts).
    const [connection] = await sql<AccountConnection>(this.db, `SELECT "staffId", "provider", "accountEmail", "accessTokenEnc", "expiresAt", "status", "lastError" FROM "CalendarConnection" WHERE "staffId" = $1`, [staff.id], { name: "calendar-account" });
    return this.accountOf(staff, connection);
  }

  /** The account of a connection already read (or its absence: not connected). */
  private accountOf(staff: Staff, connection: AccountConnection | undefined): CalendarAccount {
    if (this.provider(staff).events === "bookings") return localAccount(staff);
    if (!connection || connection.provider !== staff.calendar) throw new CalendarNotConnectedError(staff.email, "not connected yet");
    if (connection.status !== "connected") throw new CalendarNotConnectedError(staff.email, connection.lastError ?? "needs to be reconnected");
    if (isPortalProvider(connection.provider)) return this.portalAccount(staff.portalId, connection.accountEmail);
    // The token read with the connection serves this account's requests until it nears expiry.
    let token = connection.expiresAt.getTime() - Date.now() > REFRESH_MARGIN_MS ? { value: decrypt(connection.accessTokenEnc, this.env.ENCRYPTION_KEY, sealedFor("CalendarConnection", "accessTokenEnc", connection.staffId)), expiresAt: connection.expiresAt.getTime() } : null;
    return {
      email: connection.accountEmail,
      accessToken: async () => {
        if (token && token.expiresAt - Date.now() > REFRESH_MARGIN_MS) return token.value;
        token = null;
        return this.accessToken(staff.id);
      },
    };
  }

  /** A calendar on the portal's own install: its requests carry the portal's token, refreshed once on a 401. */
  private portalAccount(portalId: string, email: string): CalendarAccount {
    const hubspot = this.hubspot;
    if (!hubspot) throw new CalendarNotConnectedError(email, "HubSpot meeting links are not available here");
    const token = async (fresh: boolean) => {
      try {
        return await (fresh ? hubspot.refresh(portalId) : hubspot.accessToken(portalId));
      } catch (error) {
        // The portal's install is gone or must be renewed (PortalNeedsReauthError, uninstalled), or
        // HubSpot's token endpoint is down: a calendar failure the booking answers, not a bug.
        if (error instanceof PortalNeedsReauthError || error instanceof PermanentSyncError) throw new CalendarFailure(`the portal's HubSpot install cannot be used: ${(error as Error).message}`, "auth");
        if (error instanceof TransientSyncError) throw new CalendarFailure(`HubSpot could not be reached for a token: ${(error as Error).message}`, "unavailable");
        throw error;
      }
    };
    return {
      email,
      accessToken: () => token(false),
      hubspot: async (method, path, body) => {
        try {
          return await hubspot.request(portalId, await token(false), method, path, body);
        } catch (error) {
          if ((error as { code?: unknown }).code !== 401) throw error;
          return hubspot.request(portalId, await token(true), method, path, body);
        }
      },
    };
  }

  /** Is this staff member's calendar connected through the portal's own install (no link to send)? */
  onInstall(staff: Pick<Staff, "calendar">): boolean {
    return isPortalProvider(staff.calendar);
  }

  /**
   * A staff member's calendar on the portal's own install (a HubSpot meeting link): usable once the
   * portal granted the scheduler scope; the links are listed to prove it, and the mapping checked.
   */
  async connectPortal(staff: Staff): Promise<{ label: string; types: ExternalTypeInfo[] }> {
    if (!isPortalProvider(staff.calendar)) throw new Error(`${staff.email}'s calendar is not connected through the HubSpot install`);
    const portal = await this.db.portal.findUniqueOrThrow({ where: { id: staff.portalId }, select: { scopes: true } });
    if (!portal.scopes.includes(SCHEDULER_SCOPE)) throw new CalendarNotConnectedError(staff.email, "HubSpot meeting links need the app's meeting-link permission: re-authorise the app (install it again from the settings page) and grant it");
    const provider = this.connected[staff.calendar];
    const types = await provider.scheduling!.types(this.portalAccount(staff.portalId, staff.email));
    const data = { portalId: staff.portalId, provider: staff.calendar, accountEmail: staff.email, accessTokenEnc: encrypt(PORTAL_TOKEN, this.env.ENCRYPTION_KEY, sealedFor("CalendarConnection", "accessTokenEnc", staff.id)), refreshTokenEnc: null, expiresAt: NEVER, status: "connected", lastError: null, syncCursor: null };
    await this.db.calendarConnection.upsert({ where: { staffId: staff.id }, create: { staffId: staff.id, ...data }, update: data });
    await this.db.externalBusy.deleteMany({ where: { staffId: staff.id } });
    await this.checkTypes(staff).catch((error: Error) => log.warn({ staffId: staff.id, err: error.message }, "the staff member's link mapping could not be checked"));
    return { label: provider.label, types };
  }

  private async accessToken(staffId: string): Promise<string> {
    const connection = await this.db.calendarConnection.findUniqueOrThrow({ where: { staffId } });
    if (connection.expiresAt.getTime() - Date.now() > REFRESH_MARGIN_MS) return decrypt(connection.accessTokenEnc, this.env.ENCRYPTION_KEY, sealedFor("CalendarConnection", "accessTokenEnc", connection.staffId));
    return this.refreshes.run(staffId, () => this.refresh(staffId));
  }

  private async refresh(staffId: string): Promise<string> {
    const connection = await this.db.calendarConnection.findUniqueOrThrow({ where: { staffId } });
    if (!connection.refreshTokenEnc) throw new CalendarNotConnectedError(connection.accountEmail, "no refresh token: reconnect the calendar");
    try {
      const tokens = await this.external[connection.provider as ExternalProviderId].refresh(decrypt(connection.refreshTokenEnc, this.env.ENCRYPTION_KEY, sealedFor("CalendarConnection", "refreshTokenEnc", connection.staffId)));
      await this.db.calendarConnection.update({
        where: { staffId },
        data: {
          accessTokenEnc: encrypt(tokens.accessToken, this.env.ENCRYPTION_KEY, sealedFor("CalendarConnection", "accessTokenEnc", staffId)),
          ...(tokens.refreshToken ? { refreshTokenEnc: encrypt(tokens.refreshToken, this.env.ENCRYPTION_KEY, sealedFor("CalendarConnection", "refreshTokenEnc", staffId)) } : {}),
          expiresAt: tokens.expiresAt,
        },
      });
      return tokens.accessToken;
    } catch (error) {
      if ((error as { code?: unknown }).code === "invalid_grant") {
        await this.db.calendarConnection.update({ where: { staffId }, data: { status: "needs_reauth", lastError: "the calendar refused our access (revoked or expired): reconnect it" } });
        log.warn({ staffId }, "staff calendar needs to be reconnected");
        throw new CalendarNotConnectedError(connection.accountEmail, "access was revoked: reconnect the calendar");
      }
      throw error;
    }
  }

  // --- OAuth connection of one staff member's calendar -------------------------------------------

  redirectUri(): string {
    return `${this.env.PUBLIC_BASE_URL}/calendar/oauth/callback`;
  }

  /** The link a staff member opens to connect their calendar (valid for a day, single use). */
  async connectUrl(staff: Staff): Promise<string> {
    if (!isExternalProvider(staff.calendar)) throw new Error(`${staff.email} ${isPortalProvider(staff.calendar) ? "books on a HubSpot meeting link, which uses the app's own install" : "uses the built-in calendar"}: nothing to connect with a link`);
    if (!this.configured(staff.calendar)) throw new Error(`${staff.calendar} calendars are not configured: set ${staff.calendar.toUpperCase()}_CLIENT_ID and ${staff.calendar.toUpperCase()}_CLIENT_SECRET`);
    const state = randomToken(24);
    await this.db.calendarOAuthState.create({ data: { state, staffId: staff.id, provider: staff.calendar } });
    return this.external[staff.calendar].authorizeUrl({ redirectUri: this.redirectUri(), state, loginHint: staff.email });
  }

  /** The callback: exchange the code, store the tokens, open a push channel and sync once. */
  async completeConnect(code: string, state: string): Promise<{ staffId: string; accountEmail: string; provider: ExternalProviderId; label: string }> {
    const pending = await this.db.calendarOAuthState.delete({ where: { state } }).catch(() => null);
    if (!pending || Date.now() - pending.createdAt.getTime() > OAUTH_STATE_TTL_MS) throw new Error("this link has expired or was already used: ask for a new one");
    const provider = pending.provider as ExternalProviderId;
    const tokens = await this.external[provider].exchange(code, this.redirectUri());
    const staff = await this.db.staffMember.findUniqueOrThrow({ where: { id: pending.staffId } });
    const data = {
      portalId: staff.portalId,
      provider,
      accountEmail: tokens.email,
      accessTokenEnc: encrypt(tokens.accessToken, this.env.ENCRYPTION_KEY, sealedFor("CalendarConnection", "accessTokenEnc", staff.id)),
      refreshTokenEnc: tokens.refreshToken ? encrypt(tokens.refreshToken, this.env.ENCRYPTION_KEY, sealedFor("CalendarConnection", "refreshTokenEnc", staff.id)) : null,
      expiresAt: tokens.expiresAt,
      status: "connected",
      lastError: null,
      syncCursor: null,
    };
    await this.db.calendarConnection.upsert({ where: { staffId: staff.id }, create: { staffId: staff.id, ...data }, update: data });
    await this.db.externalBusy.deleteMany({ where: { staffId: staff.id } });
    await this.ensureChannel(staff.id).catch((error: Error) => log.warn({ staffId: staff.id, err: error.message }, "push channel not opened; the periodic sync covers it"));
    await this.sync(staff.id).catch((error: Error) => log.warn({ staffId: staff.id, err: error.message }, "first calendar sync failed; the sweep retries"));
    await this.checkTypes(staff).catch((error: Error) => log.warn({ staffId: staff.id, err: error.message }, "the staff member's type mapping could not be checked"));
    return { staffId: staff.id, accountEmail: tokens.email, provider, label: this.external[provider].label };
  }

  // --- Push channels and incremental sync --------------------------------------------------------

  /** Push channels post to /calendar/push/:provider; a scheduling system's webhooks (signed, form-encoded) to /calendar/webhooks/:provider. */
  notificationUrl(provider: ExternalProviderId): string {
    return `${this.env.CALENDAR_PUSH_BASE_URL ?? this.env.PUBLIC_BASE_URL}/calendar/${this.external[provider].scheduling ? "webhooks" : "push"}/${provider}`;
  }

  private webhookDeps(): WebhookDeps {
    return { db: this.db, encryptionKey: this.env.ENCRYPTION_KEY, provider: (id) => (isConnectedProvider(id) ? this.connected[id] : null), account: (staff) => this.account(staff) };
  }

  /** A request at /calendar/webhooks/:provider (scheduling systems: Acuity). */
  handleWebhook(provider: string, request: { headers: Record<string, string | undefined>; query: Record<string, string | undefined>; rawBody: Buffer }): Promise<WebhookOutcome> {
    return handleWebhook(this.webhookDeps(), provider, request);
  }

  /** A scheduling system's types against the staff member's mapping (durations); problems are stored and returned. */
  checkTypes(staff: Staff) {
    return checkTypes(this.webhookDeps(), staff);
  }

  /**
   * The key the staff member's provider signs its webhooks with, when it is the account's own
   * (Acuity: the account's API key); whether one may be given is storeWebhookKey's question (scheduling-setup.ts).
   */
  async setWebhookKey(staffId: string, key: string): Promise<void> {
    await this.db.calendarConnection.update({ where: { staffId }, data: { webhookKeyEnc: encrypt(key, this.env.ENCRYPTION_KEY, sealedFor("CalendarConnection", "webhookKeyEnc", staffId)), webhookKeyFromChannel: false } });
  }

  /**
   * The types the staff member's calendar offers (Acuity appointment types, Calendly event types),
   * asked live; null when it is not a scheduling system. Throws CalendarNotConnectedError when it is
   * not connected, another CalendarError when the provider refuses or does not answer.
   */
  async offeredTypes(staff: Staff): Promise<ExternalTypeInfo[] | null> {
    const scheduling = this.provider(staff).scheduling;
    if (!scheduling) return null;
    return scheduling.types(await this.account(staff));
  }

  /** Open (or renew) the staff calendar's push channel. */
  async ensureChannel(staffId: string, force = false): Promise<void> {
    const connection = await this.db.calendarConnection.findUniqueOrThrow({ where: { staffId }, include: { staff: true } });
    const provider = this.connected[connection.provider as ConnectedProviderId];
    if (!provider.watch) return;
    if (!force && connection.channelId && connection.channelExpiresAt && connection.channelExpiresAt.getTime() - Date.now() > RENEW_BEFORE_MS) return;
    const account = await this.account(connection.staff);
    const secret = randomToken(24);
    const channel = await provider.watch(account, this.notificationUrl(connection.provider as ExternalProviderId), secret);
    await this.db.calendarConnection.update({
      where: { staffId },
      // A renewal also restarts sync from scratch: Graph's delta window is fixed when it starts, so
      // without this, events further out than its first end would never be seen.
      data: { channelId: channel.id, channelResourceId: channel.resourceId, channelExpiresAt: channel.expiresAt, channelSecretEnc: encrypt(secret, this.env.ENCRYPTION_KEY, sealedFor("CalendarConnection", "channelSecretEnc", staffId)), ...this.channelKey(staffId, channel, connection.webhookKeyFromChannel), ...(connection.channelId ? { syncCursor: null } : {}) },
    });
    if (connection.channelId && connection.channelResourceId && connection.channelExpiresAt && provider.unwatch) {
      await provider.unwatch(account, { id: connection.channelId, resourceId: connection.channelResourceId, expiresAt: connection.channelExpiresAt }).catch(() => undefined);
    }
  }

  /** A key a new channel brings (we chose it: Calendly) is marked so; one an earlier channel brought goes; an account's own stays. */
  private channelKey(staffId: string, channel: PushChannel, hadChannelKey: boolean) {
    if (channel.signingKey) return { webhookKeyEnc: encrypt(channel.signingKey, this.env.ENCRYPTION_KEY, sealedFor("CalendarConnection", "webhookKeyEnc", staffId)), webhookKeyFromChannel: true };
    return hadChannelKey ? { webhookKeyEnc: null, webhookKeyFromChannel: false } : {};
  }

  /**
   * A request at /calendar/push/:provider. Returns the validation token to echo, if it was one.
   * Nobody has to sign a push request, so its cost is bounded before anything is looked up: notices
   * are de-duplicated, at most MAX_PUSH_CHANNELS channels are taken from one request, and they are
   * looked up in one query; each staff calendar is synced once however many notices name it.
   */
  async handlePush(provider: ExternalProviderId, request: Parameters<NonNullable<CalendarProvider["parsePush"]>>[0]): Promise<PushOutcome> {
    const notices: PushNotice[] = this.external[provider].parsePush?.(request) ?? [];
    const validation = notices.find((notice) => notice.kind === "validation");
    if (validation) return { validation: validation.token, accepted: 0, rejected: 0, lookups: 0, queued: 0, synced: 0 };
    const distinct = new Map<string, Exclude<PushNotice, { kind: "validation" | "ignored" }>>();
    for (const notice of notices) {
      if (notice.kind === "validation" || notice.kind === "ignored") continue;
      const key = JSON.stringify([notice.kind, notice.kind === "lifecycle" ? notice.event : "", notice.channelId, notice.secret]);
      if (!distinct.has(key)) distinct.set(key, notice);
    }
    const channelIds = [...new Set([...distinct.values()].map((notice) => notice.channelId))].slice(0, MAX_PUSH_CHANNELS);
    if (!channelIds.length) return { accepted: 0, rejected: 0, lookups: 0, queued: 0, synced: 0 };
    // Plain SQL, only what the check needs: a burst of bookings makes a push per new event.
    const rows = await sql<{ staffId: string; channelId: string; channelSecretEnc: string | null }>(
      this.db,
      `SELECT "staffId", "channelId", "channelSecretEnc" FROM "CalendarConnection" WHERE "channelId" = ANY($1::text[])`,
      [channelIds],
      { name: "calendar-push-channels" },
    );
    const connections = new Map(rows.map((c) => [c.channelId, c]));
    let accepted = 0;
    let rejected = 0;
    const renew = new Set<string>();
    const resync = new Set<string>();
    for (const notice of distinct.values()) {
      const connection = connections.get(notice.channelId);
      if (!connection?.channelSecretEnc || !notice.secret || !safeEqual(decrypt(connection.channelSecretEnc, this.env.ENCRYPTION_KEY, sealedFor("CalendarConnection", "channelSecretEnc", connection.staffId)), notice.secret)) {
        rejected++;
        continue;
      }
      accepted++;
      if (notice.kind === "lifecycle" && (notice.event === "reauthorizationRequired" || notice.event === "subscriptionRemoved")) renew.add(connection.staffId);
      if (!(notice.kind === "lifecycle" && notice.event === "sync")) resync.add(connection.staffId);
    }
    for (const staffId of renew) await this.ensureChannel(staffId, true).catch((error: Error) => log.warn({ staffId, err: error.message }, "channel renewal failed"));
    let queued = 0;
    let synced = 0;
    for (const staffId of resync) {
      // A burst of bookings makes a notice per event, in the process answering the live calls: the
      // worker syncs (bench/booking.ts, "burst"). With Redis unreachable this request syncs instead.
      if (this.handoff && (await this.handoff(staffId).then(() => true, (error: Error) => (log.warn({ staffId, err: error.message }, "calendar sync not queued; syncing here"), false)))) {
        queued++;
        continue;
      }
      await this.sync(staffId).then(() => synced++, (error: Error) => log.warn({ staffId, err: error.message }, "calendar sync after push failed; the sweep retries"));
    }
    return { accepted, rejected, lookups: channelIds.length, queued, synced };
  }

  /** Whether the staff member's calendar is still connected (an uninstall or a disconnect deletes the row). */
  async isConnected(staffId: string): Promise<boolean> {
    return (await this.db.calendarConnection.count({ where: { staffId } })) > 0;
  }

  /** Incremental sync of one staff calendar into ExternalBusy (our own events are skipped). */
  sync(staffId: string): Promise<number> {
    // A burst of bookings makes a burst of notices about the same calendar: each waits for one sync
    // that starts after it arrived, and those arriving together share it (Coalesced).
    return this.syncs.run(staffId, () => this.syncNow(staffId));
  }

  private async syncNow(staffId: string): Promise<number> {
    // Plain SQL throughout: a burst of bookings on one calendar makes a sync per few notices, in the
    // same process that answers the live calls (bench/booking.ts, "Google ... burst").
    const [connection] = await sql<SyncConnection>(
      this.db,
      `SELECT c."staffId", c."provider", c."accountEmail", c."accessTokenEnc", c."expiresAt", c."status", c."lastError", c."syncCursor",
              s."portalId", s."email", s."calendar"
         FROM "CalendarConnection" c JOIN "StaffMember" s ON s."id" = c."staffId" WHERE c."staffId" = $1`,
      [staffId],
      { name: "calendar-sync-connection" },
    );
    if (!connection) throw new Error(`no calendar connection for staff member ${staffId}`);
    const provider = this.connected[connection.provider as ConnectedProviderId];
    if (!provider.changes) return 0;
    try {
      const staff = { id: staffId, portalId: connection.portalId, email: connection.email, calendar: connection.calendar };
      const page = await provider.changes(this.accountOf(staff, connection), connection.syncCursor);
      // What the page leaves of each event (a later entry of the same event wins): busy, or gone.
      const busy = new Map<string, { start: Date; end: Date }>();
      const gone = new Set<string>();
      for (const event of page.events) {
        if (event.bookingId || event.cancelled || event.free || !event.start || !event.end) {
          busy.delete(event.id);
          gone.add(event.id);
        } else {
          gone.delete(event.id);
          busy.set(event.id, { start: event.start, end: event.end });
        }
      }
      const kept = [...busy];
      await sqlTransaction(this.db, async (query) => {
        if (page.reset || !connection.syncCursor) await query(`DELETE FROM "ExternalBusy" WHERE "staffId" = $1`, [staffId]);
        // The events gone and the events kept are disjoint, so one statement does both and the cursor.
        await query(
          `WITH gone AS (
             DELETE FROM "ExternalBusy" WHERE "staffId" = $1 AND "eventId" = ANY($2::text[])
           ), kept AS (
             INSERT INTO "ExternalBusy" ("staffId", "eventId", "startAt", "endAt")
             SELECT $1, e.id, e.start_at, e.end_at FROM unnest($3::text[], $4::timestamp(3)[], $5::timestamp(3)[]) AS e(id, start_at, end_at)
             ON CONFLICT ("staffId", "eventId") DO UPDATE SET "startAt" = EXCLUDED."startAt", "endAt" = EXCLUDED."endAt"
           )
           UPDATE "CalendarConnection" SET "syncCursor" = $6, "lastSyncAt" = now(), "lastError" = NULL, "updatedAt" = now() WHERE "staffId" = $1`,
          [staffId, [...gone], kept.map(([id]) => id), kept.map(([, e]) => e.start.toISOString()), kept.map(([, e]) => e.end.toISOString()), page.cursor],
        );
      });
      return page.events.length;
    } catch (error) {
      await this.db.calendarConnection.update({ where: { staffId }, data: { lastError: `sync failed: ${(error as Error).message}` } }).catch(() => undefined);
      throw error;
    }
  }

  /** Periodic upkeep (worker): renew channels before they lapse, resync calendars that went quiet. */
  async sweep(): Promise<{ renewed: number; synced: number }> {
    const connections = await this.db.calendarConnection.findMany({ where: { status: "connected" } });
    let renewed = 0;
    let synced = 0;
    for (const connection of connections) {
      // A calendar connected a moment ago is opening its first channel itself: leave it be.
      const due = connection.channelExpiresAt ? connection.channelExpiresAt.getTime() - Date.now() < RENEW_BEFORE_MS : Date.now() - connection.updatedAt.getTime() > 60_000;
      if (due) {
        if (await this.ensureChannel(connection.staffId, true).then(() => true, () => false)) renewed++;
      }
      if (!connection.lastSyncAt || Date.now() - connection.lastSyncAt.getTime() > RESYNC_AFTER_MS) {
        if (await this.sync(connection.staffId).then(() => true, () => false)) synced++;
      }
    }
    return { renewed, synced };
  }

  /** Stop push channels and forget tokens of a portal (uninstall) or of one staff member. */
  async disconnect(where: { portalId: string } | { staffId: string }): Promise<void> {
    const connections = await this.db.calendarConnection.findMany({ where, include: { staff: true } });
    for (const connection of connections) {
      const provider = this.connected[connection.provider as ConnectedProviderId];
      if (connection.channelId && connection.channelResourceId && connection.channelExpiresAt && provider.unwatch) {
        const account = await this.account(connection.staff).catch(() => null);
        if (account) await provider.unwatch(account, { id: connection.channelId, resourceId: connection.channelResourceId, expiresAt: connection.channelExpiresAt }).catch(() => undefined);
      }
      await this.db.externalBusy.deleteMany({ where: { staffId: connection.staffId } });
      await this.db.calendarConnection.delete({ where: { staffId: connection.staffId } });
    }
  }
}
