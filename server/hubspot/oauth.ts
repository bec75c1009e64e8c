import { createHmac, hkdfSync } from "node:crypto";
import type { Env } from "../config/env.js";
import { randomToken, safeEqual } from "../config/crypto.js";
import { logger } from "../config/logger.js";
import { OPTIONAL_SCOPES, REQUIRED_SCOPES } from "./scopes.js";
import { classifyHubSpotError } from "./errors.js";
import { provisionAppProperties } from "./properties.js";
import { loadMapping } from "../mapping/store.js";
import type { Db } from "../db/client.js";
import type { PortalTokens } from "./tokens.js";
import type { HubSpotClientFactory } from "./client.js";

const log = logger("oauth");
export const STATE_TTL_MS = 15 * 60_000;

export const redirectUri = (publicBaseUrl: string) => new URL("/oauth/callback", publicBaseUrl).toString();

// The OAuth state is signed and expiring ("<nonce>.<expires ms>.<mac>"), so /oauth/install, which
// anyone can open, writes nothing. A callback uses its state up by inserting the nonce (a replay finds
// it there); those rows exist only for real callbacks and are purged after the state's lifetime.
const stateKey = (encryptionKey: string) => Buffer.from(hkdfSync("sha256", Buffer.from(encryptionKey, "base64"), Buffer.alloc(0), Buffer.from("oauth-state"), 32));
const stateMac = (encryptionKey: string, body: string) => createHmac("sha256", stateKey(encryptionKey)).update(body).digest("base64url");

export function signState(encryptionKey: string, now = Date.now()): string {
  const body = `${randomToken(18)}.${now + STATE_TTL_MS}`;
  return `${body}.${stateMac(encryptionKey, body)}`;
}

/** The nonce of a state we signed that has not expired, or null. */
export function verifiedStateNonce(encryptionKey: string, state: string, now = Date.now()): string | null {
  const [nonce, expires, mac] = state.split(".");
  if (!nonce || !expires || !mac || !/^\d+$/.test(expires) || Number(expires) < now) return null;
  return safeEqual(stateMac(encryptionKey, `${nonce}.${expires}`), mac) ? nonce : null;
}

/** The HubSpot authorize URL with a fresh signed, single-use state. */
export function installUrl(env: Pick<Env, "HUBSPOT_AUTH_BASE_URL" | "HUBSPOT_CLIENT_ID" | "PUBLIC_BASE_URL" | "ENCRYPTION_KEY">): string {
  const url = new URL("/oauth/authorize", env.HUBSPOT_AUTH_BASE_URL);
  url.searchParams.set("client_id", env.HUBSPOT_CLIENT_ID);
  url.searchParams.set("redirect_uri", redirectUri(env.PUBLIC_BASE_URL));
  url.searchParams.set("scope", REQUIRED_SCOPES.join(" "));
  url.searchParams.set("optional_scope", OPTIONAL_SCOPES.join(" "));
  url.searchParams.set("state", signState(env.ENCRYPTION_KEY));
  return url.toString();
}

/** Work that waited for the portal's re-authorisation and was queued again by the callback. */
export interface Resumed {
  calls: number;
  meetings: number;
}

export type CallbackResult = { ok: true; portalId: string; resumed: Resumed } | { ok: false; status: number; reason: string };

/** What the OAuth callback needs (server/http/routes/oauth.ts builds it from the runtime). */
export interface InstallDeps {
  db: Db;
  tokens: PortalTokens;
  /** The OAuth API, called without a portal's token (the code exchange). */
  clients: Pick<HubSpotClientFactory, "anonymous">;
  env: Pick<Env, "ENCRYPTION_KEY" | "PUBLIC_BASE_URL" | "HUBSPOT_CLIENT_ID" | "HUBSPOT_CLIENT_SECRET">;
  /** Queues the portal's work that waited for a re-authorisation (the workers own what "waiting" means). */
  resumeWaiting(portalId: string): Promise<Resumed>;
}

/**
 * The OAuth callback: the state is used up atomically (a replayed or forged state fails), the code is
 * exchanged, the portal id read from the token, tokens stored encrypted, the app's properties
 * provisioned, and the calls and Meetings that waited for a re-authorisation are queued again.
 */
export async function completeInstall(deps: InstallDeps, code: string | undefined, state: string | undefined): Promise<CallbackResult> {
  if (!code || !state) return { ok: false, status: 400, reason: "The install link is incomplete (code or state missing). Start the install again." };
  const nonce = verifiedStateNonce(deps.env.ENCRYPTION_KEY, state);
  const used = nonce ? await deps.db.oAuthState.createMany({ data: [{ state: nonce, usedAt: new Date() }], skipDuplicates: true }) : { count: 0 };
  if (used.count !== 1) return { ok: false, status: 400, reason: "This install link has expired or was already used. Start the install again." };

  const oauth = deps.clients.anonymous().oauth;
  let tokens;
  let info;
  try {
    tokens = await oauth.tokensApi.create("authorization_code", code, redirectUri(deps.env.PUBLIC_BASE_URL), deps.env.HUBSPOT_CLIENT_ID, deps.env.HUBSPOT_CLIENT_SECRET);
    info = await oauth.accessTokensApi.get(tokens.accessToken);
  } catch (error) {
    const failure = classifyHubSpotError(error);
    log.warn({ status: failure.status }, "authorization code exchange failed");
    return { ok: false, status: 502, reason: `HubSpot refused the authorisation (${failure.message}). Start the install again.` };
  }
  const portalId = String(info.hubId);
  await deps.tokens.save(portalId, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresInSeconds: tokens.expiresIn }, info.scopes ?? []);
  await loadMapping(deps.db, portalId);
  try {
    await provisionAppProperties(deps.db, deps.tokens.clientFor(portalId, tokens.accessToken), portalId);
  } catch (error) {
    // Not fatal: the first sync provisions whatever is still missing.
    log.warn({ portalId, err: (error as Error).message }, "property provisioning deferred to the first sync");
  }
  const resumed = await deps.resumeWaiting(portalId);
  log.info({ portalId, ...resumed }, "portal installed");
  return { ok: true, portalId, resumed };
}
