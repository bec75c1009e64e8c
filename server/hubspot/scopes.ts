// The OAuth scopes this app requests, and why. Minimal: a marketplace listing is refused for more.
export const REQUIRED_SCOPES = [
  "oauth",
  "crm.objects.contacts.read", // find the caller (search, read by id), read the calls logged on a contact
  "crm.objects.contacts.write", // create/update the caller; calls, notes, tasks and meetings on contacts
  "crm.schemas.contacts.read", // list the portal's properties for the mapping editor
  "crm.schemas.contacts.write", // create the "AI receptionist" property group and properties
  "crm.objects.owners.read", // assign the escalation task / meeting to the contact owner or staff member
  // Only a portal's super admins may change the app's settings: GET /settings/v3/users/{userId} says
  // who is one. Required, not optional: without it nobody could change settings at all.
  "settings.users.read",
] as const;

/** The scope the settings-write guard needs; installs made before it was added lack it until reconnected. */
export const USERS_SCOPE = "settings.users.read" satisfies (typeof REQUIRED_SCOPES)[number];

/**
 * Asked as optional scopes (`optional_scope`): an install without them still logs calls, and the
 * settings page says what re-authorising adds (OPTIONAL_SCOPE_GAINS). The scheduler scope lets a staff
 * member book on one of the portal's HubSpot meeting links (list, availability, book); the transcript
 * scopes put each call's transcript in HubSpot's own transcript viewer (third-party transcripts API).
 */
export const SCHEDULER_SCOPE = "scheduler.meetings.meeting-link.read";
export const TRANSCRIPTS_READ_SCOPE = "crm.extensions_calling_transcripts.read";
export const TRANSCRIPTS_WRITE_SCOPE = "crm.extensions_calling_transcripts.write";
/** A HubSpot Lead for each new caller, when the portal turns it on (server/routing/leads.ts). */
export const LEADS_WRITE_SCOPE = "crm.objects.leads.write";
export const OPTIONAL_SCOPES = [SCHEDULER_SCOPE, TRANSCRIPTS_READ_SCOPE, TRANSCRIPTS_WRITE_SCOPE, LEADS_WRITE_SCOPE] as const;
export type OptionalScope = (typeof OPTIONAL_SCOPES)[number];

/** What an admin gains by re-authorising with an optional scope, as the settings page says it. */
export const OPTIONAL_SCOPE_GAINS: Record<OptionalScope, string> = {
  [SCHEDULER_SCOPE]: "Staff can be booked on the portal's HubSpot meeting links.",
  [TRANSCRIPTS_READ_SCOPE]: "Each call's transcript shows in HubSpot's own transcript viewer on the call, turn by turn, searchable like HubSpot's own calls.",
  [TRANSCRIPTS_WRITE_SCOPE]: "Each call's transcript shows in HubSpot's own transcript viewer on the call, turn by turn, searchable like HubSpot's own calls.",
  [LEADS_WRITE_SCOPE]: "A HubSpot Lead can be created for each new caller (Routing tab).",
};

/** The optional scopes an install lacks, grouped by what they add together (both transcript scopes, one gain). */
export function missingOptionalPermissions(granted: readonly string[]): { scopes: string[]; gain: string }[] {
  const byGain = new Map<string, string[]>();
  for (const scope of OPTIONAL_SCOPES) {
    if (granted.includes(scope)) continue;
    const gain = OPTIONAL_SCOPE_GAINS[scope];
    byGain.set(gain, [...(byGain.get(gain) ?? []), scope]);
  }
  return [...byGain].map(([gain, scopes]) => ({ scopes, gain }));
}
