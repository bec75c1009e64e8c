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
  /** Several contacts shared the caller's number: how many, the rule that picked this one, and whether a person should check. */
  match: { candidates: number; rule: AmbiguityRule; needsReview: boolean } | null;
  /** When a rep moved the call to this contact from another. */
  movedAt: string | null;
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
  /**
   * Synthflow: an API key lets the app fetch a recording again when the webhook's link has expired
   * (PUT /ui/v1/connections/:id/setup/api-key); whether one is stored. Null for other vendors.
   */
  recordingKey: { set: boolean } | null;
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

// ---- GET /call-log?status&vendor&from&to&limit&cursor, GET /call-log/quarantined/:id, POST /call-log/:callId/replay ----

/**
 * Where a call stands, as the Calls tab shows it: received (stored, not in HubSpot yet), synced,
 * retrying (HubSpot failed, retried with backoff), fallback (in the fallback queue, replayable),
 * waiting_auth (the portal must re-authorise the app), quarantined (a signed payload we could not
 * read), forgotten (deleted for privacy before it reached HubSpot).
 */
export type CallLogStatus = "received" | "synced" | "retrying" | "fallback" | "waiting_auth" | "quarantined" | "forgotten";

/** How the sync found the contact (server/contacts/resolve.ts); null: not recorded (synced before it was). */
export type MatchedVia = "index" | "search" | "created" | "conflict";

export interface CallLogEntry {
  /** The call's id, or the quarantined payload's (kind "quarantined"). */
  id: string;
  kind: "call" | "quarantined";
  status: CallLogStatus;
  vendor: string;
  /** When we received it. */
  at: string;
  startedAt: string | null;
  durationMs: number | null;
  /** Masked phone number. */
  caller: string | null;
  callerName: string | null;
  disposition: string | null;
  summary: string | null;
  contactId: string | null;
  matchedVia: MatchedVia | null;
  /** Several contacts shared the caller's number: how many, the portal's rule that picked this one, and whether a person should check it. */
  sharedNumber: { candidates: number; rule: string | null; needsReview: boolean } | null;
  /** When a rep moved the call to another contact from the card. */
  movedAt: string | null;
  /** The contact and the Call in HubSpot (portal-specific record pages). */
  contactUrl: string | null;
  hubspotCallUrl: string | null;
  /** Why it is retrying, in the fallback queue, waiting, or quarantined. */
  reason: string | null;
  /** Sent to HubSpot again with POST /call-log/:id/replay (a call in the fallback queue). */
  replayable: boolean;
}

export interface CallLogPage {
  entries: CallLogEntry[];
  /** Pass as `cursor` for the next (older) page; null on the last one. */
  nextCursor: string | null;
}

/** One quarantined payload as the vendor sent it (GET /call-log/quarantined/:id). */
export interface QuarantinedPayloadView {
  id: string;
  vendor: string;
  reason: string;
  receivedAt: string;
  /** The body as received, cut at `truncated` characters when longer. */
  body: string;
  truncated: number | null;
}

// ---- GET /call-log/overview ----

/** The last 30 days, days in the portal's booking time zone (UTC until one is set). */
export interface CallOverview {
  days: number;
  timezone: string;
  totals: { calls: number; synced: number; failing: number; bookings: number; escalations: number; newContacts: number };
  /** One row per day and disposition with calls ("unknown" when the call has none), oldest first. */
  perDay: { day: string; disposition: string; calls: number }[];
  /** One row per day and sentiment with calls, oldest first. */
  sentiment: { day: string; sentiment: string; calls: number }[];
}

// ---- GET /onboarding ----

export type OnboardingStepId = "connect" | "urls" | "first_call" | "booking";

export interface OnboardingStep {
  id: OnboardingStepId;
  done: boolean;
  /** The state from real data: "Retell AI connected", "last delivery 2 min ago", "no delivery yet". */
  detail: string;
  /** The settings tab where the next action is (connections, calls, booking). */
  tab: string;
  /** A URL to paste into the vendor's dashboard (the webhook URL of a connection without deliveries). */
  copyUrl: string | null;
  /** A page in HubSpot that shows it done (the first synced Call). */
  link: string | null;
}

