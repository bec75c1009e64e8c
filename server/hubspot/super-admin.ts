import type { Db } from "../db/client.js";
import type { HubSpotClient } from "./client.js";
import { logger } from "../config/logger.js";
import { PermanentSyncError, TransientSyncError } from "./errors.js";
import { USERS_SCOPE } from "./scopes.js";
import { findPortalUser } from "./users.js";
import type { GuardRefusalCode } from "../../hubspot-app/app/shared/api.js";

// Who may change a portal's settings: its super admins, as HubSpot's user provisioning API says. Every
// signed request proves its portal and user (hubspot.fetch appends both before signing), so reads stay
// open to every user of the portal and writes ask HubSpot whether that user is a super admin. Whatever
// goes wrong while asking (HubSpot down, scope missing, unknown user) refuses the write. The HTTP
// guard in front of the settings page's writes is server/http/routes/ui/guard.ts.

const log = logger("hubspot.super-admin");

/** The portal and user a signed hubspot.fetch request comes from (its signed URL says so). */
export interface SignedUser {
  portalId: string;
  /** HubSpot's user id of the person using the card or page; null if the signed URL has none. */
  userId: string | null;
  userEmail: string | null;
}

/** The super admin a write was allowed for. */
export interface Actor {
  userId: string;
  email: string;
}

/** Whether the user may change the portal's settings; when not, why (GuardRefusalCode). */
export type SuperAdminCheck = { kind: "allowed"; actor: Actor } | { kind: "refused"; code: GuardRefusalCode };

/** HubSpot's answer about one user of one portal (email null when the portal has no such user). */
export interface UserAnswer {
  superAdmin: boolean;
  email: string | null;
}
type CachedAnswer = UserAnswer & { expiresAt: number };

const ANSWER_TTL_MS = 5 * 60_000;
/** Shorter, so a user just made super admin waits a minute at most. */
const REFUSAL_TTL_MS = 60_000;
const MAX_ANSWERS = 10_000;

/**
 * HubSpot's answer per (portal, user) for a few minutes, in this process: a settings page saving
 * several things asks HubSpot once, and a user clicking Save again and again does not spend the
 * portal's rate limit. The price: a super admin demoted in HubSpot keeps the right to change
 * settings here until their answer expires (5 minutes). The oldest answers go first past MAX_ANSWERS.
 */
export class SuperAdminCache {
  private readonly answers = new Map<string, CachedAnswer>();

  constructor(private readonly options: { ttlMs?: number; refusalTtlMs?: number; maxAnswers?: number; now?: () => number } = {}) {}

  get(portalId: string, userId: string): UserAnswer | undefined {
    const key = `${portalId}:${userId}`;
    const answer = this.answers.get(key);
    if (!answer) return undefined;
    if (answer.expiresAt <= this.now()) {
      this.answers.delete(key);
      return undefined;
    }
    return { superAdmin: answer.superAdmin, email: answer.email };
  }

  set(portalId: string, userId: string, answer: UserAnswer): void {
    const key = `${portalId}:${userId}`;
    const ttl = answer.superAdmin ? (this.options.ttlMs ?? ANSWER_TTL_MS) : (this.options.refusalTtlMs ?? REFUSAL_TTL_MS);
    this.answers.delete(key);
    this.answers.set(key, { ...answer, expiresAt: this.now() + ttl });
    const max = this.options.maxAnswers ?? MAX_ANSWERS;
    for (const oldest of this.answers.keys()) {
      if (this.answers.size <= max) break;
      this.answers.delete(oldest);
    }
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}

export interface SuperAdminDeps {
  db: Db;
  /** A HubSpot client for the portal (token refreshed as needed), through the shared rate limit. */
  client(portalId: string): Promise<HubSpotClient>;
  cache: SuperAdminCache;
}

const refused = (code: GuardRefusalCode): SuperAdminCheck => ({ kind: "refused", code });

/**
 * Whether the signed user may change the portal's settings. Throws what the UI error handler already
 * maps (a portal that must re-authorise, a bug).
 */
export async function checkSuperAdmin(deps: SuperAdminDeps, signed: SignedUser): Promise<SuperAdminCheck> {
  const { portalId, userId } = signed;
  if (!userId) return refused("not_super_admin");
  const portal = await deps.db.portal.findUnique({ where: { id: portalId }, select: { status: true, scopes: true } });
  if (!portal || portal.status === "uninstalled") return refused("not_installed");
  // Never allow on a grant we know lacks the scope; HubSpot would refuse the lookup anyway.
  if (!portal.scopes.includes(USERS_SCOPE)) return refused("reconnect_for_scope");

  let answer = deps.cache.get(portalId, userId);
  if (!answer) {
    try {
      const user = await findPortalUser(await deps.client(portalId), userId);
      answer = { superAdmin: user?.superAdmin === true, email: user?.email ?? null };
    } catch (error) {
      if (error instanceof PermanentSyncError && error.failure?.kind === "missing_scope") return refused("reconnect_for_scope");
      if (error instanceof TransientSyncError) {
        log.warn({ portalId, userId, err: error.message }, "super admin check failed: HubSpot did not answer");
        return refused("admin_check_unavailable");
      }
      throw error;
    }
    deps.cache.set(portalId, userId, answer);
  }
  if (!answer.superAdmin) {
    log.info({ portalId, userId }, "settings change refused: not a super admin");
    return refused("not_super_admin");
  }
  return { kind: "allowed", actor: { userId, email: answer.email ?? signed.userEmail ?? "" } };
}
