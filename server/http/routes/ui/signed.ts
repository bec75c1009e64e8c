import type { NextFunction, Request, Response } from "express";
import { verifyHubSpotRequest } from "../../../hubspot/signature.js";
import type { Actor, SignedUser } from "../../../hubspot/super-admin.js";
import type { AuditChange } from "../../../audit/audit.js";
import { flatHeaders } from "../../headers.js";
import type { ApiError } from "../../../../hubspot-app/app/shared/api.js";

/** What signedRequest leaves in res.locals: the portal and user of the signed URL. */
export type SignedLocals = SignedUser;

/** What a write route finds in res.locals once the super-admin guard let it through. */
export interface AdminLocals extends SignedLocals {
  actor: Actor;
  /** Logs the change in the portal's audit log as the actor's; call it once the change succeeded. */
  audit(change: AuditChange): Promise<void>;
}

/** The portal the request is signed for. */
export const portalOf = (res: Response) => (res.locals as SignedLocals).portalId;
/** Logs a settings change as the super admin the guard let through (write routes only). */
export const audit = (res: Response, change: AuditChange) => (res.locals as AdminLocals).audit(change);

/**
 * Every request from the card and the settings page arrives through hubspot.fetch, signed by HubSpot
 * with the app's client secret. The portal is read from the signed URL's `portalId`, so a request
 * can only ever read or change the data of the portal HubSpot says it comes from; the user from its
 * `userId` and `userEmail` (which of them may change settings is the guard's question, guard.ts).
 * Expects the raw body (express.raw): the signature covers its bytes.
 */
export function signedRequest(options: { secret: string; publicBaseUrl: string }) {
  return (req: Request, res: Response, next: NextFunction) => {
    const rawBody = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "";
    const check = verifyHubSpotRequest({
      secret: options.secret,
      publicBaseUrl: options.publicBaseUrl,
      request: { method: req.method, originalUrl: req.originalUrl, rawBody, headers: flatHeaders(req.headers) },
      now: Date.now(),
    });
    if (!check.ok) {
      res.status(401).json({ error: `request not signed by HubSpot: ${check.reason}` } satisfies ApiError);
      return;
    }
    const portalId = typeof req.query.portalId === "string" && /^\d+$/.test(req.query.portalId) ? req.query.portalId : null;
    if (!portalId) {
      res.status(400).json({ error: "portalId missing from the signed URL" } satisfies ApiError);
      return;
    }
    const userId = typeof req.query.userId === "string" && /^\d+$/.test(req.query.userId) ? req.query.userId : null;
    const userEmail = typeof req.query.userEmail === "string" && req.query.userEmail ? req.query.userEmail : null;
    Object.assign(res.locals as SignedLocals, { portalId, userId, userEmail } satisfies SignedLocals);
    try {
      req.body = rawBody ? JSON.parse(rawBody) : {};
    } catch {
      res.status(400).json({ error: "body is not JSON" } satisfies ApiError);
      return;
    }
    next();
  };
}
