import { z } from "zod";
import type { CalendarOAuth, OAuthTokens, ProviderConfig } from "../types.js";
import { CalendlyError, readFailure } from "./errors.js";

// A staff member (or the account owner) connects their Calendly user: consent on auth.calendly.com,
// code exchange, and refreshes. Calendly's access tokens last two hours and its refresh tokens are
// single-use: every refresh hands out a new one, which the caller must store (calendars.ts does), and
// a refresh token used twice is refused as invalid_grant (the calendar must then be reconnected).

/** What the app reads and writes: the user, event types and their available times, bookings, webhooks. */
export const CALENDLY_SCOPES = ["users:read", "event_types:read", "availability:read", "scheduled_events:write", "webhooks:write"] as const;
const TOKEN_TIMEOUT_MS = 10_000;

const tokenAnswer = z.object({ access_token: z.string().min(1), refresh_token: z.string().min(1).optional(), expires_in: z.number().positive().optional() });
const me = z.object({ resource: z.object({ uri: z.string().min(1), email: z.string().min(1), current_organization: z.string().min(1) }) });

export type CalendlyUser = z.infer<typeof me>["resource"];

export function calendlyOAuth(config: ProviderConfig): CalendarOAuth {
  async function token(form: Record<string, string>): Promise<OAuthTokens> {
    const answer = tokenAnswer.safeParse(await send("token endpoint", config.tokenUrl, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" }, body: new URLSearchParams({ ...form, client_id: config.clientId, client_secret: config.clientSecret }) }));
    if (!answer.success) throw new CalendlyError("token endpoint", { status: 200, code: "unexpected_answer", message: "an answer without access_token", parameters: [] });
    return { accessToken: answer.data.access_token, refreshToken: answer.data.refresh_token ?? null, expiresAt: new Date(Date.now() + (answer.data.expires_in ?? 7200) * 1000) };
  }

  return {
    authorizeUrl({ redirectUri, state, loginHint }) {
      const url = new URL(`${config.authBaseUrl.replace(/\/+$/, "")}/oauth/authorize`);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("client_id", config.clientId);
      url.searchParams.set("redirect_uri", redirectUri);
      url.searchParams.set("scope", CALENDLY_SCOPES.join(" "));
      url.searchParams.set("state", state);
      if (loginHint) url.searchParams.set("login_hint", loginHint);
      return url.toString();
    },

    async exchange(code, redirectUri) {
      const tokens = await token({ grant_type: "authorization_code", code, redirect_uri: redirectUri });
      const user = await currentUser(config.apiBaseUrl, tokens.accessToken);
      return { ...tokens, email: user.email.toLowerCase() };
    },

    refresh: (refreshToken) => token({ grant_type: "refresh_token", refresh_token: refreshToken }),
  };
}

/** GET /users/me: the connected user's URI, e-mail and organization (a webhook subscription names both). */
export async function currentUser(apiBaseUrl: string, accessToken: string): Promise<CalendlyUser> {
  const answer = me.safeParse(await send("/users/me", `${apiBaseUrl.replace(/\/+$/, "")}/users/me`, { headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" } }));
  if (!answer.success) throw new CalendlyError("/users/me", { status: 200, code: "unexpected_answer", message: "an answer without the user's uri, e-mail or organization", parameters: [] });
  return answer.data.resource;
}

async function send(what: string, url: string, init: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS) });
  } catch (error) {
    throw new CalendlyError(what, { status: null, code: "network", message: `no answer (${(error as Error).name})`, parameters: [] });
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw new CalendlyError(what, readFailure(response.status, body));
  return body;
}
