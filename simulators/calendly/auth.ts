import { createHash, randomBytes } from "node:crypto";
import { CalendlyError, INVALID_CLIENT, INVALID_GRANT, oauthError, permissionDenied, unauthenticated } from "./errors.js";

// Calendly's OAuth (auth.calendly.com) for one registered app: the consent screen reduced to a
// redirect, codes that live 10 minutes (PKCE honoured when asked for), access tokens that expire after
// two hours, and single-use refresh tokens: every refresh revokes the token it used and hands out a new
// one, so a refresh token used twice is an invalid_grant (Calendly's rotation, OAuth 2.1). Scopes are
// Calendly's "<domain>:read|write", a write scope including its read; "default" is the legacy
// everything scope of apps made before scopes existed.

export const SCOPES = [
  "users:read",
  "organizations:read",
  "event_types:read",
  "event_types:write",
  "availability:read",
  "availability:write",
  "scheduled_events:read",
  "scheduled_events:write",
  "webhooks:read",
  "webhooks:write",
] as const;
export type Scope = (typeof SCOPES)[number];

/** What a consent grants when a test does not say: what the app asks for. */
export const DEFAULT_GRANT_SCOPES: readonly Scope[] = ["users:read", "event_types:read", "availability:read", "scheduled_events:write", "webhooks:write"];

export interface AccessGrant {
  token: string;
  email: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number;
  revoked: boolean;
}

interface RefreshGrant {
  email: string;
  scopes: string[];
  /** Used once (rotated) or revoked: either way it is spent. */
  spent: boolean;
}

interface AuthCode {
  email: string;
  scopes: string[];
  redirectUri: string;
  codeChallenge: string | null;
  expiresAt: number;
}

export interface OAuthOptions {
  clientId: string;
  clientSecret: string;
  accessTokenTtlSeconds: number;
  /** Redirect URIs registered for the app; empty accepts any. */
  redirectUris: readonly string[];
  /** Who Calendly says a token belongs to (`owner`, `organization`). */
  identity(email: string): { owner: string; organization: string };
  /** Counts a token issued to `email`; throws Calendly's 429 past 8 a minute. */
  countToken(email: string): void;
}

const CODE_TTL_MS = 10 * 60_000;
const opaque = (bytes: number) => randomBytes(bytes).toString("hex");

export class CalendlyOAuth {
  private readonly codes = new Map<string, AuthCode>();
  private readonly accessTokens = new Map<string, AccessGrant>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  /** The user signed in to calendly.com in the simulated browser (the consent screen approves as them). */
  signedIn: string | null = null;

  constructor(private readonly options: OAuthOptions) {}

  /** GET /oauth/authorize: the signed-in user (or `login_hint`) approves at once. */
  authorize(query: Record<string, string | undefined>): string {
    const page = (status: number, detail: string) => new CalendlyError(status, `<html><body><h1>An error has occurred</h1><p>${detail}</p></body></html>`);
    if (query.client_id !== this.options.clientId) throw page(401, "Client authentication failed due to unknown client.");
    if (!query.redirect_uri) throw page(400, "The redirect uri included is not valid.");
    if (this.options.redirectUris.length && !this.options.redirectUris.includes(query.redirect_uri)) throw page(400, "The redirect uri included is not valid.");
    const back = new URL(query.redirect_uri);
    if (query.state !== undefined) back.searchParams.set("state", query.state);
    const refuse = (error: string, description: string) => {
      back.searchParams.set("error", error);
      back.searchParams.set("error_description", description);
      return back.toString();
    };
    if (query.response_type !== "code") return refuse("unsupported_response_type", "The authorization server does not support this response type.");
    const scopes = (query.scope ?? DEFAULT_GRANT_SCOPES.join(" ")).split(" ").filter(Boolean);
    if (scopes.some((s) => s !== "default" && !(SCOPES as readonly string[]).includes(s))) return refuse("invalid_scope", "The requested scope is invalid, unknown, or malformed.");
    if (query.code_challenge && query.code_challenge_method !== "S256") return refuse("invalid_request", "Code challenge method must be S256.");
    const email = query.login_hint ?? this.signedIn;
    if (!email) throw page(400, "Nobody is signed in to the simulated calendly.com: call sim.signIn(email) or pass login_hint.");
    back.searchParams.set("code", this.newCode({ email: email.toLowerCase(), scopes, redirectUri: query.redirect_uri, codeChallenge: query.code_challenge ?? null }));
    return back.toString();
  }

  /** A code as if `email` had approved the app. */
  grant(email: string, options: { scopes?: readonly string[]; redirectUri: string }): string {
    return this.newCode({ email: email.toLowerCase(), scopes: [...(options.scopes ?? DEFAULT_GRANT_SCOPES)], redirectUri: options.redirectUri, codeChallenge: null });
  }

