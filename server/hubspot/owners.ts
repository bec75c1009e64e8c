import type { HubSpotClient } from "./client.js";
import { hubspotCall } from "./call.js";
import type { OwnerView } from "../../hubspot-app/app/shared/api.js";

// The portal's users who can own records, from HubSpot's owners API (GET /crm/v3/owners, paged with
// `after`; scope crm.objects.owners.read). The routing settings pick owners from this list, and a
// saved owner id is checked against it.

const PAGE_SIZE = 100;
/** A portal with more owners than this is cut off rather than read forever. */
const MAX_PAGES = 50;

export async function listOwners(client: HubSpotClient): Promise<OwnerView[]> {
  const owners: OwnerView[] = [];
  let after: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await hubspotCall(() => client.crm.owners.ownersApi.getPage(undefined, after, PAGE_SIZE, false));
    for (const owner of answer.results) {
      const name = [owner.firstName, owner.lastName].filter(Boolean).join(" ").trim();
      owners.push({ id: String(owner.id), name: name || owner.email || String(owner.id), email: owner.email ?? "" });
    }
    after = answer.paging?.next?.after;
    if (!after) break;
  }
  return owners;
}
