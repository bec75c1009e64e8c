import { randomBytes, randomUUID } from "node:crypto";
import { expiredAuthentication, invalidAuthentication, missingScopes, notFound, oauthError } from "./errors.js";

// HubSpot's OAuth for a public app: registered apps, one-time authorisation codes, access tokens that
// expire, long-lived refresh tokens that can be revoked, and the scope each endpoint needs.

interface ScopeRule {
  methods: readonly string[] | "any";
  path: RegExp;
  /** Every one of them is needed. */
  scopes: readonly string[];
}

const READS = ["GET", "HEAD"] as const;
const WRITES = ["POST", "PUT", "PATCH", "DELETE"] as const;
const SCHEDULER = /^\/scheduler\/(v3|2026-03)\/meetings\//;
const SCHEDULER_READ = "scheduler.meetings.meeting-link.read";
const TRANSCRIPTS = /^\/crm\/(v3\/extensions\/calling|extensions\/calling\/2026-03)\/transcripts(\/|$)/;
/** Leads (object 0-136) have scopes of their own (leads guide), by name or type id. */
const LEADS_OBJECTS = /^\/crm\/v[34]\/objects\/(leads|0-136)(\/|$)/;
const LEADS_OBJECTS_READ = /^\/crm\/v3\/objects\/(leads|0-136)\/(search|batch\/read)$/;
const RECORDING_READY = /^\/crm\/(v3\/extensions\/calling|extensions\/calling\/2026-03)\/recordings\/ready$/;

/**
 * The scopes each endpoint needs, first match wins. HubSpot's calls guide lists the contact scopes for
 * calls, and the simulator holds every engagement (calls, notes, tasks, meetings) to them; searches and
 * batch reads are reads although they are POSTs. Properties of any object type need the contact
 * schema scopes here (only contact properties were checked against HubSpot's docs). The scheduler's
 * reads need `scheduler.meetings.meeting-link.read` (its reference pages); booking creates or updates
 * a contact and answers 403 with the read scope alone, so it also needs `crm.objects.contacts.write`
 * (seen against a live portal by a published integration, not in HubSpot's reference; see scheduler.ts).
 * Third-party transcripts need `crm.extensions_calling_transcripts.read` / `.write` (HubSpot's guide);
 * the recording-ready notice is held to the calls' write scope (its reference names none we could read).
 * Leads need crm.objects.leads.read / .write (HubSpot's leads guide); searches and batch reads of leads
 * are reads. The app-level recording settings take the developer API key, not a token (calling.ts, before this check).
 */
