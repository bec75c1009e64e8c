import type { HubSpotClient } from "../hubspot/client.js";
import { hubspotCall } from "../hubspot/call.js";
import type { ContactChoice } from "../../hubspot-app/app/shared/api.js";

// The contacts a rep can move a call to: HubSpot's own contact search over name, e-mail and phone
// (the free-text `query`), through our client and its shared rate limit. At most one page.

export const CHOICES_LIMIT = 10;

export async function contactChoices(client: HubSpotClient, query: string): Promise<ContactChoice[]> {
  const page = await hubspotCall(() =>
    client.crm.contacts.searchApi.doSearch({ query, properties: ["firstname", "lastname", "email", "phone", "mobilephone"], limit: CHOICES_LIMIT, sorts: [], after: undefined as never, filterGroups: [] }),
  );
  return page.results.map((c) => {
    const p = c.properties;
    const name = [p.firstname, p.lastname].filter(Boolean).join(" ").trim();
    return { id: c.id, name: name || null, email: p.email || null, phone: p.phone || p.mobilephone || null };
  });
}
