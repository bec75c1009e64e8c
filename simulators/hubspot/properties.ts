// The built-in property catalog of the objects the simulator knows: what each object type has in a new
// portal, which values its enumerations accept, what HubSpot computes itself (read-only), what a create
// must carry and what a read returns when no `properties` are asked for. Portals add their own
// properties and groups through the properties API (store.ts).

export type ObjectType = "contacts" | "calls" | "notes" | "tasks" | "meetings" | "leads";
export type EngagementType = Exclude<ObjectType, "contacts">;

export const OBJECT_TYPES: readonly ObjectType[] = ["contacts", "calls", "notes", "tasks", "meetings", "leads"];

/** HubSpot's object type ids; the API accepts them wherever it accepts the names. */
export const OBJECT_TYPE_IDS: Record<ObjectType, string> = { contacts: "0-1", calls: "0-48", notes: "0-46", tasks: "0-27", meetings: "0-47", leads: "0-136" };

/** The object's name in HubSpot's error messages ("Could not get some CONTACT objects"). */
export const OBJECT_LABELS: Record<ObjectType, string> = { contacts: "CONTACT", calls: "CALL", notes: "NOTE", tasks: "TASK", meetings: "MEETING", leads: "LEAD" };

/** An object type as the API accepts it: plural or singular name, or type id ("0-1"). */
export function parseObjectType(raw: string): ObjectType | null {
  const lower = raw.toLowerCase();
  return OBJECT_TYPES.find((t) => t === lower || t === `${lower}s` || OBJECT_TYPE_IDS[t] === raw) ?? null;
}

/**
 * HubSpot-defined association type ids between engagements and contacts. They are directional: a call
 * points at a contact with 194, the contact at the call with 193 (shared/reference/hubspot.md; the
 * contact-side ids follow HubSpot's "to contact = n, from contact = n - 1" table). Leads (object 0-136)
 * are held like engagements here: associated to contacts, 578 "lead to primary contact" (seen in
 * HubSpot's leads guide and published integrations); 579 for the other direction is unverified.
 */
export const ENGAGEMENT_TO_CONTACT: Record<EngagementType, number> = { calls: 194, meetings: 200, notes: 202, tasks: 204, leads: 578 };
export const CONTACT_TO_ENGAGEMENT: Record<EngagementType, number> = { calls: 193, meetings: 199, notes: 201, tasks: 203, leads: 579 };

export interface SimOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

