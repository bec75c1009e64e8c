import { randomBytes } from "node:crypto";
import { GoogleError, insufficientScopes, invalidCredentials, loginRequired, oauthError } from "./errors.js";

// Google's OAuth for one web client: the consent screen (reduced to a redirect), one-time codes, access
// tokens that expire after an hour, refresh tokens that can be revoked, id_tokens, and the scopes each
// Calendar endpoint accepts.

const SCOPE = "https://www.googleapis.com/auth/";
export const SCOPES = {
  calendar: `${SCOPE}calendar`,
  calendarReadonly: `${SCOPE}calendar.readonly`,
  events: `${SCOPE}calendar.events`,
  eventsReadonly: `${SCOPE}calendar.events.readonly`,
  freebusy: `${SCOPE}calendar.freebusy`,
  eventsFreebusy: `${SCOPE}calendar.events.freebusy`,
  userinfoEmail: `${SCOPE}userinfo.email`,
  userinfoProfile: `${SCOPE}userinfo.profile`,
} as const;

/** What a consent grants when a test does not say: the scopes the app asks for. */
export const DEFAULT_GRANT_SCOPES: readonly string[] = [SCOPES.events, SCOPES.freebusy, "openid", "email"];

/** Google answers the short OpenID names with their long forms in the token's `scope`. */
const LONG_FORM: Record<string, string> = { email: SCOPES.userinfoEmail, profile: SCOPES.userinfoProfile };
const KNOWN_SCOPES = new Set<string>([...Object.values(SCOPES), "openid", "email", "profile"]);

/** What each kind of Calendar request accepts, any one of the list (Google's API reference). */
export type ApiAccess = "events.read" | "events.write" | "freebusy" | "channels";
const ACCEPTED: Record<ApiAccess, readonly string[]> = {
  "events.read": [SCOPES.calendar, SCOPES.calendarReadonly, SCOPES.events, SCOPES.eventsReadonly],
  "events.write": [SCOPES.calendar, SCOPES.events],
  freebusy: [SCOPES.calendar, SCOPES.calendarReadonly, SCOPES.events, SCOPES.eventsReadonly, SCOPES.freebusy, SCOPES.eventsFreebusy],
  channels: [SCOPES.calendar, SCOPES.calendarReadonly, SCOPES.events, SCOPES.eventsReadonly],
};

export interface AccessGrant {
  token: string;
  email: string;
  scopes: string[];
  expiresAt: number;
  revoked: boolean;
}

interface RefreshGrant {
  token: string;
  email: string;
  scopes: string[];
  revoked: boolean;
}

interface AuthCode {
  email: string;
  scopes: string[];
  /** The redirect URI of the authorisation request; the exchange must name the same one. */
  redirectUri: string | null;
  offline: boolean;
  expiresAt: number;
}

const CODE_TTL_MS = 10 * 60_000;
const opaque = (prefix: string, bytes: number) => `${prefix}${randomBytes(bytes).toString("base64url")}`;

export class GoogleOAuth {
  private readonly codes = new Map<string, AuthCode>();
  private readonly accessTokens = new Map<string, AccessGrant>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  /** Users who already consented once: Google gives them no new refresh token unless prompt=consent. */
  private readonly consented = new Set<string>();

  constructor(
    readonly clientId: string,
    readonly clientSecret: string,
    private readonly accessTokenTtlSeconds: number,
    private readonly subjectOf: (email: string) => string,
  ) {}

  /**
   * GET /o/oauth2/v2/auth: the user `login_hint` names approves at once and is sent back to the
   * redirect URI with a code. Bad requests get Google's HTML error page instead of a redirect.
   */
  authorize(query: Record<string, string | undefined>): string {
    const page = (status: number, error: string, detail: string) => new GoogleError(status, `<html><body><h1>Error ${status}: ${error}</h1><p>${detail}</p></body></html>`);
    if (query.client_id !== this.clientId) throw page(401, "invalid_client", "The OAuth client was not found.");
    if (!query.redirect_uri) throw page(400, "invalid_request", "Missing required parameter: redirect_uri");
    if (query.response_type !== "code") throw page(400, "invalid_request", `Invalid response_type: ${query.response_type ?? "(missing)"}`);
    const scopes = (query.scope ?? "").split(" ").filter(Boolean);
    if (!scopes.length) throw page(400, "invalid_request", "Missing required parameter: scope");
    if (scopes.some((s) => !KNOWN_SCOPES.has(s))) throw page(400, "invalid_scope", "Some requested scopes were invalid.");
    if (!query.login_hint) throw page(400, "invalid_request", "The simulator signs in the user named by login_hint; none was given.");
    const email = query.login_hint.toLowerCase();
    const offline = query.access_type === "offline" && ((query.prompt ?? "").split(" ").includes("consent") || !this.consented.has(email));
    const code = this.newCode({ email, scopes, redirectUri: query.redirect_uri, offline });
    const location = new URL(query.redirect_uri);
    if (query.state !== undefined) location.searchParams.set("state", query.state);
    location.searchParams.set("code", code);
    location.searchParams.set("scope", grantedScopes(scopes).join(" "));
    return location.toString();
  }

  /** A code as if `email` had approved an offline request with prompt=consent. */
  grant(email: string, options: { scopes?: readonly string[]; redirectUri?: string } = {}): string {
    return this.newCode({ email: email.toLowerCase(), scopes: [...(options.scopes ?? DEFAULT_GRANT_SCOPES)], redirectUri: options.redirectUri ?? null, offline: true });
  }

