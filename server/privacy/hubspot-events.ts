import { ContactIndexStore } from "../contacts/index-store.js";
import type { HubSpotEvent } from "../hubspot/webhook-delivery.js";
import { forgetContact, type ForgetDeps } from "./forget.js";

/**
 * HubSpot's app webhook events (hubspot-app/app/webhooks): privacy deletion, and contact merge /
 * deletion to keep the app-side index honest. Events act only on portals that have the app
 * installed now; any other subscription type is ignored.
 */
export async function applyHubSpotEvents(deps: ForgetDeps, events: HubSpotEvent[]): Promise<void> {
  const installed = new Set(
    (await deps.db.portal.findMany({ where: { id: { in: [...new Set(events.map((e) => String(e.portalId ?? "")))] }, status: { not: "uninstalled" } }, select: { id: true } })).map((p) => p.id),
  );
  const index = new ContactIndexStore(deps.db);
  for (const event of events) {
    const portalId = String(event.portalId ?? "");
    const contactId = String(event.objectId ?? "");
    if (!portalId || !contactId || !installed.has(portalId)) continue;
    switch (event.subscriptionType) {
      case "contact.privacyDeletion":
        await forgetContact(deps, portalId, contactId);
        break;
      case "contact.deletion":
        await index.forgetContact(portalId, contactId);
        break;
      case "contact.merge": {
        const survivor = String(event.newObjectId ?? event.primaryObjectId ?? contactId);
        for (const merged of event.mergedObjectIds ?? []) if (String(merged) !== survivor) await index.repoint(portalId, String(merged), survivor);
        break;
      }
      default:
        break;
    }
  }
}
