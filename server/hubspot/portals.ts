import type { Db } from "../db/client.js";
import { missingOptionalPermissions } from "./scopes.js";

/** Where the app's install in a portal stands, as the card and settings page show it. */
export interface InstallState {
  installed: boolean;
  /** HubSpot no longer accepts the portal's authorisation: a super admin must reconnect. */
  needsReconnect: boolean;
  reason: string | null;
  /** Optional scopes the install lacks, and what re-authorising with them adds. */
  missingPermissions: { scopes: string[]; gain: string }[];
}

export async function installState(db: Db, portalId: string): Promise<InstallState> {
  const portal = await db.portal.findUnique({ where: { id: portalId }, select: { status: true, statusReason: true, scopes: true } });
  const installed = !!portal && portal.status !== "uninstalled";
  return { installed, needsReconnect: portal?.status === "needs_reauth", reason: portal?.statusReason ?? null, missingPermissions: installed ? missingOptionalPermissions(portal.scopes) : [] };
}
