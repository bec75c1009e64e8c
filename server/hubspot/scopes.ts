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
 * settings page says what re-authorising adds. The scheduler scope lets a staff member book on one
 * of the portal's HubSpot meeting links (list, availability, book).
 */
export const SCHEDULER_SCOPE = "scheduler.meetings.meeting-link.read";
export const OPTIONAL_SCOPES = [SCHEDULER_SCOPE] as const;