export interface OnboardingResponse {
  steps: OnboardingStep[];
  allDone: boolean;
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

// Notifications tab (/ui/v1/notifications).
export type NotifyEvent = "escalation" | "fallback" | "overlap";
export type NotifyChannel = "slack" | "teams" | "email";

export interface NotifyChannelResultView {
  ok: boolean;
  reason?: string;
  /** ISO time of the send. */
  at: string;
}

export interface NotificationSettingsResponse {
  /** A configured webhook URL is never sent back: only where it points ("hooks.slack.com, …a1b2"). */
  slack: string | null;
  teams: string | null;
  email: string | null;
  events: NotifyEvent[];
  /** Whether this server can send e-mail at all (its operator set an SMTP relay). */
  canEmail: boolean;
  /** The last send on each channel, real or test. */
  lastResults: Partial<Record<NotifyChannel, NotifyChannelResultView>>;
}

export interface NotificationSettingsUpdateRequest {
  /** Omitted: keep the saved URL; null or "": remove it. */
  slackUrl?: string | null;
  teamsUrl?: string | null;
  email?: string | null;
  events: NotifyEvent[];
}

export interface NotificationSettingsSaved {
  saved: true;
}

export interface NotificationTestResponse {
  results: Partial<Record<NotifyChannel, { ok: boolean; reason?: string }>>;
}

// ---- GET /routing, PUT /routing (ambiguous callers, routing new callers; docs/routing.md) ----

/** Which contact a call lands on when several share the caller's number. */
export type AmbiguityRule = "most_recent_activity" | "oldest" | "has_owner" | "flag_for_review";
/** How a new caller (a contact the app creates) gets an owner. */
export type OwnerRule = "none" | "round_robin" | "zip" | "intent";

/** A user of the portal who can own contacts (HubSpot's owners API). */
export interface OwnerView {
  id: string;
  name: string;
  email: string;
}

/** A zip code, or the start of one, and who owns new callers there. */
export interface ZipRoute {
  prefix: string;
  ownerId: string;
}

/** A word of the call's intent or its service (any case), and who owns new callers asking for it. */
export interface IntentRoute {
  match: string;
  ownerId: string;
}

export interface RoutingSettingsView {
  ambiguityRule: AmbiguityRule;
  ownerRule: OwnerRule;
  roundRobinOwnerIds: string[];
  zipRoutes: ZipRoute[];
  intentRoutes: IntentRoute[];
  /** Owner of a new caller no zip or intent route matches; null: no owner. */
  fallbackOwnerId: string | null;
  /** Create a HubSpot Lead for each new caller. */
  createLeads: boolean;
}

export interface RoutingResponse extends RoutingSettingsView {
  /** The portal's owners; empty with `ownersError` when HubSpot did not answer. */
  owners: OwnerView[];
  ownersError: string | null;
  /** Why the last Lead was not created (the install lacks the Leads permission), and when; null when it was. */
  leadsSkipped: { reason: string; at: string } | null;
}

export type RoutingUpdateRequest = RoutingSettingsView;

export interface RoutingSaved {
  saved: true;
}

// ---- GET /contacts/search?q, POST /calls/:callId/move (the card's "Not Dana? Move this call") ----

/** A contact a rep can move a call to. */
export interface ContactChoice {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
}

export interface ContactSearchResponse {
  results: ContactChoice[];
}

export interface MoveCallRequest {
  toContactId: string;
}

export interface CallMoved {
  moved: true;
  callId: string;
  fromContactId: string;
  toContactId: string;
}

// ---- POST /preview: what a sample payload would do in this portal (nothing written to HubSpot) ----

export interface CallPreviewRequest {
  vendor: string;
  /** The vendor's own post-call payload, as JSON. */
  payload: unknown;
}

export interface PreviewMatch {
  kind: "existing" | "new";
  contactId: string | null;
  name: string | null;
  /** What matched: the app's index or HubSpot's search by phone, e-mail, or name + zip. */
  by: "phone" | "email" | "name_zip" | null;
  /** The sentence the page shows. */
  how: string;
  /** How many contacts matched (more than one: a shared number). */
  candidates: number;
}

export interface PreviewPropertyChange {
  field: string;
  property: string;
  policy: string;
  before: string | null;
  after: string | null;
  /** written: the sync would set it; kept: fill-if-empty and HubSpot has a value; unchanged: the same value; off: the rule is switched off. */
  outcome: "written" | "kept" | "unchanged" | "off";
}

export interface CallPreview {
  vendor: string;
  caller: { phone: string | null; email: string | null; name: string | null; zip: string | null };
  match: PreviewMatch;
  contactChanges: PreviewPropertyChange[];
  /** The Call's properties as they would be logged. */
  call: { property: string; value: string }[];
  escalation: string | null;
}
