import type { NextFunction, Request, Response } from "express";
import type { Db } from "../db/client.js";
import type { HubSpotClient } from "../hubspot/client.js";
import { logger } from "../config/logger.js";
import { PermanentSyncError, TransientSyncError } from "../hubspot/errors.js";
import { USERS_SCOPE } from "../hubspot/scopes.js";
import { findPortalUser } from "../hubspot/users.js";
import { recordAudit, type AuditChange } from "../audit/audit.js";
import type { ApiError, GuardRefusalCode } from "../../hubspot-app/app/shared/api.js";

// Who may change a portal's settings: its super admins, as HubSpot's user provisioning API says. Every
// signed request proves its portal and user (hubspot.fetch appends both before signing), so reads stay
// open to every user of the portal and writes ask HubSpot whether that user is a super admin. Whatever
// goes wrong while asking (HubSpot down, scope missing, unknown user) refuses the write.

const log = logger("ui.super-admin");

/** What verifyHubSpotRequest reads from the signed URL. */
export interface SignedLocals {
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

/** What a write route finds in res.locals once the guard let it through. */
export interface AdminLocals extends SignedLocals {
  actor: Actor;
  /** Logs the change in the portal's audit log as the actor's; call it once the change succeeded. */
  audit(change: AuditChange): Promise<void>;
}

export type GuardRefusal = { status: 403 | 409 | 503; body: ApiError & { code: GuardRefusalCode } };

/** HubSpot's answer about one user of one portal (email null when the portal has no such user). */
export interface UserAnswer {
  superAdmin: boolean;
  email: string | null;
}
type CachedAnswer = UserAnswer & { expiresAt: number };

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
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
  reconnectUrl: string;
}

export const NOT_SUPER_ADMIN: GuardRefusal = { status: 403, body: { error: "Only a super admin can change this.", code: "not_super_admin" } };

/**
 * Whether the signed user may change the portal's settings: the actor when they may, else the answer
 * to send. Throws what the UI error handler already maps (a portal that must re-authorise, a bug).
 */
export async function checkSuperAdmin(deps: SuperAdminDeps, signed: SignedLocals): Promise<{ actor: Actor } | { refusal: GuardRefusal }> {
  const { portalId, userId } = signed;
  if (!userId) return { refusal: NOT_SUPER_ADMIN };
  const portal = await deps.db.portal.findUnique({ where: { id: portalId }, select: { status: true, scopes: true } });
  if (!portal || portal.status === "uninstalled") {
    return { refusal: { status: 409, body: { error: "The app is not installed in this portal: install it again to change its settings.", code: "not_installed", needsReconnect: true, reconnectUrl: deps.reconnectUrl } } };
  }
  const reconnect: GuardRefusal = {
    status: 403,
    body: {
      error: `Nothing was changed: a super admin must reconnect the app first (${deps.reconnectUrl}), so that it may check who is a super admin (HubSpot's settings.users.read permission).`,
      code: "reconnect_for_scope",
      needsReconnect: true,
      reconnectUrl: deps.reconnectUrl,
    },
  };
  // Never allow on a grant we know lacks the scope; HubSpot would refuse the lookup anyway.
  if (!portal.scopes.includes(USERS_SCOPE)) return { refusal: reconnect };

  let answer = deps.cache.get(portalId, userId);
  if (!answer) {
    try {
      const user = await findPortalUser(await deps.client(portalId), userId);
      answer = { superAdmin: user?.superAdmin === true, email: user?.email ?? null };
    } catch (error) {
      if (error instanceof PermanentSyncError && error.failure?.kind === "missing_scope") return { refusal: reconnect };
      if (error instanceof TransientSyncError) {
        log.warn({ portalId, userId, err: error.message }, "super admin check failed: HubSpot did not answer");
        return { refusal: { status: 503, body: { error: "HubSpot did not answer when we checked that you are a super admin, so nothing was changed. Try again in a minute.", code: "admin_check_unavailable" } } };
      }
      throw error;
    }
    deps.cache.set(portalId, userId, answer);
  }
  if (!answer.superAdmin) {
    log.info({ portalId, userId }, "settings change refused: not a super admin");
    return { refusal: NOT_SUPER_ADMIN };
  }
  return { actor: { userId, email: answer.email ?? signed.userEmail ?? "" } };
}

/**
 * Express guard for every write under the UI prefix (any method but GET/HEAD/OPTIONS), so a new
 * write route is guarded without being listed anywhere. Leaves the allowed actor, and the audit log
 * writer in their name, in res.locals (AdminLocals).
 */
export function requireSuperAdmin(deps: SuperAdminDeps) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (READ_METHODS.has(req.method)) return next();
    const locals = res.locals as SignedLocals & Partial<AdminLocals>;
    let check;
    try {
      check = await checkSuperAdmin(deps, locals);
    } catch (error) {
      return next(error);
    }
    if ("refusal" in check) return void res.status(check.refusal.status).json(check.refusal.body);
    const actor = check.actor;
    locals.actor = actor;
    locals.audit = (change) => recordAudit(deps.db, locals.portalId, { source: "settings_page", ...actor }, change);
    next();
  };
}
