// The /ui/v1 API between the extensions (card, settings page) and the backend (server/http/routes/ui/):
// every request and response body, in one place. Types only, no runtime code: the extensions import it
// with `import type`, and so does the server (it lives here because `hs project upload` uploads only
// hubspot-app/). Each route checks its JSON with `satisfies`, and the UI tests' fixtures are typed by
// it, so a change to a response shape fails type-checking on both sides (docs/ui.md).

// ---- errors ----

/** Why the super-admin guard refused a write (server/http/routes/ui/guard.ts). */
export type GuardRefusalCode = "not_super_admin" | "reconnect_for_scope" | "admin_check_unavailable" | "not_installed";

/** Which mapping rule cannot be saved, and why (PUT /mapping, 422). */
export interface MappingProblem {
  field: string;
  error: string;
}

/** Which field of which row of a service list is wrong (PUT /booking/services, 400); index is the row as sent. */
export interface ServiceProblem {
  index: number | null;
  field: string | null;
  error: string;
}

/** Every non-2xx answer: `error` is a sentence the page shows as is. */
export interface ApiError {
  error: string;
  code?: GuardRefusalCode;
  /** The portal's authorisation is gone or lacks a scope: a super admin opens `reconnectUrl`. */
  needsReconnect?: true;
  reconnectUrl?: string;
  problems?: MappingProblem[] | ServiceProblem[] | TypeMappingProblem[];
  /** PUT /booking/services, 409: the service type that cannot be removed. */
  service?: string;
  /** PUT /booking/staff, 409: the staff member who cannot be removed. */
  staff?: string;
  /** A vendor's API refused or failed (vendor setup): why, as one code. */
  vendorError?: VendorErrorCode;
}

export type MappingRefusal = ApiError & { problems: MappingProblem[] };
export type ServicesRefusal = ApiError & { problems: ServiceProblem[] };

// ---- GET /status ----

export interface StatusResponse {
  installed: boolean;
  needsReconnect: boolean;
  reason: string | null;
  reconnectUrl: string;
  /** Optional permissions this install has not granted, and what re-authorising with them adds. */
  missingPermissions: MissingPermission[];
}

export interface MissingPermission {
  /** HubSpot's scope names (several when one feature needs them together). */
  scopes: string[];
  gain: string;
}

// ---- GET /contacts/:id/calls?limit&before ----

export interface TranscriptTurn {
  speaker: "agent" | "caller";
  text: string;
}

export interface CallSummary {
  id: string;
  vendor: string;
  startedAt: string;
  durationMs: number | null;
  disposition: string | null;
  sentiment: string | null;
  intent: string | null;
  urgency: string | null;
  language: string | null;
  summary: string | null;
  transcript: string | null;
  /** The transcript turn by turn (the vendor's structured transcript, or its text split by speaker); null when it has no speakers to tell apart. */
  turns: TranscriptTurn[] | null;
  escalationReason: string | null;
  /** The player page (short-lived signed URL), for HubSpot's iframe modal. */
  recordingUrl: string | null;
  syncStatus: string;
}

export interface CallsPage {
  calls: CallSummary[];
  /** Pass as `before` for the next (older) page; null on the last one. */
  nextBefore: string | null;
  needsReconnect: boolean;
}

// ---- GET /properties, POST /properties ----

/** A contact property of the portal. */
export interface PortalProperty {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  readOnly: boolean;
  /** Option values of an enumeration; empty otherwise. */
  options: string[];
}

export interface PropertiesResponse {
  properties: PortalProperty[];
}

export interface CreatePropertyRequest {
  /** The captured field whose app property to create (a canonical field or `q:<key>`). */
  field: string;
}

export interface PropertyCreated {
  created: string;
}

// ---- GET /mapping, PUT /mapping ----

export type MappingPolicy = "overwrite" | "fill_if_empty";

export interface MappingRule {
  field: string;
  label: string;
  kind: "canonical" | "qualification";
  property: string;
  policy: MappingPolicy;
  enabled: boolean;
  type: string;
}

export interface MappingResponse {
  rules: MappingRule[];
}

