import type { CalendarOAuth, CalendarProvider, ProviderConfig, ProviderId } from "./types.js";
import { builtinProvider } from "./builtin/index.js";
import { createGoogleCalendar } from "./google/index.js";
import { createMicrosoftCalendar } from "./microsoft/index.js";
import { createAcuityCalendar } from "./acuity/index.js";
import { createCalendlyCalendar } from "./calendly/index.js";
import { createHubSpotMeetings } from "./hubspot/index.js";

// The calendar providers, one folder each (Cal.com's app store): the only place that knows their ids.
// A staff member's `calendar` column is text; anything but a known connected id is the built-in one.

/** Calendars connected per staff member with their own OAuth (a HubSpot meeting link uses the portal's install instead). */
export type ExternalProviderId = Exclude<ProviderId, "builtin" | "hubspot">;
export const EXTERNAL_PROVIDERS = ["google", "microsoft", "acuity", "calendly"] as const satisfies readonly ExternalProviderId[];

/** A provider connected per staff member with OAuth. */
export type ExternalProvider = CalendarProvider & CalendarOAuth;

export function isExternalProvider(id: string): id is ExternalProviderId {
  return (EXTERNAL_PROVIDERS as readonly string[]).includes(id);
}

/** Calendars that ride on the portal's own HubSpot install (a meeting link): connected without a staff OAuth. */
export type PortalProviderId = "hubspot";
export const PORTAL_PROVIDERS = ["hubspot"] as const satisfies readonly PortalProviderId[];
/** Every calendar that must be connected before it is offered: the OAuth ones and the portal's own. */
export type ConnectedProviderId = ExternalProviderId | PortalProviderId;

export function isPortalProvider(id: string): id is PortalProviderId {
  return (PORTAL_PROVIDERS as readonly string[]).includes(id);
}

export function isConnectedProvider(id: string): id is ConnectedProviderId {
  return isExternalProvider(id) || isPortalProvider(id);
}

export function createPortalProviders(): Record<PortalProviderId, CalendarProvider> {
  return { hubspot: createHubSpotMeetings() };
}

const portalProviders = createPortalProviders();

/** For the Meeting outbox: how a booking on this calendar names the HubSpot Meeting its provider logged itself, or null (we log it). */
export function ownMeetingOf(calendar: string): NonNullable<CalendarProvider["ownMeeting"]> | null {
  return isPortalProvider(calendar) ? (portalProviders[calendar].ownMeeting ?? null) : null;
}

export function createExternalProviders(configs: Record<ExternalProviderId, ProviderConfig>): Record<ExternalProviderId, ExternalProvider> {
  return { google: createGoogleCalendar(configs.google), microsoft: createMicrosoftCalendar(configs.microsoft), acuity: createAcuityCalendar(configs.acuity), calendly: createCalendlyCalendar(configs.calendly) };
}

/** The provider of a staff member's calendar; without the connected ones (no Calendars) only the built-in one is known. */
export function providerOf(calendar: string, connected: Record<ConnectedProviderId, CalendarProvider> | null): CalendarProvider | null {
  if (!isConnectedProvider(calendar)) return builtinProvider;
  return connected?.[calendar] ?? null;
}
