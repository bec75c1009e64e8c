import type { Db } from "../db/client.js";

/** Where the app's install in a portal stands, as the card and settings page show it. */
export interface InstallState {
  installed: boolean;
  /** HubSpot no longer accepts the portal's authorisation: a super admin must reconnect. */
  needsReconnect: boolean;
  reason: string | null;
}

export async function installState(db: Db, portalId: string): Promise<InstallState> {
  const portal = await db.portal.findUnique({ where: { id: portalId }, select: { status: true, statusReason: true } });
  return { installed: !!portal && portal.status !== "uninstalled", needsReconnect: portal?.status === "needs_reauth", reason: portal?.statusReason ?? null };
}