export const SCOPE_RULES: readonly ScopeRule[] = [
  { methods: READS, path: /^\/crm\/v3\/properties\//, scopes: ["crm.schemas.contacts.read"] },
  { methods: WRITES, path: /^\/crm\/v3\/properties\//, scopes: ["crm.schemas.contacts.write"] },
  { methods: "any", path: /^\/crm\/v3\/owners(\/|$)/, scopes: ["crm.objects.owners.read"] },
  { methods: "any", path: /^\/calling\/v1\/dispositions/, scopes: ["crm.objects.contacts.read"] },
  { methods: ["POST"], path: LEADS_OBJECTS_READ, scopes: ["crm.objects.leads.read"] },
  { methods: READS, path: LEADS_OBJECTS, scopes: ["crm.objects.leads.read"] },
  { methods: WRITES, path: LEADS_OBJECTS, scopes: ["crm.objects.leads.write"] },
  { methods: ["POST"], path: /^\/crm\/v3\/objects\/[^/]+\/(search|batch\/read)$/, scopes: ["crm.objects.contacts.read"] },
  { methods: READS, path: /^\/crm\/v[34]\/objects\//, scopes: ["crm.objects.contacts.read"] },
  { methods: WRITES, path: /^\/crm\/v[34]\/objects\//, scopes: ["crm.objects.contacts.write"] },
  { methods: READS, path: /^\/settings\/v3\/users(\/|$)/, scopes: ["settings.users.read"] },
  { methods: ["POST"], path: SCHEDULER, scopes: [SCHEDULER_READ, "crm.objects.contacts.write"] },
  { methods: READS, path: SCHEDULER, scopes: [SCHEDULER_READ] },
  { methods: READS, path: TRANSCRIPTS, scopes: ["crm.extensions_calling_transcripts.read"] },
  { methods: WRITES, path: TRANSCRIPTS, scopes: ["crm.extensions_calling_transcripts.write"] },
  { methods: ["POST"], path: RECORDING_READY, scopes: ["crm.objects.contacts.write"] },
];

/** The scopes a token gets when its app was registered without a list: everything above. */
export const ALL_SCOPES: readonly string[] = ["oauth", ...new Set(SCOPE_RULES.flatMap((r) => r.scopes))];

export function requiredScopes(method: string, path: string): readonly string[] {
  const rule = SCOPE_RULES.find((r) => (r.methods === "any" || r.methods.includes(method)) && r.path.test(path));
  return rule?.scopes ?? [];
}

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scopes?: string[];
  /** HubSpot's id of the app (what webhook events carry as appId); assigned when not given. */
  appId?: number;
}

export interface AccessTokenGrant {
  token: string;
  portalId: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
  user: string;
  userId: number;
}

interface RefreshTokenGrant {
  token: string;
  portalId: string;
  clientId: string;
  scopes: string[];
  revoked: boolean;
  user: string;
  userId: number;
}

interface AuthCode {
  portalId: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

/** Authorisation codes are single-use and short-lived (the exact lifetime is not documented). */
const CODE_TTL_MS = 10 * 60_000;

export class OAuthServer {
  private readonly apps = new Map<string, Required<OAuthApp> & { appId: number }>();
  private readonly codes = new Map<string, AuthCode>();
  private readonly accessTokens = new Map<string, AccessTokenGrant>();
  private readonly refreshTokens = new Map<string, RefreshTokenGrant>();
  private lastClientId: string | null = null;
  private nextAppId = 1_000_001;

  constructor(private readonly accessTokenTtlSeconds: number) {}

  /** Registering a client id again replaces its secret, redirect URI and scopes. */
  registerApp(app: OAuthApp): void {
    const appId = app.appId ?? this.apps.get(app.clientId)?.appId ?? this.nextAppId++;
    this.apps.set(app.clientId, { ...app, scopes: app.scopes ?? [...ALL_SCOPES], appId });
    this.lastClientId = app.clientId;
  }

  /**
   * The code HubSpot hands the app's redirect URI after a user of `portalId` approved the install, for
   * the given app (default: the last registered) with its scopes or the narrower `scopes` given.
   */
  issueAuthCode(portalId: string, options: { scopes?: string[]; clientId?: string } = {}): string {
    const clientId = options.clientId ?? this.lastClientId;
    const app = clientId ? this.apps.get(clientId) : undefined;
    if (!app) throw new Error("issueAuthCode: register the app first (sim.registerApp)");
    const code = randomUUID();
    this.codes.set(code, { portalId, clientId: app.clientId, scopes: options.scopes ?? app.scopes, expiresAt: Date.now() + CODE_TTL_MS });
    return code;
  }

  /** POST /oauth/v1/token, form-encoded. */
  token(form: Record<string, string | undefined>) {
    const app = form.client_id ? this.apps.get(form.client_id) : undefined;
    if (!app) throw oauthError("BAD_CLIENT_ID", "missing or unknown client id");
    if (form.client_secret !== app.clientSecret) throw oauthError("BAD_CLIENT_SECRET", "missing or invalid client secret");
    let refresh: RefreshTokenGrant;
    switch (form.grant_type) {
      case "authorization_code": {
        const code = form.code ? this.codes.get(form.code) : undefined;
        if (!code || code.clientId !== app.clientId || code.expiresAt < Date.now()) throw oauthError("BAD_AUTH_CODE", "missing or unknown auth code");
        if (form.redirect_uri !== app.redirectUri) throw oauthError("BAD_REDIRECT_URI", "redirect_uri does not match initial request");
        this.codes.delete(form.code!);
        refresh = { token: randomUUID(), portalId: code.portalId, clientId: app.clientId, scopes: code.scopes, revoked: false, user: `admin@portal-${code.portalId}.example`, userId: 1 };
        this.refreshTokens.set(refresh.token, refresh);
        break;
      }
      case "refresh_token": {
        const found = form.refresh_token ? this.refreshTokens.get(form.refresh_token) : undefined;
        if (!found || found.revoked || found.clientId !== app.clientId) throw oauthError("BAD_REFRESH_TOKEN", "missing or unknown refresh token");
        refresh = found;
        break;
      }
      default:
        throw oauthError("BAD_GRANT_TYPE", "grant_type must be authorization_code or refresh_token (form-encoded)");
    }
    const access: AccessTokenGrant = {
      token: `C${randomBytes(48).toString("base64url")}`,
      portalId: refresh.portalId,
      clientId: app.clientId,
      scopes: refresh.scopes,
      expiresAt: Date.now() + this.accessTokenTtlSeconds * 1000,
      user: refresh.user,
      userId: refresh.userId,
    };
    this.accessTokens.set(access.token, access);
    // A refresh returns the same refresh token.
    return { token_type: "bearer", refresh_token: refresh.token, access_token: access.token, expires_in: this.accessTokenTtlSeconds };
  }

  app(clientId: string): (Required<OAuthApp> & { appId: number }) | undefined {
    return this.apps.get(clientId);
  }

  appById(appId: number): (Required<OAuthApp> & { appId: number }) | undefined {
    return [...this.apps.values()].find((app) => app.appId === appId);
  }

  /** GET /oauth/v1/access-tokens/:token */
  accessTokenInfo(token: string) {
    const grant = this.accessTokens.get(token);
    if (!grant || grant.expiresAt <= Date.now()) throw notFound("Token not found or expired");
    const app = this.apps.get(grant.clientId)!;
    return {
      token,
      user: grant.user,
      hub_domain: `portal-${grant.portalId}.hubspot.test`,
      scopes: grant.scopes,
      hub_id: Number(grant.portalId),
      app_id: app.appId,
      expires_in: Math.floor((grant.expiresAt - Date.now()) / 1000),
      user_id: grant.userId,
      token_type: "access",
    };
  }

  /** GET /oauth/v1/refresh-tokens/:token */
  refreshTokenInfo(token: string) {
    const grant = this.refreshTokens.get(token);
    if (!grant || grant.revoked) throw notFound("Refresh token not found");
    return { token, user: grant.user, hub_domain: `portal-${grant.portalId}.hubspot.test`, scopes: grant.scopes, hub_id: Number(grant.portalId), client_id: grant.clientId, user_id: grant.userId, token_type: "refresh" };
  }

  /** DELETE /oauth/v1/refresh-tokens/:token */
  revokeRefreshToken(token: string): void {
    if (!this.refreshTokens.delete(token)) throw notFound("Refresh token not found");
  }

  expireAccessTokens(portalId: string): void {
    const past = Date.now() - 1000;
    for (const grant of this.accessTokens.values()) if (grant.portalId === portalId) grant.expiresAt = Math.min(grant.expiresAt, past);
  }

  revokeRefreshTokens(portalId: string): void {
    for (const grant of this.refreshTokens.values()) if (grant.portalId === portalId) grant.revoked = true;
  }

  /** The grant behind an Authorization header, or HubSpot's 401 (expired tokens say so). */
  authenticate(authorization: string | undefined): AccessTokenGrant {
    const grant = this.peek(authorization);
    if (!grant) throw invalidAuthentication();
    if (grant.expiresAt <= Date.now()) throw expiredAuthentication(grant.expiresAt, Date.now());
    return grant;
  }

  /** The grant a header names, expired or not (for the request log). */
  peek(authorization: string | undefined): AccessTokenGrant | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    return match ? this.accessTokens.get(match[1]!) : undefined;
  }

  assertScope(grant: AccessTokenGrant, method: string, path: string): void {
    const scopes = requiredScopes(method, path);
    if (scopes.some((scope) => !grant.scopes.includes(scope))) throw missingScopes([...scopes]);
  }
}