export interface SimProperty {
  name: string;
  label: string;
  type: "string" | "number" | "enumeration" | "date" | "datetime" | "bool";
  fieldType: string;
  groupName: string;
  description: string;
  options: SimOption[];
  /** HubSpot computes the value (e.g. hs_searchable_calculated_phone_number): writes get READ_ONLY_VALUE. */
  readOnlyValue: boolean;
  calculated: boolean;
  hasUniqueValue: boolean;
  hubspotDefined: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface SimPropertyGroup {
  name: string;
  label: string;
  displayOrder: number;
  archived: boolean;
}

/** Which fieldType each property type accepts on create (HubSpot's properties API guide). */
export const FIELD_TYPES: Record<string, readonly string[]> = {
  string: ["text", "textarea", "html", "phonenumber", "file"],
  number: ["number", "calculation_equation"],
  enumeration: ["select", "radio", "checkbox", "booleancheckbox", "calculation_equation"],
  date: ["date"],
  datetime: ["date"],
  bool: ["booleancheckbox", "calculation_equation"],
};

export const CALL_STATUSES = ["BUSY", "CALLING_CRM_USER", "CANCELED", "COMPLETED", "CONNECTING", "FAILED", "IN_PROGRESS", "MISSED", "NO_ANSWER", "QUEUED", "RINGING"] as const;
export const MEETING_OUTCOMES = ["SCHEDULED", "RESCHEDULED", "CANCELED", "COMPLETED", "NO_SHOW"] as const;

/** HubSpot's default call outcomes; every portal has them, and may add its own. */
export const DEFAULT_DISPOSITIONS: readonly { id: string; label: string }[] = [
  { id: "f240bbac-87c9-4f6e-bf70-924b57d47db7", label: "Connected" },
  { id: "73a0d17f-1163-4015-bdd5-ec830791da20", label: "No answer" },
  { id: "b2cf5968-551e-4856-9783-52b3da59a7d0", label: "Left voicemail" },
  { id: "a4c4c377-d246-4b32-a13b-75a56a4cd0ff", label: "Left live message" },
  { id: "9d9162e7-6cf3-4944-bf63-4dff82258764", label: "Busy" },
  { id: "17b47fee-58de-441e-a44c-c6300d46f273", label: "Wrong number" },
];

/** What a read without `properties` returns (HubSpot's search guide lists these per object). */
export const DEFAULT_RETURNED: Record<ObjectType, readonly string[]> = {
  contacts: ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"],
  calls: ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
  notes: ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
  tasks: ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
  meetings: ["hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
  leads: ["hs_createdate", "hs_lastmodifieddate", "hs_object_id", "hs_lead_name"],
};

/**
 * What a create must carry. HubSpot's activity guides mark hs_timestamp required on every engagement;
 * tasks are held to subject, status and priority as well (stricter than the docs, which default them).
 */
export const REQUIRED_ON_CREATE: Record<ObjectType, readonly string[]> = {
  contacts: [],
  calls: ["hs_timestamp"],
  notes: ["hs_timestamp"],
  tasks: ["hs_timestamp", "hs_task_subject", "hs_task_status", "hs_task_priority"],
  meetings: ["hs_timestamp"],
  leads: ["hs_lead_name"],
};

/** The property HubSpot stamps with the creation / modification time, per object type. */
export const TIMESTAMP_PROPERTIES: Record<ObjectType, { created: string; modified: string }> = {
  contacts: { created: "createdate", modified: "lastmodifieddate" },
  calls: { created: "hs_createdate", modified: "hs_lastmodifieddate" },
  notes: { created: "hs_createdate", modified: "hs_lastmodifieddate" },
  tasks: { created: "hs_createdate", modified: "hs_lastmodifieddate" },
  meetings: { created: "hs_createdate", modified: "hs_lastmodifieddate" },
  leads: { created: "hs_createdate", modified: "hs_lastmodifieddate" },
};

/** Properties whose values must name an owner of the portal, or a call outcome of the portal. */
export const OWNER_PROPERTY = "hubspot_owner_id";
export const DISPOSITION_PROPERTY = "hs_call_disposition";

const EPOCH = "2019-01-01T00:00:00.000Z";

type Spec = [name: string, type?: SimProperty["type"], fieldType?: string, extra?: Partial<SimProperty> & { values?: readonly string[] }];

function build(groupName: string, specs: Spec[]): SimProperty[] {
  return specs.map(([name, type = "string", fieldType = "text", extra = {}]) => {
    const { values, ...rest } = extra;
    return {
      name,
      label: name,
      type,
      fieldType,
      groupName,
      description: "",
      options: (values ?? []).map((value, displayOrder) => ({ label: value, value, displayOrder, hidden: false })),
      readOnlyValue: false,
      calculated: false,
      hasUniqueValue: false,
      hubspotDefined: true,
      createdAt: EPOCH,
      updatedAt: EPOCH,
      ...rest,
    };
  });
}

/** Calculated by HubSpot: the value cannot be written. */
const computed = { readOnlyValue: true, calculated: true } as const;

function contactProperties(): SimProperty[] {
  return [
    ...build("contactinformation", [
      ["firstname"],
      ["lastname"],
      ["email", "string", "text", { hasUniqueValue: true }],
      // Free text: stored exactly as written, so an EQ search only finds the same formatting.
      ["phone", "string", "phonenumber"],
      ["mobilephone", "string", "phonenumber"],
      ["fax", "string", "phonenumber"],
      ["address"],
      ["city"],
      ["state"],
      ["zip"],
      ["country"],
      ["company"],
      ["jobtitle"],
      ["website"],
      ["message", "string", "textarea"],
      [OWNER_PROPERTY, "enumeration", "select"],
      ["lifecyclestage", "enumeration", "radio", { values: ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"] }],
      ["hs_lead_status", "enumeration", "radio", { values: ["NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"] }],
      ["createdate", "datetime", "date", computed],
      ["lastmodifieddate", "datetime", "date", computed],
      // "Last activity date": HubSpot stamps it when a call, meeting, note or task is logged on the contact.
      ["notes_last_updated", "datetime", "date", computed],
      ["hs_object_id", "number", "number", computed],
      ["hs_email_domain", "string", "text", computed],
      ["hs_additional_emails", "enumeration", "checkbox", computed],
      ["hs_merged_object_ids", "enumeration", "checkbox", computed],
      // HubSpot's normalised copies of phone / mobilephone: the national number without country code,
      // and the E.164 form. These are what a search should use to find a caller.
      ["hs_searchable_calculated_phone_number", "string", "text", computed],
      ["hs_searchable_calculated_mobile_number", "string", "text", computed],
      ["hs_calculated_phone_number", "string", "text", computed],
      ["hs_calculated_mobile_number", "string", "text", computed],
    ]),
    ...build("analyticsinformation", [
      ["hs_analytics_source", "enumeration", "select", { ...computed, values: ["ORGANIC_SEARCH", "PAID_SEARCH", "EMAIL_MARKETING", "SOCIAL_MEDIA", "REFERRALS", "OTHER_CAMPAIGNS", "DIRECT_TRAFFIC", "OFFLINE", "PAID_SOCIAL", "AI_REFERRALS"] }],
    ]),
  ];
}

function engagementBase(): Spec[] {
  return [
    ["hs_timestamp", "datetime", "date"],
    [OWNER_PROPERTY, "enumeration", "select"],
    ["hs_attachment_ids", "enumeration", "checkbox"],
    ["hs_createdate", "datetime", "date", computed],
    ["hs_lastmodifieddate", "datetime", "date", computed],
    ["hs_object_id", "number", "number", computed],
  ];
}

function engagementProperties(type: EngagementType): SimProperty[] {
  const own: Record<EngagementType, Spec[]> = {
    calls: [
      ["hs_call_title"],
      ["hs_call_body", "string", "html"],
      ["hs_call_duration", "number", "number"],
      ["hs_call_from_number"],
      ["hs_call_to_number"],
      ["hs_call_direction", "enumeration", "select", { values: ["INBOUND", "OUTBOUND"] }],
      ["hs_call_status", "enumeration", "select", { values: CALL_STATUSES }],
      ["hs_call_recording_url"],
      [DISPOSITION_PROPERTY, "enumeration", "select"],
      ["hs_call_external_id"],
      ["hs_call_external_account_id"],
      ["hs_call_app_id", "number", "number"],
      ["hs_call_source"],
      ["hs_call_callee_object_id", "number", "number"],
      ["hs_call_callee_object_type"],
      // Set by HubSpot when a transcript is made for the Call (read-only; seen in public code).
      ["hs_call_transcription_id", "number", "number", { readOnlyValue: true }],
      ["hs_call_has_transcript", "bool", "booleancheckbox", { readOnlyValue: true }],
    ],
    notes: [["hs_note_body", "string", "html"]],
    tasks: [
      ["hs_task_subject"],
      ["hs_task_body", "string", "html"],
      ["hs_task_status", "enumeration", "select", { values: ["NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"] }],
      ["hs_task_priority", "enumeration", "select", { values: ["LOW", "MEDIUM", "HIGH"] }],
      ["hs_task_type", "enumeration", "select", { values: ["CALL", "EMAIL", "TODO", "LINKED_IN"] }],
      ["hs_task_reminders", "enumeration", "checkbox"],
    ],
    meetings: [
      ["hs_meeting_title"],
      ["hs_meeting_body", "string", "html"],
      ["hs_internal_meeting_notes", "string", "html"],
      ["hs_meeting_external_url"],
      ["hs_meeting_location"],
      ["hs_meeting_start_time", "datetime", "date"],
      ["hs_meeting_end_time", "datetime", "date"],
      ["hs_meeting_outcome", "enumeration", "select", { values: MEETING_OUTCOMES }],
      ["hs_activity_type"],
      // Set by HubSpot: INTEGRATION for a booking made through the scheduler API, MEETINGS_PUBLIC for
      // one on the public scheduling page (values seen on live portals; the full list is not published).
      ["hs_meeting_source", "enumeration", "select", computed],
    ],
    leads: [
      ["hs_lead_name"],
      ["hs_lead_type", "enumeration", "select", { values: ["NEW_BUSINESS", "UPSELL", "RE_ATTEMPTING"] }],
      ["hs_lead_label", "enumeration", "select", { values: ["COLD", "WARM", "HOT"] }],
      ["hs_pipeline"],
      ["hs_pipeline_stage"],
    ],
  };
  return build(`${type.slice(0, -1)}information`, [...engagementBase(), ...own[type]]);
}

export function builtInProperties(type: ObjectType): SimProperty[] {
  return type === "contacts" ? contactProperties() : engagementProperties(type);
}

export function builtInGroups(type: ObjectType): SimPropertyGroup[] {
  const names: Record<ObjectType, [string, string][]> = {
    contacts: [
      ["contactinformation", "Contact information"],
      ["analyticsinformation", "Web analytics history"],
      ["emailinformation", "Email information"],
      ["conversioninformation", "Conversion information"],
    ],
    calls: [["callinformation", "Call information"]],
    notes: [["noteinformation", "Note information"]],
    tasks: [["taskinformation", "Task information"]],
    meetings: [["meetinginformation", "Meeting information"]],
    leads: [["leadinformation", "Lead information"]],
  };
  return names[type].map(([name, label], displayOrder) => ({ name, label, displayOrder, archived: false }));
}

/** The property as GET /crm/v3/properties answers it. */
export function propertyJson(p: SimProperty) {
  return {
    name: p.name,
    label: p.label,
    type: p.type,
    fieldType: p.fieldType,
    description: p.description,
    groupName: p.groupName,
    options: p.options,
    displayOrder: -1,
    calculated: p.calculated,
    externalOptions: p.name === OWNER_PROPERTY || p.name === DISPOSITION_PROPERTY,
    hasUniqueValue: p.hasUniqueValue,
    hidden: false,
    hubspotDefined: p.hubspotDefined,
    formField: !p.readOnlyValue,
    archived: false,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    modificationMetadata: { archivable: !p.hubspotDefined, readOnlyDefinition: p.hubspotDefined, readOnlyValue: p.readOnlyValue },
  };
}
