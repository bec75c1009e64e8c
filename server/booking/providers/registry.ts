import type { CalendarOAuth, CalendarProvider, ProviderConfig, ProviderId } from "./types.js";
import { builtinProvider } from "./builtin/index.js";
import { createGoogleCalendar } from "./google/index.js";
import { createMicrosoftCalendar } from "./microsoft/index.js";
import { createAcuityCalendar } from "./acuity/index.js";
import { createCalendlyCalendar } from "./calendly/index.js";

// The calendar providers, one folder each (Cal.com's app store): the only place that knows their ids.
// A staff member's `calendar` column is text; anything but a known external id is the built-in one.

/** Calendars connected per staff member with their own OAuth (a HubSpot meeting link uses the portal's install instead). */
export type ExternalProviderId = Exclude<ProviderId, "builtin" | "hubspot">;
export const EXTERNAL_PROVIDERS = ["google", "microsoft", "acuity", "calendly"] as const satisfies readonly ExternalProviderId[];

/** A provider connected per staff member with OAuth. */
export type ExternalProvider = CalendarProvider & CalendarOAuth;

export function isExternalProvider(id: string): id is ExternalProviderId {
  return (EXTERNAL_PROVIDERS as readonly string[]).includes(id);
}

export function createExternalProviders(configs: Record<ExternalProviderId, ProviderConfig>): Record<ExternalProviderId, ExternalProvider> {
  return { google: createGoogleCalendar(configs.google), microsoft: createMicrosoftCalendar(configs.microsoft), acuity: createAcuityCalendar(configs.acuity), calendly: createCalendlyCalendar(configs.calendly) };
}

/** The provider of a staff member's calendar; without the external ones (no Calendars) only the built-in one is known. */
export function providerOf(calendar: string, external: Record<ExternalProviderId, ExternalProvider> | null): CalendarProvider | null {
  if (!isExternalProvider(calendar)) return builtinProvider;
  return external?.[calendar] ?? null;
}