export interface MappingUpdateRequest {
  rules: Pick<MappingRule, "field" | "property" | "policy" | "enabled">[];
}

export interface MappingSaved {
  saved: number;
}

// ---- GET /connections, POST /connections, POST /connections/:id/secret ----

/** What may be shown of a connection: its URLs and health, never its secret. */
export interface ConnectionView {
  id: string;
  portalId: string;
  vendor: string;
  label: string | null;
  webhookUrl: string;
  toolsUrl: string;
  createdAt: string;
  lastDeliveryAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
}

export interface ConnectionListItem extends ConnectionView {
  vendorLabel: string;
  /** The vendor signs only the call id, not the body. */
  weakSignature: boolean;
  /** Why the live tools are off on this connection (its vendor does not sign the body), or null. */
  toolsDisabledReason: string | null;
  /** The app can configure the vendor's agents or assistants for this connection (vendor setup). */
  setupSupported: boolean;
}

export interface VendorOption {
  id: string;
  label: string;
  secretHelp: string;
}

export interface ConnectionsResponse {
  connections: ConnectionListItem[];
  vendors: VendorOption[];
}

export interface CreateConnectionRequest {
  vendor: string;
  secret: string;
  label?: string;
}

export interface ConnectionCreated {
  connection: ConnectionView;
}

export interface RotateSecretRequest {
  secret: string;
}

export interface SecretRotated {
  rotated: true;
}

// ---- vendor setup: GET /connections/:id/setup, GET .../setup/targets, PUT .../setup/api-key,
//      POST .../setup/apply, POST .../setup/undo ----

/** Why a vendor's API refused or failed (server/vendors/setup.ts). */
export type VendorErrorCode = "unauthorized" | "not_found" | "refused" | "unavailable";

/** One field or tool the app changed at the vendor: its value before and after, as text (secrets never shown). */
export interface VendorChangeLine {
  what: string;
  /** null: there was none (an added tool, an unset field). */
  before: string | null;
  after: string | null;
}

/** One vendor resource the app changed for a picked agent or assistant. */
export interface VendorChangeView {
  id: string;
  targetId: string;
  targetName: string;
  /** "agent", "retell_llm", "assistant". */
  resource: string;
  resourceId: string;
  status: "applied" | "undone" | "undone_with_conflicts";
  appliedAt: string;
  appliedBy: string | null;
  undoneAt: string | null;
  changes: VendorChangeLine[];
  /** What the admin changed since and undo left alone: `before` is what we had set, `after` what the vendor holds now. */
  conflicts: VendorChangeLine[];
}

export type VendorSetupResponse =
  | { supported: true; vendorLabel: string; targetNoun: string; needsApiKey: boolean; apiKeySet: boolean; changes: VendorChangeView[] }
  | { supported: false; vendorLabel: string; reason: string };

export interface VendorTarget {
  id: string;
  name: string;
  /** The app's changes to it are in place (not undone). */
  applied: boolean;
}

export interface VendorTargetsResponse {
  targets: VendorTarget[];
  /** The cursor of the next page, or null. */
  next: string | null;
}

export interface VendorApiKeyRequest {
  apiKey: string;
}

export interface VendorApiKeySaved {
  saved: true;
}

export interface VendorApplyRequest {
  targetIds: string[];
}

export interface VendorTargetResult {
  targetId: string;
  name: string;
  outcome: "applied" | "unchanged" | "failed";
  changes: VendorChangeLine[];
  /** Something the admin must do by hand (an agent without a function list). */
  note: string | null;
  /** Why the vendor refused (outcome failed; changes made before it are listed and recorded). */
  error: string | null;
}

export interface VendorApplyResponse {
  results: VendorTargetResult[];
}

export interface VendorUndoRequest {
  targetId: string;
}

export interface VendorUndoResponse {
  restored: VendorChangeLine[];
  conflicts: VendorChangeLine[];
}

// ---- GET /caller-context, PUT /caller-context ----

/** What a known caller's AI may be told at the start of a call (server/context/). */
export type CallerContextField = "firstName" | "upcomingBooking" | "lastCall" | "ownerName";

