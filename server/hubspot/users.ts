import type { HubSpotClient } from "./client.js";
import { hubspotCall, HubSpotRequestError } from "./call.js";

/** What the app needs to know of a HubSpot user of one portal. */
export interface PortalUser {
  id: string;
  email: string;
  superAdmin: boolean;
}

/**
 * One user of the token's portal, from the user provisioning API (scope settings.users.read), or null
 * when the portal has no such user (HubSpot answers 404 for a user of another portal too). Failures
 * are hubspotCall's: transient ones throw TransientSyncError, a missing scope PermanentSyncError.
 */
export async function findPortalUser(client: HubSpotClient, userId: string): Promise<PortalUser | null> {
  try {
    const user = await hubspotCall(() => client.settings.users.usersApi.getById(userId));
    return { id: user.id, email: user.email, superAdmin: user.superAdmin === true };
  } catch (error) {
    if (error instanceof HubSpotRequestError && error.failure.kind === "not_found") return null;
    throw error;
  }
}
