import { randomBytes } from "node:crypto";
import { oauthError, unauthorized } from "./errors.js";

// The two ways in (developers.acuityscheduling.com/docs/quick-start and /docs/oauth2): HTTP Basic with
// the numeric user id and the API key, or OAuth2 for apps that many Acuity users connect. The consent
// screen is reduced to a redirect carrying `code` and `state`; codes are single-use and bound to the
// redirect URI; `scope` must be `api-v1`. Acuity's access tokens do not expire and there is no refresh
// token, but the user can revoke the app, after which the token is a plain 401 like a bad API key.

export const SCOPE = "api-v1";

export interface SimAccount {
  id: number;
  apiKey: string;
  email: string;
  name: string;
  timezone: string;
}

interface AuthCode {
  userId: number;
  redirectUri: string;
  expiresAt: number;
}

interface Consent {
  userId?: number;
  deny?: boolean;
}

const CODE_TTL_MS = 10 * 60_000;
const opaque = (bytes: number) => randomBytes(bytes).toString("hex");

export class AcuityAuth {
  private readonly accounts = new Map<number, SimAccount>();
  private readonly codes = new Map<string, AuthCode>();
  private readonly tokens = new Map<string, { userId: number; revoked: boolean }>();
  private readonly consents: Consent[] = [];

  constructor(
    readonly clientId: string,
    readonly clientSecret: string,
    /** Redirect URIs registered for the client; empty: any https or loopback URI. */
    private readonly redirectUris: readonly string[],
  ) {}

  addAccount(account: SimAccount): SimAccount {
    this.accounts.set(account.id, account);
    return account;
  }

  account(userId: number): SimAccount {
    const account = this.accounts.get(userId);
    if (!account) throw new Error(`acuity sim: no account ${userId}`);
    return account;
  }

  get defaultAccount(): SimAccount {
    return this.accounts.values().next().value!;
  }

  /** What the next consent screen does: sign in as `userId` (default: the first account) or deny. */
  queueConsent(consent: Consent): void {
    this.consents.push(consent);
  }

  /** GET /oauth2/authorize: Acuity checks client_id, redirect_uri and scope, then the user consents. */
  authorize(query: Record<string, string | undefined>): string {
    if (query.client_id !== this.clientId) throw oauthError(400, "invalid_client", "Unknown client_id.");
    const redirectUri = query.redirect_uri ?? "";
    // A redirect URI that is not the client's is never redirected to: the error stays on Acuity's page.
    if (!this.redirectAllowed(redirectUri)) throw oauthError(400, "invalid_request", "The redirect_uri does not match the client's registered redirect URI.");
    const back = new URL(redirectUri);
    if (query.state !== undefined) back.searchParams.set("state", query.state);
    const fail = (error: string, description: string) => {
      back.searchParams.set("error", error);
      back.searchParams.set("error_description", description);
      return back.toString();
    };
    if (query.response_type !== "code") return fail("unsupported_response_type", "response_type must be code.");
    if (query.scope !== SCOPE) return fail("invalid_scope", `The scope must be ${SCOPE}.`);
    const consent = this.consents.shift() ?? {};
    if (consent.deny) return fail("access_denied", "The user denied access.");
    back.searchParams.set("code", this.grant(consent.userId ?? this.defaultAccount.id, redirectUri));
    return back.toString();
  }

  /** The code the consent screen would send to `redirectUri` for `userId`. */
  grant(userId: number, redirectUri: string): string {
    this.account(userId);
    const code = opaque(20);
    this.codes.set(code, { userId, redirectUri, expiresAt: Date.now() + CODE_TTL_MS });
    return code;
  }

  /** POST /oauth2/token, form-encoded, authorization_code only (Acuity has no refresh grant). */
  token(form: Record<string, string | undefined>): { access_token: string; token_type: "Bearer" } {
    if (form.client_id !== this.clientId || form.client_secret !== this.clientSecret) throw oauthError(401, "invalid_client", "Client authentication failed.");
    if (form.grant_type !== "authorization_code") throw oauthError(400, "unsupported_grant_type", `Unsupported grant_type "${form.grant_type ?? ""}".`);
    const code = form.code ? this.codes.get(form.code) : undefined;
    if (!code || code.expiresAt < Date.now()) throw oauthError(400, "invalid_grant", "The authorization code is invalid or has expired.");
    if (form.redirect_uri !== code.redirectUri) throw oauthError(400, "invalid_grant", "The redirect_uri does not match the one the code was issued to.");
    this.codes.delete(form.code!);
    return { access_token: this.issueToken(code.userId), token_type: "Bearer" };
  }

  issueToken(userId: number): string {
    this.account(userId);
    const token = opaque(32);
    this.tokens.set(token, { userId, revoked: false });
    return token;
  }

  /** The user disconnected the app (one token, or every token of `userId`). */
  revoke(target: { token?: string; userId?: number }): void {
    for (const [token, grant] of this.tokens) if (token === target.token || grant.userId === target.userId) grant.revoked = true;
  }

  /** The account behind an Authorization header, or Acuity's 401. */
  authenticate(authorization: string | undefined): SimAccount {
    const account = this.peek(authorization);
    if (!account) throw unauthorized();
    return account;
  }

  /** The account a header names, if it is valid (for the request log and the rate limiter). */
  peek(authorization: string | undefined): SimAccount | undefined {
    const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? "");
    if (basic) {
      const decoded = Buffer.from(basic[1]!, "base64").toString();
      const colon = decoded.indexOf(":");
      const account = this.accounts.get(Number(decoded.slice(0, colon)));
      return account && colon > 0 && decoded.slice(colon + 1) === account.apiKey ? account : undefined;
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? "");
    const grant = bearer ? this.tokens.get(bearer[1]!) : undefined;
    return grant && !grant.revoked ? this.accounts.get(grant.userId) : undefined;
  }

  private redirectAllowed(uri: string): boolean {
    if (this.redirectUris.length) return this.redirectUris.includes(uri);
    try {
      const url = new URL(uri);
      return url.protocol === "https:" || (url.protocol === "http:" && ["127.0.0.1", "localhost"].includes(url.hostname));
    } catch {
      return false;
    }
  }
}