export type CallerContextShared = Record<CallerContextField, boolean>;

/** A Vapi connection and the assistant its assistant-request answer names (Vapi requires one). */
export interface VapiAssistantView {
  connectionId: string;
  label: string | null;
  assistantId: string | null;
}

export interface CallerContextResponse {
  shared: CallerContextShared;
  vapiConnections: VapiAssistantView[];
}

export interface CallerContextUpdateRequest {
  shared: CallerContextShared;
  /** connectionId -> assistant id (null or "" clears it); only the portal's own Vapi connections. */
  vapiAssistants?: Record<string, string | null>;
}

export interface CallerContextSaved {
  saved: true;
}

// ---- GET /fallback, POST /fallback/replay ----

/** A call that could not be synced after retries. */
export interface FallbackView {
  id: string;
  portalId: string;
  callId: string;
  vendor: string;
  vendorCallId: string;
  reason: string;
  permanent: boolean;
  createdAt: string;
  ageSeconds: number;
  replayCount: number;
  lastReplayAt: string | null;
  resolvedAt: string | null;
  /** Masked phone number. */
  caller: string | null;
}

export interface FallbackResponse {
  entries: FallbackView[];
}

export type ReplayRequest = { id: string } | { all: true };

export interface ReplayResponse {
  /** Call ids sent to HubSpot again. */
  replayed: string[];
}

// ---- GET /booking, PUT /booking/services, PUT /booking/settings, PUT /booking/staff, POST /booking/staff/:id/connect-link ----

export type CalendarKind = "builtin" | "google" | "microsoft" | "acuity" | "calendly" | "hubspot";
export type CalendarStatus = "builtin" | "not_connected" | "connected" | "needs_reauth";

export interface ServiceView {
  name: string;
  durationMinutes: number;
  bufferMinutes: number;
  aliases: string[];
  reminderMinutes: number[];
}

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";
/** Working hours per weekday, ["HH:MM", "HH:MM"] 24-hour in the staff member's zone; a weekday left out is off. */
export type WeeklyHours = Partial<Record<Weekday, [string, string]>>;
/** Breaks per weekday, inside that day's hours. */
export type WeeklyBreaks = Partial<Record<Weekday, [string, string][]>>;

export interface StaffView {
  id: string;
  name: string;
  email: string;
  calendar: CalendarKind;
  timezone: string;
  hours: WeeklyHours;
  breaks: WeeklyBreaks;
  /** Local dates (YYYY-MM-DD) off work. */
  daysOff: string[];
  hubspotOwnerId: string | null;
  calendarStatus: CalendarStatus;
  calendarAccount: string | null;
  lastSyncAt: string | null;
  lastError: string | null;
  /**
   * On a scheduling system (Acuity, Calendly, a HubSpot meeting link): the type serving each service
   * for them, with its problem; null: a calendar without types (built-in, Google, Microsoft 365).
   */
  serviceTypes: MappedTypeView[] | null;
  webhookKey: WebhookKeyState;
}

/** A booking that an event in the staff member's own calendar overlaps (double-booked by hand). */
export interface OverlapView {
  bookingId: string;
  reference: string | null;
  staff: string;
  service: string;
  start: string;
  eventStart: string;
  eventEnd: string;
  foundAt: string;
}

export interface BookingOverview {
  configured: boolean;
  timezone: string | null;
  services: ServiceView[];
  staff: StaffView[];
  upcoming: number;
  /** Open double bookings, oldest first; gone from the list once the calendar or the booking moves. */
  overlaps: OverlapView[];
  /**
   * Staff on a HubSpot meeting link need the optional scheduler scope: set when some do and the
   * portal has not granted it, with where a super admin re-authorises the app.
   */
  meetingLinksNeedScope?: { staff: string[]; reconnectUrl: string };
}

/** A service type as sent to be saved; without reminders the server's default applies. */
export type ServiceInput = Omit<ServiceView, "reminderMinutes"> & { reminderMinutes?: number[] };

export interface ServicesUpdateRequest {
  services: ServiceInput[];
}

