// One small interface per calendar provider (server/booking/providers/<name>/). The PostgreSQL table
// of bookings is always the source of truth and the double-booking guard; a provider mirrors each
// booking into the staff member's calendar, reports time that is busy for other reasons, and tells us
// about events made directly in the calendar (push channel + incremental sync).

export type ProviderId = "builtin" | "google" | "microsoft" | "acuity" | "calendly" | "hubspot";

/** Every failure a provider throws is a CalendarError with a neutral kind (errors.ts). */
export { CalendarError, CalendarNotConnectedError, type CalendarErrorKind } from "./errors.js";

export interface BusyInterval {
  start: Date;
  end: Date;
  /** The provider's event id when known: our own events are recognised by it and skipped. */
  eventId?: string | null;
}

export interface CalendarEvent {
  /** Our booking id (a UUID): the idempotency key (Google event id = dashless UUID, Graph transactionId). */
  bookingId: string;
  title: string;
  description?: string;
  start: Date;
  end: Date;
  /** The staff member whose calendar holds the event. */
  organizerEmail: string;
  attendee: { name: string | null; email: string | null; phone: string | null };
  reminderMinutes: number[];
  timeZone: string;
  /** On a scheduling provider: the provider's own type this booking is of (Acuity appointment type). */
  type?: ExternalType;
}

/** A service type as a scheduling provider knows it, on the staff member's own calendar there. */
export interface ExternalType {
  /** Acuity appointment type id; Calendly event type uuid; HubSpot meeting link slug. */
  typeId: string;
  /** The staff member's calendar in the provider's account (Acuity calendar id); null: the account's only one. */
  calendarId: string | null;
  /** The zone the staff member's days are read in (their own, which should be their Acuity calendar's). */
  timeZone: string;
  /** The service's length: a HubSpot meeting link offers several and is asked for one. */
  durationMinutes: number;
}

/** A type the provider offers, to check a mapping against (its duration decides the service's). */
export interface ExternalTypeInfo {
  id: string;
  name: string;
  durationMinutes: number;
  /** Every length the type offers when it offers several (a HubSpot meeting link); a service may use any. */
  durationsMinutes?: number[];
}

/** One change a scheduling provider's webhook reported, already authenticated or not (see verify). */
export interface WebhookDelivery {
  /** Our subscription's id, from the URL we gave the provider. */
  channelId: string;
  /** Does the signature hold under the connection's signing key (Acuity: the account's API key)? */
  verify(signingKey: string): boolean;
  /** The provider's event (appointment) that changed, fetched afresh with `event`; null: not about one. */
  eventId: string | null;
  action: string;
}

/**
 * What a scheduling system (Acuity; later Calendly, HubSpot Meetings) adds to a calendar: it knows
 * which times are open for each of its types, is asked again right before a write, and books through
 * its own endpoint (create with `event.type`), which refuses a taken time (CalendarError "taken").
 * Our bookings table stays the double-booking guard; these replace working hours minus busy time.
 */
export interface SchedulingCapability {
  /** What the booker must give beyond a first name (Acuity and HubSpot refuse a booking without them): the AI asks first. */
  requires: readonly ("email" | "lastName")[];
  /** What the provider calls its types, for an admin's messages ("appointment type", "event type", "meeting link"). */
  typeLabel: string;
  /** The account's bookable types, to check a mapping (duration) when the staff member connects. */
  types(account: CalendarAccount): Promise<ExternalTypeInfo[]>;
  /** Free starts of the type on one day (YYYY-MM-DD in the provider calendar's zone): one request. */
  openings(account: CalendarAccount, type: ExternalType, day: string): Promise<Date[]>;
  /** Is `start` still open, asked right before writing; `movingEventId` does not block it (a reschedule). */
  check(account: CalendarAccount, type: ExternalType, start: Date, movingEventId?: string | null): Promise<boolean>;
  /** A request at our webhook URL, or null when it is not a delivery we subscribed to. */
  parseWebhook(request: { headers: Record<string, string | undefined>; query: Record<string, string | undefined>; rawBody: Buffer }): WebhookDelivery | null;
  /** The current state of one event (a webhook names only its id), as sync reports events. */
  event(account: CalendarAccount, eventId: string): Promise<ExternalEvent>;
}

/** The staff member's calendar, with a fresh access token on demand (refreshed by the caller). */
export interface CalendarAccount {
  /** Calendar owner's e-mail: Google calendar id "primary" belongs to it, Graph's /me is it. */
  email: string;
  accessToken(): Promise<string>;
  /**
   * A calendar reached through the portal's own HubSpot install (a meeting link): one JSON request on
   * the portal's token, under its shared rate limit. Fails like HubSpotClientFactory.requestJson.
   */
  hubspot?(method: "GET" | "POST" | "PATCH", path: string, body?: unknown): Promise<unknown>;
}

/** An event seen through incremental sync (Google syncToken, Graph delta). */
export interface ExternalEvent {
  id: string;
  start: Date | null;
  end: Date | null;
  /** Deleted or cancelled: no longer busy. */
  cancelled: boolean;
  /** Marked free / transparent: not busy. */
  free: boolean;
  /** Our booking id when the event is one we created (Google id / Graph transactionId), else null. */
  bookingId: string | null;
  /**
   * The calendar of the provider's account the event is on, when one account holds several staff
   * calendars (Acuity's calendarID); absent: the account's one calendar.
   */
  calendarId?: string;
  /**
   * A cancelled event that was rescheduled into another one (Calendly: a reschedule cancels the old
   * event and creates a new one): the event that replaces it, which a booking of ours follows.
   */
  replacedBy?: { id: string; start: Date; end: Date };
}

