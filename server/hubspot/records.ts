// Links to records in HubSpot's own UI, for the settings page. app.hubspot.com forwards a portal
// hosted in another data centre (app-eu1) to its own host, so one base serves every portal.

const HUBSPOT_APP = "https://app.hubspot.com";

/** HubSpot's object type ids in record URLs. */
const OBJECT_TYPES = { contact: "0-1", call: "0-48" } as const;

export function hubspotRecordUrl(portalId: string, object: keyof typeof OBJECT_TYPES, id: string): string {
  return `${HUBSPOT_APP}/contacts/${encodeURIComponent(portalId)}/record/${OBJECT_TYPES[object]}/${encodeURIComponent(id)}`;
}
