import { z } from "zod";
import type { CalendarOAuth, OAuthTokens, ProviderConfig } from "../types.js";
import { GoogleOAuthError } from "./errors.js";

// A staff member connects their Google calendar: consent with offline access, code exchange, refresh.
// The token endpoint is called with plain fetch (form-encoded, as RFC 6749 says) so that Google's error
// codes reach the caller as they are.

const CALENDAR_EVENTS = "https://www.googleapis.com/auth/calendar.events";
const CALENDAR_FULL = "https://www.googleapis.com/auth/calendar";
/** Write our events, read free/busy, and learn the account's address (openid email -> id_token). */
const GOOGLE_SCOPES = [CALENDAR_EVENTS, "https://www.googleapis.com/auth/calendar.freebusy", "openid", "email"] as const;
const TOKEN_TIMEOUT_MS = 10_000;

const tokenAnswer = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
  id_token: z.string().optional(),
});
type TokenAnswer = z.infer<typeof tokenAnswer>;

const idTokenClaims = z.object({ email: z.email().optional(), email_verified: z.boolean().optional() });

export function googleOAuth(config: ProviderConfig): CalendarOAuth {
  return {
    authorizeUrl({ redirectUri, state, loginHint }) {
      const url = new URL(`${config.authBaseUrl.replace(/\/+$/, "")}/o/oauth2/v2/auth`);
      url.searchParams.set("client_id", config.clientId);
      url.searchParams.set("redirect_uri", redirectUri);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("scope", GOOGLE_SCOPES.join(" "));
      // offline: a refresh token; consent: a new one even if this user consented before (Google
      // gives a refresh token only at the first consent otherwise).
      url.searchParams.set("access_type", "offline");
      url.searchParams.set("prompt", "consent");
      url.searchParams.set("state", state);
      if (loginHint) url.searchParams.set("login_hint", loginHint);
      return url.toString();
    },

    async exchange(code, redirectUri) {
      const answer = await tokenRequest(config, { grant_type: "authorization_code", code, redirect_uri: redirectUri });
      // Google's consent screen lets the user untick single permissions: without the calendar one
      // the connection is useless, so say so now rather than at the first booking.
      const granted = (answer.scope ?? "").split(" ");
      if (!granted.includes(CALENDAR_EVENTS) && !granted.includes(CALENDAR_FULL)) {
        throw new GoogleOAuthError("Google: the calendar permission was not granted; connect again and leave it ticked", null, "insufficient_scope");
      }
      const email = answer.id_token ? emailOf(answer.id_token) : null;
      if (!email) throw new GoogleOAuthError("Google: the token answer carries no verified e-mail address (openid email scopes missing)", null, "no_email");
      return { ...tokens(answer, null), email };
    },

    async refresh(refreshToken) {
      // Google keeps the refresh token and usually sends none back: keep using the one we have.
      return tokens(await tokenRequest(config, { grant_type: "refresh_token", refresh_token: refreshToken }), refreshToken);
    },
  };
}

function tokens(answer: TokenAnswer, currentRefreshToken: string | null): OAuthTokens {
  return { accessToken: answer.access_token, refreshToken: answer.refresh_token ?? currentRefreshToken, expiresAt: new Date(Date.now() + answer.expires_in * 1000) };
}

async function tokenRequest(config: ProviderConfig, form: Record<string, string>): Promise<TokenAnswer> {
  let response: Response;
  try {
    response = await fetch(config.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ ...form, client_id: config.clientId, client_secret: config.clientSecret }),
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
  } catch (error) {
    throw new GoogleOAuthError(`Google token endpoint: no answer (${(error as Error).name})`, null, "network");
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Proxies and outages answer HTML: handled below by the status.
  }
  if (!response.ok) {
    const failure = z.object({ error: z.string(), error_description: z.string().optional() }).safeParse(body);
    const code = failure.success ? failure.data.error : `http_${response.status}`;
    const description = failure.success ? (failure.data.error_description ?? "") : "no OAuth error body";
    throw new GoogleOAuthError(`Google token endpoint: ${response.status} ${code}: ${description}`, response.status, code);
  }
  const parsed = tokenAnswer.safeParse(body);
  if (!parsed.success) throw new GoogleOAuthError("Google token endpoint: an answer without access_token/expires_in", response.status, "unexpected_answer");
  return parsed.data;
}

/**
 * The account's address from the id_token's payload. The signature is not checked: the token came
 * straight from Google's token endpoint over TLS in answer to our own client-authenticated request,
 * which OpenID Connect Core (3.1.3.7) accepts in place of signature validation.
 */
function emailOf(idToken: string): string | null {
  const payload = idToken.split(".")[1];
  if (!payload) return null;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  const parsed = idTokenClaims.safeParse(claims);
  if (!parsed.success || !parsed.data.email || parsed.data.email_verified === false) return null;
  return parsed.data.email.toLowerCase();
}
