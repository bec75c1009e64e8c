import { randomBytes, randomUUID } from "node:crypto";
import { identityError, invalidToken } from "./errors.js";

// The Microsoft identity platform (v2 endpoints) as far as this app uses it: the authorize page (the
// user named by login_hint signs in and consents at once), one-time authorisation codes bound to their
// redirect URI, access tokens that expire, refresh tokens that rotate and can be revoked, and id tokens
// whose claims follow the scopes asked for (`email` needs the email scope, `preferred_username` the
// profile scope).

export interface SimUser {
  id: string;
  email: string;
  displayName: string;
  tenantId: string;
}

export interface SimApp {
  clientId: string;
  clientSecret: string;
}

export interface AccessGrant {
  token: string;
  user: SimUser;
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

interface RefreshGrant {
  user: SimUser;
  clientId: string;
  scopes: string[];
  revoked: boolean;
}

interface AuthCode {
  user: SimUser;
  clientId: string;
  scopes: string[];
  /** null: minted by sim.grant() without a redirect URI, redeemable with any. */
  redirectUri: string | null;
  expiresAt: number;
}

/** What the app asks for; also what sim.grant() and sim.issueToken() grant by default. */
export const DEFAULT_SCOPES = ["offline_access", "Calendars.ReadWrite", "User.Read", "openid", "email"];
/** Authorisation codes live about ten minutes. */
const CODE_TTL_MS = 10 * 60_000;
export const TENANT_ID = "9188040d-6c67-4c5b-b112-36a304b66dad";

/** "https://graph.microsoft.com/Calendars.ReadWrite" and "calendars.readwrite" are the same scope. */
export function normaliseScopes(raw: string): string[] {
  const known = new Map([...DEFAULT_SCOPES, "Calendars.Read", "profile"].map((s) => [s.toLowerCase(), s]));
  return [...new Set(raw.split(/\s+/).filter(Boolean).map((s) => s.replace(/^https:\/\/graph\.microsoft\.com\//i, "")).map((s) => known.get(s.toLowerCase()) ?? s))];
}

export class Identity {
  private readonly users = new Map<string, SimUser>();
  private readonly apps = new Map<string, SimApp>();
  private readonly codes = new Map<string, AuthCode>();
  private readonly accessTokens = new Map<string, AccessGrant>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();

  constructor(private readonly accessTokenTtlSeconds: number) {}

  registerApp(app: SimApp): void {
    this.apps.set(app.clientId, app);
  }

  /** The user with this e-mail, created on first mention. */
  user(email: string): SimUser {
    const key = email.toLowerCase();
    let user = this.users.get(key);
    if (!user) {
      const local = key.split("@")[0] ?? key;
      const displayName = local.split(/[._-]/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join(" ");
      user = { id: randomUUID(), email: key, displayName, tenantId: TENANT_ID };
      this.users.set(key, user);
    }
    return user;
  }

  userById(id: string): SimUser | undefined {
    return [...this.users.values()].find((u) => u.id === id);
  }

  grant(email: string, options: { clientId: string; scopes?: string[]; redirectUri?: string }): string {
    if (!this.apps.has(options.clientId)) throw new Error(`grant: no app ${options.clientId} is registered`);
    const code = `M.C5${randomBytes(24).toString("base64url")}`;
    this.codes.set(code, { user: this.user(email), clientId: options.clientId, scopes: options.scopes ?? DEFAULT_SCOPES, redirectUri: options.redirectUri ?? null, expiresAt: Date.now() + CODE_TTL_MS });
    return code;
  }

  /**
   * GET /{tenant}/oauth2/v2.0/authorize. The sign-in and consent pages are skipped: the user named by
   * login_hint approves at once, and the browser is sent to the redirect URI with a code.
   */
  authorize(query: Record<string, string | undefined>): { redirect: string } | { page: string } {
    const app = query.client_id ? this.apps.get(query.client_id) : undefined;
    if (!app) return { page: `AADSTS700016: Application with identifier '${query.client_id ?? ""}' was not found in the directory.` };
    const redirectUri = query.redirect_uri;
    if (!redirectUri || !isAllowedRedirect(redirectUri)) return { page: "AADSTS50011: The redirect URI specified in the request does not match the redirect URIs configured for the application." };
    const back = (params: Record<string, string>) => {
      const url = new URL(redirectUri);
      for (const [k, v] of Object.entries({ ...params, ...(query.state !== undefined ? { state: query.state } : {}) })) url.searchParams.set(k, v);
      return { redirect: url.toString() };
    };
    if (query.response_type !== "code") return back({ error: "unsupported_response_type", error_description: "AADSTS700054: response_type 'id_token' is not enabled for the application." });
    if (query.response_mode && query.response_mode !== "query") return back({ error: "invalid_request", error_description: "The simulator only answers response_mode=query." });
    const scopes = normaliseScopes(query.scope ?? "");
    if (!scopes.length) return back({ error: "invalid_request", error_description: "AADSTS900144: The request body must contain the following parameter: 'scope'." });
    if (!query.login_hint) return { page: "Sign in to your account (the simulator signs in the user named by login_hint)." };
    return back({ code: this.grant(query.login_hint, { clientId: app.clientId, scopes, redirectUri }) });
  }

  /** POST /{tenant}/oauth2/v2.0/token, form-encoded. */
  token(form: Record<string, string | undefined>): Record<string, unknown> {
    if (!form.grant_type) throw identityError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
    const app = form.client_id ? this.apps.get(form.client_id) : undefined;
    if (!app) throw identityError(400, "unauthorized_client", 700016, `Application with identifier '${form.client_id ?? ""}' was not found in the directory.`);
    if (form.client_secret !== app.clientSecret) throw identityError(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.");
    switch (form.grant_type) {
      case "authorization_code": {
        const code = form.code ? this.codes.get(form.code) : undefined;
        if (!code || code.clientId !== app.clientId) throw identityError(400, "invalid_grant", 70000, "The provided value for the 'code' parameter is not valid.");
        if (code.expiresAt < Date.now()) throw identityError(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity.");
        if (code.redirectUri !== null && form.redirect_uri !== code.redirectUri) throw identityError(400, "invalid_grant", 50148, "The redirect_uri does not match the one used to obtain the authorization code.");
        this.codes.delete(form.code!);
        return this.issue(code.user, app.clientId, code.scopes);
      }
      case "refresh_token": {
        const grant = form.refresh_token ? this.refreshTokens.get(form.refresh_token) : undefined;
        if (!grant || grant.clientId !== app.clientId) throw identityError(400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.");
        if (grant.revoked) throw identityError(400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. The token was issued on a date long ago and was inactive for 90.00:00:00.");
        // The v2 endpoint documents scope as required on a refresh, and no wider than the grant.
        if (!form.scope) throw identityError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.");
        const asked = normaliseScopes(form.scope);
        const wider = asked.filter((s) => !grant.scopes.includes(s));
        if (wider.length) throw identityError(400, "invalid_grant", 65001, `The user or administrator has not consented to use the application with ID '${app.clientId}'. Scopes: ${wider.join(" ")}.`);
        return this.issue(grant.user, app.clientId, asked.includes("offline_access") ? asked : [...asked, "offline_access"]);
      }
      default:
        throw identityError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${form.grant_type}'.`);
    }
  }

  /** An access token straight away (tests that skip the OAuth dance). */
  issueAccessToken(email: string, clientId: string, scopes = DEFAULT_SCOPES): string {
    return this.access(this.user(email), clientId, scopes).token;
  }

  /** The grant behind an Authorization header, or Graph's 401. */
  authenticate(authorization: string | undefined): AccessGrant {
    if (!authorization) throw invalidToken("Access token is empty.");
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const grant = match ? this.accessTokens.get(match[1]!) : undefined;
    if (!grant) throw invalidToken("CompactToken parsing failed with error code: 80049217");
    if (grant.expiresAt <= Date.now()) throw invalidToken("Lifetime validation failed, the token is expired.");
    return grant;
  }

  /** The user a header names, expired or not (for the request log). */
  peek(authorization: string | undefined): SimUser | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    return match ? this.accessTokens.get(match[1]!)?.user : undefined;
  }

  expireAccessTokens(): void {
    const past = Date.now() - 1000;
    for (const grant of this.accessTokens.values()) grant.expiresAt = Math.min(grant.expiresAt, past);
  }

  /** Every refresh token of the user answers invalid_grant from now on (consent revoked, password reset). */
  revokeRefreshTokens(email: string): void {
    const user = this.user(email);
    for (const grant of this.refreshTokens.values()) if (grant.user === user) grant.revoked = true;
  }

  private access(user: SimUser, clientId: string, scopes: string[]): AccessGrant {
    const grant: AccessGrant = { token: `EwB${randomBytes(48).toString("base64url")}`, user, clientId, scopes, expiresAt: Date.now() + this.accessTokenTtlSeconds * 1000 };
    this.accessTokens.set(grant.token, grant);
    return grant;
  }

  private issue(user: SimUser, clientId: string, scopes: string[]): Record<string, unknown> {
    const access = this.access(user, clientId, scopes);
    const body: Record<string, unknown> = {
      token_type: "Bearer",
      scope: scopes.filter((s) => s !== "offline_access").join(" "),
      expires_in: this.accessTokenTtlSeconds,
      ext_expires_in: this.accessTokenTtlSeconds,
      access_token: access.token,
    };
    // Refresh tokens rotate: every answer carries a new one; the old one stays valid until revoked.
    if (scopes.includes("offline_access")) {
      const refresh = `M.C5${randomBytes(64).toString("base64url")}`;
      this.refreshTokens.set(refresh, { user, clientId, scopes, revoked: false });
      body.refresh_token = refresh;
    }
    if (scopes.includes("openid")) body.id_token = idToken(user, clientId, scopes);
    return body;
  }
}

/** An unsigned-looking JWT: the header and claims are real, the signature is noise (clients must not need it). */
function idToken(user: SimUser, clientId: string, scopes: string[]): string {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    aud: clientId,
    iss: `https://login.microsoftonline.com/${user.tenantId}/v2.0`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    oid: user.id,
    sub: randomBytes(16).toString("base64url"),
    tid: user.tenantId,
    ver: "2.0",
  };
  if (scopes.includes("profile")) Object.assign(claims, { name: user.displayName, preferred_username: user.email });
  if (scopes.includes("email")) claims.email = user.email;
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ typ: "JWT", alg: "RS256", kid: "sim-key" })}.${part(claims)}.${randomBytes(64).toString("base64url")}`;
}

/** Like Entra: https redirect URIs, plus http on loopback for local development. */
function isAllowedRedirect(uri: string): boolean {
  try {
    const url = new URL(uri);
    return url.protocol === "https:" || (url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname));
  } catch {
    return false;
  }
}
