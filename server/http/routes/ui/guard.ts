import type { NextFunction, Request, Response } from "express";
import { recordAudit } from "../../../audit/audit.js";
import { checkSuperAdmin, type SuperAdminDeps } from "../../../hubspot/super-admin.js";
import type { ApiError, GuardRefusalCode } from "../../../../hubspot-app/app/shared/api.js";
import type { AdminLocals, SignedLocals } from "./signed.js";

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface GuardDeps extends SuperAdminDeps {
  /** The install link a refusal offers when the app must be (re)connected. */
  reconnectUrl: string;
  /**
   * Writes that are not settings, which every user of the portal may make (paths under the UI
   * prefix): a rep moving a call to the right contact from the card does what HubSpot lets them do
   * on the record anyway. Everything else stays super admins' only.
   */
  openWrites?: readonly RegExp[];
}

/** The answer to each refusal of checkSuperAdmin (docs/ui.md, "Who may change settings"). */
export function refusalFor(code: GuardRefusalCode, reconnectUrl: string): { status: 403 | 409 | 503; body: ApiError & { code: GuardRefusalCode } } {
  switch (code) {
    case "not_super_admin":
      return { status: 403, body: { error: "Only a super admin can change this.", code } };
    case "not_installed":
      return { status: 409, body: { error: "The app is not installed in this portal: install it again to change its settings.", code, needsReconnect: true, reconnectUrl } };
    case "reconnect_for_scope":
      return {
        status: 403,
        body: {
          error: `Nothing was changed: a super admin must reconnect the app first (${reconnectUrl}), so that it may check who is a super admin (HubSpot's settings.users.read permission).`,
          code,
          needsReconnect: true,
          reconnectUrl,
        },
      };
    case "admin_check_unavailable":
      return { status: 503, body: { error: "HubSpot did not answer when we checked that you are a super admin, so nothing was changed. Try again in a minute.", code } };
    default: {
      const unreachable: never = code;
      throw new Error(`unhandled refusal ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * Express guard for every write under the UI prefix (any method but GET/HEAD/OPTIONS, but the
 * `openWrites` listed), so a new write route is guarded without being listed anywhere. Leaves the allowed actor, and the audit log
 * writer in their name, in res.locals (AdminLocals).
 */
export function requireSuperAdmin(deps: GuardDeps) {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (READ_METHODS.has(req.method)) return next();
    if (deps.openWrites?.some((path) => path.test(req.path))) return next();
    const locals = res.locals as SignedLocals & Partial<AdminLocals>;
    let check;
    try {
      check = await checkSuperAdmin(deps, locals);
    } catch (error) {
      return next(error);
    }
    if (check.kind === "refused") {
      const refusal = refusalFor(check.code, deps.reconnectUrl);
      return void res.status(refusal.status).json(refusal.body);
    }
    const actor = check.actor;
    locals.actor = actor;
    locals.audit = (change) => recordAudit(deps.db, locals.portalId, { source: "settings_page", ...actor }, change);
    next();
  };
}
