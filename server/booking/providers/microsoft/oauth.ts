import { z } from "zod";
import type { CalendarOAuth, OAuthTokens, ProviderConfig } from "../types.js";
import { graphCall, graphClient } from "./graph.js";
import { MicrosoftCalendarError, retryAfterMs, unexpectedAnswer } from "./errors.js";

// The Microsoft identity platform (v2) for one staff member's calendar: authorisation code flow with
// offline access, refresh tokens that rotate, and the account's e-mail from the id token.

/** offline_access: a refresh token; openid + email: an id token carrying the e-mail. */
export const SCOPES = "offline_access Calendars.ReadWrite User.Read openid email";

const tokenAnswer = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.coerce.number().positive(),
  id_token: z.string().optional(),
});
const oauthFailure = z.object({ error: z.string(), error_description: z.string().optional() });
const idTokenClaims = z.object({ email: z.string().optional(), preferred_username: z.string().optional() });
const me = z.object({ mail: z.string().nullish(), userPrincipalName: z.string().nullish() });

export function microsoftOAuth(config: ProviderConfig, timeoutMs: number): CalendarOAuth {
  async function token(form: Record<string, string>) {
    let response: Response;
    try {
      response = await fetch(config.tokenUrl, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams({ client_id: config.clientId, client_secret: config.clientSecret, ...form }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new MicrosoftCalendarError(`Microsoft token endpoint unreachable: ${(error as Error).message}`, undefined, null);
    }
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      const failure = oauthFailure.safeParse(body);
      // error_description starts with the AADSTS code ("AADSTS70008: The provided ... has expired"); keep its first line.
      const description = failure.success ? (failure.data.error_description ?? "").split(/\r?\n| Trace ID:/)[0] : "";
      throw new MicrosoftCalendarError(`Microsoft token endpoint: ${response.status} ${failure.success ? failure.data.error : "unreadable answer"} ${description}`.trim(), response.status, failure.success ? failure.data.error : null, retryAfterMs(response.headers.get("retry-after")));
    }
    const parsed = tokenAnswer.safeParse(body);
    if (!parsed.success) throw new MicrosoftCalendarError("Microsoft token endpoint answered without an access token", response.status, null, null, "unexpected");
    return parsed.data;
  }

  const tokens = (answer: z.infer<typeof tokenAnswer>): OAuthTokens => ({
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token ?? null,
    expiresAt: new Date(Date.now() + answer.expires_in * 1000),
  });

  async function accountEmail(answer: z.infer<typeof tokenAnswer>): Promise<string> {
    const fromToken = answer.id_token ? emailFromIdToken(answer.id_token) : null;
    if (fromToken) return fromToken;
    const client = await graphClient(config, { accessToken: async () => answer.access_token }, timeoutMs);
    const profile = me.parse(await graphCall("GET /me", () => client.api("/me").select(["mail", "userPrincipalName"]).get()));
    const email = profile.mail ?? profile.userPrincipalName;
    if (!email) throw unexpectedAnswer("the Microsoft account has neither a mail address nor a user principal name");
    return email;
  }

  return {
    authorizeUrl({ redirectUri, state, loginHint }) {
      const url = new URL(`${config.authBaseUrl.replace(/\/$/, "")}/oauth2/v2.0/authorize`);
      url.search = new URLSearchParams({
        client_id: config.clientId,
        response_type: "code",
        redirect_uri: redirectUri,
        response_mode: "query",
        scope: SCOPES,
        state,
        ...(loginHint ? { login_hint: loginHint } : {}),
      }).toString();
      return url.toString();
    },

    async exchange(code, redirectUri) {
      const answer = await token({ grant_type: "authorization_code", code, redirect_uri: redirectUri, scope: SCOPES });
      return { ...tokens(answer), email: await accountEmail(answer) };
    },

    async refresh(refreshToken) {
      const answer = await token({ grant_type: "refresh_token", refresh_token: refreshToken, scope: SCOPES });
      // Microsoft rotates refresh tokens; should an answer lack one, the old one is still good.
      return { ...tokens(answer), refreshToken: answer.refresh_token ?? refreshToken };
    },
  };
}

/**
 * The e-mail claim of an id token, read without checking the signature: the token came straight from
 * the token endpoint over TLS in answer to our own request, so there is no one in between to forge it.
 * `email` needs the email scope; `preferred_username` (usually the sign-in address) the profile scope.
 */
function emailFromIdToken(idToken: string): string | null {
  const payload = idToken.split(".")[1];
  if (!payload) return null;
  try {
    const claims = idTokenClaims.safeParse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
    if (!claims.success) return null;
    const email = claims.data.email ?? claims.data.preferred_username;
    return email && email.includes("@") ? email : null;
  } catch {
    return null;
  }
}
