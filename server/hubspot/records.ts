// Links to records in HubSpot's own UI, for the settings page. One base for every portal: we do not
// store a portal's data-centre host (app-eu1 ...), and rely on app.hubspot.com sending the signed-in
// user on to it (not checked against an EU portal here).

const HUBSPOT_APP = "https://app.hubspot.com";

/** HubSpot's object type ids in record URLs. */
const OBJECT_TYPES = { contact: "0-1", call: "0-48" } as const;

export function hubspotRecordUrl(portalId: string, object: keyof typeof OBJECT_TYPES, id: string): string {
  return `${HUBSPOT_APP}/contacts/${encodeURIComponent(portalId)}/record/${OBJECT_TYPES[object]}/${encodeURIComponent(id)}`;
}