export interface ServicesSaved {
  saved: number;
  created: number;
  updated: number;
  deleted: number;
}

// ---- PUT /booking/settings, PUT /booking/staff ----

/** Saving the time zone the first time is what sets booking up. */
export interface BusinessSettingsRequest {
  timezone: string;
}

export interface BusinessSettingsSaved {
  timezone: string;
  created: boolean;
}

/** A staff member as sent to be saved; matched to the existing ones by e-mail. */
export interface StaffInput {
  name: string;
  email: string;
  calendar: CalendarKind;
  timezone?: string;
  hubspotOwnerId?: string;
  hours: WeeklyHours;
  breaks?: WeeklyBreaks;
  daysOff?: string[];
}

export interface StaffUpdateRequest {
  staff: StaffInput[];
}

export interface StaffSaved {
  saved: number;
  created: number;
  updated: number;
  deleted: number;
}

/** 400: which field of which staff row is wrong (the same shape as a service list's). */
export type StaffRefusal = ApiError & { problems: ServiceProblem[] };

export type ConnectLinkResponse =
  /** Single-use, for the staff member only. */
  | { connectUrl: string }
  /** A HubSpot meeting link needs no link: the app's own install was checked, and `links` meeting links are there to map. */
  | { connected: true; label: string; links: number };

// ---- GET /booking/staff/:id/types, PUT /booking/staff/:id/types, PUT /booking/staff/:id/webhook-key ----

/** A type a staff member's scheduling system offers: an Acuity appointment type, a Calendly event type, a HubSpot meeting link. */
export interface OfferedTypeView {
  id: string;
  name: string;
  durationMinutes: number;
  /** Every length it offers, when it offers several (a HubSpot meeting link); a service may use any. */
  durationsMinutes?: number[];
}

/** Which type serves one service for a staff member; typeId null: the service is not offered for them. */
export interface MappedTypeView {
  service: string;
  typeId: string | null;
  /** Why the mapping cannot be used (the type is gone, or lasts otherwise than the service), else null. */
  problem: string | null;
}

/**
 * The key a calendar signs its change notifications with, when it is the account's own and an admin
 * gives it (Acuity: the account's API key): stored or not; null: nothing to give (the app chose the
 * key, as with Calendly, or the calendar is not connected or sends none).
 */
export type WebhookKeyState = "stored" | "missing" | null;

export interface StaffTypesResponse {
  staffId: string;
  /** The calendar's name as its users know it ("Acuity Scheduling"). */
  provider: string;
  /** What the calendar offers now, asked live. */
  types: OfferedTypeView[];
  /** One row per service type, in the order of the service list. */
  mapping: MappedTypeView[];
  /** The staff member's calendar in the account (Acuity calendar id); null: the account's only one. */
  calendarId: string | null;
  webhookKey: WebhookKeyState;
}

export interface StaffTypesRequest {
  /** Service name -> the id of the type that serves it; a service left out is not offered for them. */
  types: Record<string, string>;
  /** The staff member's calendar in the account (Acuity calendar id); left out: the account's only one. */
  calendarId?: string;
}

/** A field of a mapping the server refused: a service's type (service set) or the calendar id. */
export interface TypeMappingProblem {
  service: string | null;
  field: "type" | "calendarId" | null;
  error: string;
}

/** 400: nothing was saved; one reason per wrong field. */
export type StaffTypesRefusal = ApiError & { problems: TypeMappingProblem[] };

export interface WebhookKeyRequest {
  key: string;
}

/** The key is never sent back, only that it is stored. */
export interface WebhookKeySaved {
  webhookKey: "stored";
}

// ---- GET /audit?limit&before ----

export interface AuditEntryView {
  id: string;
  at: string;
  actor: { source: string; userId: string | null; email: string | null };
  action: string;
  target: string | null;
  /** The sentence the Activity tab shows. */
  summary: string;
}

export interface AuditPage {
  entries: AuditEntryView[];
  /** Pass as `before` for the next (older) page; null on the last one. */
  nextBefore: string | null;
}

// ---- DELETE /install ----

export interface UninstallResponse {
  uninstalled: boolean;
}
