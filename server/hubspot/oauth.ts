import type { Queue } from "bullmq";
import type { Runtime } from "../runtime.js";
import { createHmac, hkdfSync } from "node:crypto";
import type { Env } from "../config/env.js";
import { randomToken, safeEqual } from "../config/crypto.js";
import { logger } from "../config/logger.js";
import { REQUIRED_SCOPES } from "./scopes.js";
import { classifyHubSpotError } from "./errors.js";
import { provisionAppProperties } from "./properties.js";
import { loadMapping } from "../mapping/store.js";
import { syncJob, type SyncJobData } from "../queue/queues.js";
import { requeueUnlessLive } from "../queue/outbox.js";

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
  url.searchParams.set("state", signState(env.ENCRYPTION_KEY));
  return url.toString();
}

export type CallbackResult = { ok: true; portalId: string; resumed: number } | { ok: false; status: number; reason: string };

/**
 * The OAuth callback: the state is used up atomically (a replayed or forged state fails), the code is
 * exchanged, the portal id read from the token, tokens stored encrypted, the app's properties
 * provisioned, and calls that waited for a re-authorisation are queued again.
 */
export async function completeInstall(rt: Runtime, code: string | undefined, state: string | undefined): Promise<CallbackResult> {
  if (!code || !state) return { ok: false, status: 400, reason: "The install link is incomplete (code or state missing). Start the install again." };
  const nonce = verifiedStateNonce(rt.env.ENCRYPTION_KEY, state);
  const used = nonce ? await rt.db.oAuthState.createMany({ data: [{ state: nonce, usedAt: new Date() }], skipDuplicates: true }) : { count: 0 };
  if (used.count !== 1) return { ok: false, status: 400, reason: "This install link has expired or was already used. Start the install again." };

  const oauth = rt.clients.anonymous().oauth;
  let tokens;
  let info;
  try {
    tokens = await oauth.tokensApi.create("authorization_code", code, redirectUri(rt.env.PUBLIC_BASE_URL), rt.env.HUBSPOT_CLIENT_ID, rt.env.HUBSPOT_CLIENT_SECRET);
    info = await oauth.accessTokensApi.get(tokens.accessToken);
  } catch (error) {
    const failure = classifyHubSpotError(error);
    log.warn({ status: failure.status }, "authorization code exchange failed");
    return { ok: false, status: 502, reason: `HubSpot refused the authorisation (${failure.message}). Start the install again.` };
  }
  const portalId = String(info.hubId);
  await rt.tokens.save(portalId, { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresInSeconds: tokens.expiresIn }, info.scopes ?? []);
  await loadMapping(rt.db, portalId);
  try {
    await provisionAppProperties(rt.db, rt.tokens.clientFor(portalId, tokens.accessToken), portalId);
  } catch (error) {
    // Not fatal: the first sync provisions whatever is still missing.
    log.warn({ portalId, err: (error as Error).message }, "property provisioning deferred to the first sync");
  }
  const resumed = await resumeWaitingCalls(rt.db, rt.queue, portalId, rt.env.SYNC_MAX_ATTEMPTS);
  log.info({ portalId, resumed }, "portal installed");
  return { ok: true, portalId, resumed };
}

async function resumeWaitingCalls(db: Runtime["db"], queue: Queue<SyncJobData>, portalId: string, attempts: number): Promise<number> {
  const waiting = await db.call.findMany({ where: { portalId, status: "waiting_auth" }, select: { id: true, version: true } });
  for (const call of waiting) {
    await db.call.update({ where: { id: call.id }, data: { status: "pending" } });
    // The job id stays the one derived from the row (its finished job is replaced), so erasing the
    // call finds it. With Redis down now, the outbox sweep queues the pending row.
    await requeueUnlessLive(queue, syncJob(call, attempts)).catch(() => undefined);
  }
  return waiting.length;
}