  /** POST /oauth/token, form-encoded; web clients authenticate with HTTP Basic, or in the form. */
  token(form: Record<string, string | undefined>, authorization: string | undefined) {
    this.authenticateClient(form, authorization);
    switch (form.grant_type) {
      case "authorization_code": {
        const code = form.code ? this.codes.get(form.code) : undefined;
        if (!code || code.expiresAt < Date.now() || code.redirectUri !== form.redirect_uri) throw oauthError(400, "invalid_grant", INVALID_GRANT);
        if (code.codeChallenge !== null) {
          const verifier = form.code_verifier ?? "";
          if (createHash("sha256").update(verifier).digest("base64url") !== code.codeChallenge) throw oauthError(400, "invalid_grant", INVALID_GRANT);
        }
        this.codes.delete(form.code!);
        return this.tokenAnswer(code.email, code.scopes);
      }
      case "refresh_token": {
        const grant = form.refresh_token ? this.refreshTokens.get(form.refresh_token) : undefined;
        if (!grant || grant.spent) throw oauthError(400, "invalid_grant", INVALID_GRANT);
        this.options.countToken(grant.email);
        grant.spent = true;
        return this.tokenAnswer(grant.email, grant.scopes, false);
      }
      case undefined:
        throw oauthError(400, "invalid_request", "The request is missing a required parameter: grant_type.");
      default:
        throw oauthError(400, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.");
    }
  }

  /** POST /oauth/revoke: an access or refresh token; an unknown one is not an error (RFC 7009). */
  revoke(form: Record<string, string | undefined>, authorization: string | undefined): void {
    this.authenticateClient(form, authorization);
    const access = form.token ? this.accessTokens.get(form.token) : undefined;
    if (access) access.revoked = true;
    const refresh = form.token ? this.refreshTokens.get(form.token) : undefined;
    if (refresh) refresh.spent = true;
  }

  /** POST /oauth/introspect */
  introspect(form: Record<string, string | undefined>, authorization: string | undefined) {
    this.authenticateClient(form, authorization);
    const access = form.token ? this.accessTokens.get(form.token) : undefined;
    if (access && !access.revoked && access.expiresAt > Date.now()) {
      const { owner, organization } = this.options.identity(access.email);
      return { active: true, scope: access.scopes.join(" "), client_id: this.options.clientId, token_type: "Bearer", exp: Math.floor(access.expiresAt / 1000), iat: Math.floor(access.createdAt / 1000), owner, organization };
    }
    const refresh = form.token ? this.refreshTokens.get(form.token) : undefined;
    if (refresh && !refresh.spent) return { active: true, scope: refresh.scopes.join(" "), client_id: this.options.clientId, token_type: "Bearer" };
    return { active: false };
  }

  /** An access token for `email` without the OAuth dance. */
  issueToken(email: string, scopes: readonly string[] = DEFAULT_GRANT_SCOPES): string {
    return this.newAccessToken(email.toLowerCase(), [...scopes]).token;
  }

  /** Access tokens (of `email`, or everyone's) are expired from now on. */
  expireTokens(email?: string): void {
    const past = Date.now() - 1000;
    for (const grant of this.accessTokens.values()) if (!email || grant.email === email.toLowerCase()) grant.expiresAt = Math.min(grant.expiresAt, past);
  }

  /** The user disconnected the app in Calendly: every token of theirs stops working. */
  revokeAll(email: string): void {
    const who = email.toLowerCase();
    for (const grant of this.accessTokens.values()) if (grant.email === who) grant.revoked = true;
    for (const grant of this.refreshTokens.values()) if (grant.email === who) grant.spent = true;
  }

  /** The grant behind an Authorization header, or Calendly's 401. */
  authenticate(authorization: string | undefined): AccessGrant {
    const grant = this.peek(authorization);
    if (!grant) throw unauthenticated();
    if (grant.revoked) throw unauthenticated("The access token is revoked");
    if (grant.expiresAt <= Date.now()) throw unauthenticated("The access token expired");
    return grant;
  }

  /** The grant a header names, valid or not (for the request log). */
  peek(authorization: string | undefined): AccessGrant | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    return match ? this.accessTokens.get(match[1]!) : undefined;
  }

  /** 403 unless the token holds `scope`, its write form, or the legacy "default". */
  assertScope(grant: AccessGrant, scope: Scope): void {
    const write = scope.replace(/:read$/, ":write");
    if (!grant.scopes.some((s) => s === scope || s === write || s === "default")) throw permissionDenied(`The access token does not have the required scope: ${scope}`);
  }

  private authenticateClient(form: Record<string, string | undefined>, authorization: string | undefined): void {
    const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? "");
    const [basicId, basicSecret] = basic ? Buffer.from(basic[1]!, "base64").toString().split(":").map(decodeURIComponent) : [];
    const clientId = form.client_id ?? basicId;
    const clientSecret = form.client_secret ?? basicSecret;
    if (clientId !== this.options.clientId || clientSecret !== this.options.clientSecret) throw oauthError(401, "invalid_client", INVALID_CLIENT);
  }

  private newCode(code: Omit<AuthCode, "expiresAt">): string {
    const value = opaque(32);
    this.codes.set(value, { ...code, expiresAt: Date.now() + CODE_TTL_MS });
    return value;
  }

  private newAccessToken(email: string, scopes: string[]): AccessGrant {
    const now = Date.now();
    // Calendly's access tokens are JWT-shaped and long (April 2021); nobody can check this one's signature.
    const token = `eyJraWQiOiJzaW0iLCJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.${randomBytes(96).toString("base64url")}.${randomBytes(64).toString("base64url")}`;
    const grant: AccessGrant = { token, email, scopes, createdAt: now, expiresAt: now + this.options.accessTokenTtlSeconds * 1000, revoked: false };
    this.accessTokens.set(token, grant);
    return grant;
  }

  private tokenAnswer(email: string, scopes: string[], count = true) {
    if (count) this.options.countToken(email);
    const access = this.newAccessToken(email, scopes);
    const refreshToken = opaque(32);
    this.refreshTokens.set(refreshToken, { email, scopes, spent: false });
    return {
      token_type: "Bearer",
      access_token: access.token,
      refresh_token: refreshToken,
      scope: scopes.join(" "),
      created_at: Math.floor(access.createdAt / 1000),
      expires_in: this.options.accessTokenTtlSeconds,
      ...this.options.identity(email),
    };
  }
}