export interface ChangePage {
  events: ExternalEvent[];
  /** Cursor for the next incremental sync (Google nextSyncToken, Graph @odata.deltaLink). */
  cursor: string;
  /** True when the old cursor was refused (Google 410 Gone, Graph syncStateNotFound): the events are a full resync. */
  reset: boolean;
}

export interface PushChannel {
  /** Google channel id / Graph subscription id. */
  id: string;
  /** Google resourceId (needed to stop the channel); Graph: the subscription id again. */
  resourceId: string;
  expiresAt: Date;
  /** The key the provider signs this channel's webhooks with, when we chose it (Calendly); stored encrypted. */
  signingKey?: string;
}

/** What a push request to our notification URL turned out to be. */
export type PushNotice =
  /** Graph's subscription validation: answer 200 text/plain with this token. */
  | { kind: "validation"; token: string }
  /** Something changed on the channel: run an incremental sync. `secret` is Google's channel token / Graph's clientState. */
  | { kind: "changed"; channelId: string; secret: string | null }
  /** Google's "sync" message on channel creation, Graph lifecycle events: renew or resync. */
  | { kind: "lifecycle"; channelId: string; secret: string | null; event: "sync" | "reauthorizationRequired" | "subscriptionRemoved" | "missed" }
  | { kind: "ignored"; reason: string };

export interface CalendarProvider {
  id: ProviderId;
  /** The provider's name as staff and admins know it ("Google", "Microsoft 365"). */
  label: string;
  /**
   * Where the calendar's events live. "bookings": the bookings table is the calendar (the built-in
   * one): nothing to connect, no busy time of its own, and a booking row is its own event, so it is
   * confirmed (and its Meeting queued) in one write. "external": the staff member's own calendar,
   * connected with OAuth; each booking is mirrored into it as an event, and the Meeting waits for it.
   */
  events: "bookings" | "external";
  /** Busy time of the staff member's calendar between from and to, queried live. */
  busy(account: CalendarAccount, from: Date, to: Date): Promise<BusyInterval[]>;
  /** Create the event on the staff member's calendar (idempotent on bookingId); returns the provider's event id. */
  create(account: CalendarAccount, event: CalendarEvent): Promise<string>;
  /**
   * Move the same event (patch; never delete-and-recreate). A provider that can only cancel and
   * rebook (Calendly) returns the new event's id; the booking keeps one identity either way. Such a
   * provider calls `replaced` with the new id as soon as the new event exists, before it cancels the
   * old one, so the old event's cancellation is not taken for the booking's.
   */
  move(account: CalendarAccount, eventId: string, event: CalendarEvent, replaced?: (newEventId: string) => Promise<void>): Promise<string | void>;
  /** Cancel, notifying the attendee the way the provider does (Google sendUpdates=all, Graph cancel with a comment). */
  cancel(account: CalendarAccount, eventId: string, event: CalendarEvent, reason: string | null): Promise<void>;
  /** Incremental changes since the cursor (null: full sync of the coming weeks). */
  changes?(account: CalendarAccount, cursor: string | null): Promise<ChangePage>;
  /** Open a push channel that posts to notificationUrl, authenticated by secret. */
  watch?(account: CalendarAccount, notificationUrl: string, secret: string): Promise<PushChannel>;
  /** Close a push channel (uninstall, staff removed, renewal). */
  unwatch?(account: CalendarAccount, channel: PushChannel): Promise<void>;
  /** A scheduling system (Acuity): availability and booking are its own (see SchedulingCapability). */
  scheduling?: SchedulingCapability;
  /**
   * The provider's booking logs the contact's HubSpot Meeting itself (a HubSpot meeting link): the
   * Meeting outbox finds that Meeting on the contact named by the event id and updates it, and never
   * creates a second one.
   */
  ownMeeting?: { contactId(eventId: string): string | null };
  /**
   * What the booker gets from the provider itself when the AI changes a booking, so the caller is
   * told the truth. Default: an update of the same invitation on a move, a cancellation on a cancel.
   * Calendly and HubSpot meeting links rebook a move (a new confirmation); HubSpot cannot cancel.
   */
  tells?: { move: "update" | "new_confirmation"; cancel: "cancellation" | "nothing" };
  /** Classify a request that arrived at our notification URL. */
  parsePush?(request: { headers: Record<string, string | undefined>; query: Record<string, string | undefined>; body: unknown }): PushNotice[];
}

export interface OAuthTokens {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date;
}

/** The OAuth connection of one staff member's calendar. */
export interface CalendarOAuth {
  /** Where the staff member is sent to grant access (offline access, calendar scope). */
  authorizeUrl(options: { redirectUri: string; state: string; loginHint?: string }): string;
  /** Code from the callback -> tokens and the account's e-mail. */
  exchange(code: string, redirectUri: string): Promise<OAuthTokens & { email: string }>;
  refresh(refreshToken: string): Promise<OAuthTokens>;
}

/** Base URLs and app credentials of one provider (real endpoints in production, simulators in tests). */
export interface ProviderConfig {
  clientId: string;
  clientSecret: string;
  /** Google: https://www.googleapis.com ; Microsoft: https://graph.microsoft.com ; Acuity: https://acuityscheduling.com/api/v1 */
  apiBaseUrl: string;
  /** Google: https://accounts.google.com ; Microsoft: https://login.microsoftonline.com/common */
  authBaseUrl: string;
  /** Google: https://oauth2.googleapis.com/token ; Microsoft: {authBaseUrl}/oauth2/v2.0/token */
  tokenUrl: string;
}