  /** POST /token, form-encoded; the client authenticates in the form or with HTTP Basic. */
  token(form: Record<string, string | undefined>, authorization: string | undefined) {
    const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? "");
    const [basicId, basicSecret] = basic ? Buffer.from(basic[1]!, "base64").toString().split(":").map(decodeURIComponent) : [];
    const clientId = form.client_id ?? basicId;
    const clientSecret = form.client_secret ?? basicSecret;
    if (clientId !== this.clientId) throw oauthError(401, "invalid_client", "The OAuth client was not found.");
    if (clientSecret !== this.clientSecret) throw oauthError(401, "invalid_client", "Unauthorized");
    switch (form.grant_type) {
      case "authorization_code": {
        if (!form.code) throw oauthError(400, "invalid_request", "Missing required parameter: code");
        const code = this.codes.get(form.code);
        if (!code || code.expiresAt < Date.now()) throw oauthError(400, "invalid_grant", "Bad Request");
        if (!form.redirect_uri) throw oauthError(400, "invalid_request", "Missing parameter: redirect_uri");
        if (code.redirectUri !== null && code.redirectUri !== form.redirect_uri) throw oauthError(400, "redirect_uri_mismatch", "Bad Request");
        this.codes.delete(form.code);
        this.consented.add(code.email);
        const scopes = grantedScopes(code.scopes);
        let refreshToken: string | undefined;
        if (code.offline) {
          refreshToken = opaque("1//", 48);
          this.refreshTokens.set(refreshToken, { token: refreshToken, email: code.email, scopes, revoked: false });
        }
        return { ...this.tokenAnswer(code.email, scopes), ...(refreshToken ? { refresh_token: refreshToken } : {}) };
      }
      case "refresh_token": {
        if (!form.refresh_token) throw oauthError(400, "invalid_request", "Missing required parameter: refresh_token");
        const grant = this.refreshTokens.get(form.refresh_token);
        if (!grant || grant.revoked) throw oauthError(400, "invalid_grant", "Token has been expired or revoked.");
        // Google keeps the refresh token: the answer carries none.
        return this.tokenAnswer(grant.email, grant.scopes);
      }
      default:
        throw oauthError(400, "unsupported_grant_type", `Invalid grant_type: ${form.grant_type ?? ""}`);
    }
  }

  /** An access token for `email` without the OAuth dance. */
  issueToken(email: string, scopes: readonly string[] = DEFAULT_GRANT_SCOPES): string {
    return this.newAccessToken(email.toLowerCase(), grantedScopes(scopes)).token;
  }

  /** Every access token (of `email`, or of everyone) is expired from now on. */
  expireTokens(email?: string): void {
    const past = Date.now() - 1000;
    for (const grant of this.accessTokens.values()) if (!email || grant.email === email.toLowerCase()) grant.expiresAt = Math.min(grant.expiresAt, past);
  }

  /** The user removed the app's access: refresh tokens answer invalid_grant, access tokens 401. */
  revokeRefresh(email: string): void {
    const who = email.toLowerCase();
    for (const grant of this.refreshTokens.values()) if (grant.email === who) grant.revoked = true;
    for (const grant of this.accessTokens.values()) if (grant.email === who) grant.revoked = true;
  }

  /** The grant behind an Authorization header, or Google's 401. */
  authenticate(authorization: string | undefined): AccessGrant {
    if (!authorization) throw loginRequired();
    const grant = this.peek(authorization);
    if (!grant || grant.revoked || grant.expiresAt <= Date.now()) throw invalidCredentials();
    return grant;
  }

  /** The grant a header names, valid or not (for the request log). */
  peek(authorization: string | undefined): AccessGrant | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    return match ? this.accessTokens.get(match[1]!) : undefined;
  }

  assertAccess(grant: AccessGrant, access: ApiAccess): void {
    if (!ACCEPTED[access].some((scope) => grant.scopes.includes(scope))) throw insufficientScopes();
  }

  /** GET /oauth2/v3/userinfo */
  userinfo(grant: AccessGrant) {
    const email = grant.scopes.includes(SCOPES.userinfoEmail);
    return { sub: this.subjectOf(grant.email), ...(email ? { email: grant.email, email_verified: true } : {}) };
  }

  private newCode(code: Omit<AuthCode, "expiresAt">): string {
    const value = opaque("4/0A", 40);
    this.codes.set(value, { ...code, expiresAt: Date.now() + CODE_TTL_MS });
    return value;
  }

  private newAccessToken(email: string, scopes: string[]): AccessGrant {
    const grant: AccessGrant = { token: opaque("ya29.", 96), email, scopes, expiresAt: Date.now() + this.accessTokenTtlSeconds * 1000, revoked: false };
    this.accessTokens.set(grant.token, grant);
    return grant;
  }

  private tokenAnswer(email: string, scopes: string[]) {
    const access = this.newAccessToken(email, scopes);
    return {
      access_token: access.token,
      expires_in: this.accessTokenTtlSeconds,
      scope: scopes.join(" "),
      token_type: "Bearer",
      ...(scopes.includes("openid") ? { id_token: this.idToken(email, scopes) } : {}),
    };
  }

  /** An id_token shaped like Google's; the signature is random bytes, as nobody can check it here. */
  private idToken(email: string, scopes: string[]): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: "RS256", kid: "sim-key-1", typ: "JWT" };
    const payload = {
      iss: "https://accounts.google.com",
      azp: this.clientId,
      aud: this.clientId,
      sub: this.subjectOf(email),
      ...(scopes.includes(SCOPES.userinfoEmail) ? { email, email_verified: true } : {}),
      at_hash: randomBytes(16).toString("base64url"),
      iat: now,
      exp: now + 3600,
    };
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    return `${part(header)}.${part(payload)}.${randomBytes(256).toString("base64url")}`;
  }
}

function grantedScopes(scopes: readonly string[]): string[] {
  return [...new Set(scopes.map((s) => LONG_FORM[s] ?? s))];
}
