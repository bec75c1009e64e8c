import { z } from "zod";
import type { CalendarOAuth, ProviderConfig } from "../types.js";
import { AcuityError } from "./errors.js";

// A staff member connects their Acuity account: consent (scope api-v1), code exchange. Acuity's
// access tokens do not expire and there is no refresh token: a token stops working only when the
// user disconnects the app, which shows as a 401 (the calendar must be reconnected).

const SCOPE = "api-v1";
const TOKEN_TIMEOUT_MS = 10_000;
/** Acuity tokens do not expire: stored with a date that is never near. */
const NEVER = new Date("9999-12-31T00:00:00Z");

const tokenAnswer = z.object({ access_token: z.string().min(1) });
const me = z.object({ email: z.string().min(1) });

export function acuityOAuth(config: ProviderConfig): CalendarOAuth {
  return {
    authorizeUrl({ redirectUri, state }) {
      const url = new URL(`${config.authBaseUrl.replace(/\/+$/, "")}/oauth2/authorize`);
      url.searchParams.set("response_type", "code");
      url.searchParams.set("scope", SCOPE);
      url.searchParams.set("client_id", config.clientId);
      url.searchParams.set("redirect_uri", redirectUri);
      url.searchParams.set("state", state);
      return url.toString();
    },

    async exchange(code, redirectUri) {
      const form = { grant_type: "authorization_code", code, redirect_uri: redirectUri, client_id: config.clientId, client_secret: config.clientSecret };
      const token = tokenAnswer.safeParse(await post(config.tokenUrl, form));
      if (!token.success) throw new AcuityError("Acuity token endpoint: an answer without access_token", 200, "unexpected_answer");
      const account = me.safeParse(await getJson(`${config.apiBaseUrl.replace(/\/+$/, "")}/me`, token.data.access_token));
      if (!account.success) throw new AcuityError("Acuity /me: an answer without the account's e-mail", 200, "unexpected_answer");
      return { accessToken: token.data.access_token, refreshToken: null, expiresAt: NEVER, email: account.data.email.toLowerCase() };
    },

    async refresh() {
      throw new AcuityError("Acuity tokens cannot be refreshed: reconnect the calendar", 401, "no_refresh");
    },
  };
}

async function post(url: string, form: Record<string, string>): Promise<unknown> {
  return send("token endpoint", url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" }, body: new URLSearchParams(form) });
}

async function getJson(url: string, token: string): Promise<unknown> {
  return send("/me", url, { headers: { authorization: `Bearer ${token}`, accept: "application/json" } });
}

async function send(what: string, url: string, init: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS) });
  } catch (error) {
    throw new AcuityError(`Acuity ${what}: no answer (${(error as Error).name})`, null, "network");
  }
  const body = (await response.json().catch(() => null)) as { error?: unknown; error_description?: unknown; message?: unknown } | null;
  if (!response.ok) {
    const code = typeof body?.error === "string" ? body.error : `http_${response.status}`;
    const description = String(body?.error_description ?? body?.message ?? "");
    throw new AcuityError(`Acuity ${what}: ${response.status} ${code}: ${description}`, response.status, code);
  }
  return body;
}
