import { decrypt, sealedFor } from "../config/crypto.js";
import { logger } from "../config/logger.js";
import { FAILED_JOB_AGE_S, forgetJobs, meetingJobIdsOf, syncJobIdsOf } from "../queue/queues.js";
import type { ForgetDeps } from "./forget.js";
import { vendorUndoTasks } from "../vendor-setup/uninstall.js";

const log = logger("privacy");

/** What an uninstall reaches beyond a privacy deletion's database and queues. */
export interface UninstallDeps extends Omit<ForgetDeps, "defaultRegion"> {
  /** Revokes the portal's refresh token at HubSpot (OAuth's refresh token API). */
  revokeRefreshToken(refreshToken: string): Promise<unknown>;
  /** Stops the push channels of the portal's staff calendars and deletes their tokens. */
  disconnectCalendars(portalId: string): Promise<unknown>;
  /** The portal's caller locks and rate-limit windows in Redis. */
  forgetLocks(portalId: string): Promise<unknown>;
  forgetRateLimits(portalId: string): Promise<unknown>;
  /** Starts working through the vendor undo tasks the uninstall left (the worker's sweep retries them). */
  undoVendorChanges(): Promise<unknown>;
}

/**
 * Uninstall: stop calling HubSpot for the portal, revoke the refresh token, delete the tokens and
 * everything the app holds for the portal, in every table and in Redis. What stays is the portal row,
 * marked uninstalled and without tokens or notification targets. Connections stop accepting webhooks
 * (404). What the app changed at the vendors (vendor setup) is undone afterwards, never waited for:
 * the same transaction leaves one undo task per change (server/vendor-setup/uninstall.ts).
 */
export async function uninstallPortal(deps: UninstallDeps, portalId: string): Promise<{ uninstalled: boolean }> {
  const portal = await deps.db.portal.findUnique({ where: { id: portalId } });
  if (!portal) return { uninstalled: false };
  await deps.db.portal.update({ where: { id: portalId }, data: { status: "uninstalled", statusReason: "uninstalled" } });
  if (portal.refreshTokenEnc) {
    await deps
      .revokeRefreshToken(decrypt(portal.refreshTokenEnc, deps.encryptionKey, sealedFor("Portal", "refreshTokenEnc", portalId)))
      .catch((error: Error) => log.warn({ portalId, err: error.message }, "refresh token revocation failed (it is deleted here anyway)"));
  }
  // Staff calendars: push channels stopped, tokens deleted, before the staff rows go.
  await deps.disconnectCalendars(portalId).catch((error: Error) => log.warn({ portalId, err: error.message }, "staff calendar disconnect failed (tokens are deleted anyway)"));
  const connectionIds = (await deps.db.connection.findMany({ where: { portalId }, select: { id: true } })).map((c) => c.id);
  const staffIds = (await deps.db.staffMember.findMany({ where: { portalId }, select: { id: true } })).map((s) => s.id);
  // Jobs still in Redis (a failed one stays at most FAILED_JOB_AGE_S) name these rows.
  const recent = { portalId, updatedAt: { gt: new Date(Date.now() - FAILED_JOB_AGE_S * 1000) } };
  const calls = await deps.db.call.findMany({ where: recent, select: { id: true, version: true, fallback: { select: { replayCount: true } } } });
  const bookings = await deps.db.booking.findMany({ where: recent, select: { id: true, meetingVersion: true } });
  const vendorUndo = await vendorUndoTasks(deps.db, deps.encryptionKey, portalId);
  await deps.db.$transaction([
    ...vendorUndo,
    ...connectionIds.map((id) => deps.db.toolInvocation.deleteMany({ where: { key: { startsWith: `${id}:` } } })),
    deps.db.calendarConnection.deleteMany({ where: { portalId } }),
    deps.db.calendarOAuthState.deleteMany({ where: { staffId: { in: staffIds } } }),
    deps.db.externalBusy.deleteMany({ where: { staffId: { in: staffIds } } }),
    deps.db.booking.deleteMany({ where: { portalId } }),
    deps.db.staffMember.deleteMany({ where: { portalId } }),
    deps.db.serviceType.deleteMany({ where: { portalId } }),
    deps.db.bookingSettings.deleteMany({ where: { portalId } }),
    // Events, fallback entries and recordings go with their calls (ON DELETE CASCADE).
    deps.db.call.deleteMany({ where: { portalId } }),
    deps.db.quarantinedPayload.deleteMany({ where: { portalId } }),
    deps.db.contactIndex.deleteMany({ where: { portalId } }),
    deps.db.contactSnapshot.deleteMany({ where: { portalId } }),
    deps.db.fieldMapping.deleteMany({ where: { portalId } }),
    deps.db.provisionedProperty.deleteMany({ where: { portalId } }),
    deps.db.connection.deleteMany({ where: { portalId } }),
    // Vendor setup keys and change records go with their connections (ON DELETE CASCADE).
    deps.db.auditEntry.deleteMany({ where: { portalId } }),
    deps.db.callerContextSettings.deleteMany({ where: { portalId } }),
    deps.db.notificationSettings.deleteMany({ where: { portalId } }),
    deps.db.routingSettings.deleteMany({ where: { portalId } }),
    deps.db.portal.update({ where: { id: portalId }, data: { accessTokenEnc: null, refreshTokenEnc: null, accessExpiresAt: null } }),
  ]);
  await Promise.all([
    forgetJobs(deps.queue, deps.redis, calls.flatMap((call) => syncJobIdsOf(call, call.fallback?.replayCount ?? 0))),
    forgetJobs(deps.meetingQueue, deps.redis, bookings.flatMap(meetingJobIdsOf)),
    deps.forgetLocks(portalId),
    deps.forgetRateLimits(portalId),
  ]).catch((error: Error) => log.warn({ portalId, err: error.message }, "Redis not cleared of the portal (locks and windows expire in seconds, jobs within 7 days)"));
  if (vendorUndo.length) void deps.undoVendorChanges().catch((error: Error) => log.warn({ portalId, err: error.message }, "vendor undo after uninstall failed (the worker retries it)"));
  log.info({ portalId, vendorUndo: vendorUndo.length }, "portal uninstalled; tokens and data deleted");
  return { uninstalled: true };
}
