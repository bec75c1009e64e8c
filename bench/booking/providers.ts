import type { Calendars } from "../../server/booking/calendars.js";
import type { ProviderId } from "../../server/booking/providers/types.js";
import type { BookingSetup } from "../../server/booking/setup.js";
import { startAcuitySim } from "../../simulators/acuity/index.js";
import { startCalendlySim, type CalendlySim } from "../../simulators/calendly/index.js";
import { startGoogleSim } from "../../simulators/google/index.js";
import type { HubSpotSim } from "../../simulators/hubspot/index.js";
import { startMicrosoftSim } from "../../simulators/microsoft/index.js";

// The staff calendars the booking benchmark runs on, one entry per provider, each on its simulator
// with a given latency added to every request: what the web and worker are told (env), which URLs
// are the provider's (the provider wait is timed on them, provider-wait.ts), what a staff member's
// set-up names, and anything a connection needs besides the OAuth link every external calendar
// follows (Acuity's webhook key). A new provider is one more entry here.

export const TZ = "America/Los_Angeles";
export const HOURS = Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ["09:00", "17:00"]])) as Record<string, [string, string]>;
const WEEK = [0, 1, 2, 3, 4, 5, 6] as const;

export type StaffEntry = BookingSetup["staff"][number];

export interface ProviderRig {
  /** For the web and worker processes: the provider's client and base URLs. */
  env: Record<string, string>;
  /** URL prefixes of every request to the provider, API and OAuth. */
  urls: string[];
  /** Staff member `index`'s set-up entry (calendar, mapping), for the one service "Consultation" (30 minutes). */
  staff(index: number): StaffEntry;
  /** Every request the provider received so far (tool calls', webhooks' and sync's alike). */
  requests(): { method: string; path: string }[];
  /** Once the portal exists, before the set-up (a HubSpot meeting link lives in the portal itself). */
  prepare?(portalId: string): void;
  /** Once the staff member's OAuth link has been followed. */
  connected?(calendars: Calendars, staffId: string): Promise<void>;
  stop(): Promise<void>;
}

export interface BenchProvider {
  /** As the tables name it. */
  label: string;
  /** The provider's simulator, listening, with `latencyMs` before every answer. `hubspot` is the deployment's HubSpot. */
  start(options: { latencyMs: number; hubspot: HubSpotSim }): Promise<ProviderRig>;
}

const person = (index: number) => ({ name: `Staff ${index + 1}`, email: `staff${index + 1}@example.com` });

export const PROVIDERS = {
  builtin: {
    label: "built-in",
    async start() {
      return { env: {}, urls: [], requests: () => [], staff: (i) => ({ ...person(i), calendar: "builtin", hours: HOURS }), stop: async () => undefined };
    },
  },
  google: {
    label: "Google",
    async start({ latencyMs }) {
      const sim = await startGoogleSim({ latencyMs });
      const c = sim.config();
      return {
        env: { GOOGLE_CLIENT_ID: c.clientId, GOOGLE_CLIENT_SECRET: c.clientSecret, GOOGLE_API_BASE_URL: c.apiBaseUrl, GOOGLE_AUTH_BASE_URL: c.authBaseUrl, GOOGLE_TOKEN_URL: c.tokenUrl },
        urls: [sim.url],
        requests: () => sim.requests,
        staff: (i) => ({ ...person(i), calendar: "google", hours: HOURS }),
        stop: () => sim.stop(),
      };
    },
  },
  microsoft: {
    label: "Microsoft 365",
    async start({ latencyMs }) {
      const sim = await startMicrosoftSim({ latencyMs });
      const c = sim.config;
      return {
        env: { MICROSOFT_CLIENT_ID: c.clientId, MICROSOFT_CLIENT_SECRET: c.clientSecret, MICROSOFT_GRAPH_BASE_URL: c.apiBaseUrl, MICROSOFT_AUTH_BASE_URL: c.authBaseUrl, MICROSOFT_TOKEN_URL: c.tokenUrl },
        urls: [sim.url, new URL(sim.authBaseUrl).origin],
        requests: () => sim.requests,
        staff: (i) => ({ ...person(i), calendar: "microsoft", hours: HOURS }),
        stop: () => sim.stop(),
      };
    },
  },
  acuity: {
    label: "Acuity",
    // One Acuity account (the business) with a calendar per staff member, as Acuity is used.
    async start({ latencyMs }) {
      const everyDay = Object.fromEntries(Object.keys(HOURS).map((d) => [d, [HOURS[d]!]]));
      const sim = await startAcuitySim({ latencyMs, timezone: TZ, calendars: [0, 1, 2].map((i) => ({ ...person(i), hours: everyDay })), appointmentTypes: [{ name: "Consultation", duration: 30 }] });
      const c = sim.config();
      const type = sim.appointmentTypes()[0]!.id;
      return {
        env: { ACUITY_CLIENT_ID: c.clientId, ACUITY_CLIENT_SECRET: c.clientSecret, ACUITY_API_BASE_URL: c.apiBaseUrl, ACUITY_AUTH_BASE_URL: c.oauthBaseUrl },
        urls: [sim.url],
        requests: () => sim.requests,
        staff: (i) => ({ ...person(i), calendar: "acuity", hours: HOURS, acuity: { calendarId: sim.calendars()[i]!.id, appointmentTypes: { Consultation: type } } }),
        // Acuity signs its webhooks with the account's API key, which ops store (OAuth does not reveal it).
        connected: (calendars, staffId) => calendars.setWebhookKey(staffId, c.apiKey),
        stop: () => sim.stop(),
      };
    },
  },
  calendly: {
    label: "Calendly",
    // Calendly's 10 bookings a minute per user would refuse most of a latency run's 100 bookings on
    // three users: lifted here; the limit has its own run (calendly-limit.ts).
    start: async ({ latencyMs }) => calendlyRig(await startCalendlySim({ latencyMs, inviteeLimits: { perMinute: 10_000, perHour: 10_000, perDay: 10_000 } })),
  },
  hubspot: {
    label: "HubSpot meeting link",
    // The deployment's own HubSpot: a meeting link per staff member, every scheduler answer delayed.
    async start({ latencyMs, hubspot }) {
      hubspot.schedulerLatencyMs = latencyMs;
      const since = hubspot.requests.length;
      const slug = (i: number) => `staff-${i + 1}/consultation`;
      return {
        env: {},
        urls: [hubspot.url],
        requests: () => hubspot.requests.slice(since).filter((r) => r.path.startsWith("/scheduler/")),
        prepare(portalId) {
          for (const i of [0, 1, 2]) {
            const organizer = hubspot.addUser(portalId, { email: person(i).email });
            hubspot.addMeetingLink(portalId, { slug: slug(i), name: "Consultation", organizerUserId: organizer, durationsMs: [30 * 60_000], timezone: TZ, workingHours: [{ days: ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"], start: HOURS.mon![0], end: HOURS.mon![1] }], startIncrementMinutes: 30, weeksToAdvertise: 4 });
          }
        },
        staff: (i) => ({ ...person(i), calendar: "hubspot", hours: HOURS, hubspot: { links: { Consultation: slug(i) } } }),
        stop: async () => {
          hubspot.schedulerLatencyMs = 0;
        },
      };
    },
  },
} satisfies Partial<Record<ProviderId, BenchProvider>>;

export type BenchProviderId = keyof typeof PROVIDERS;

/** Staff on Calendly: a Calendly user each, their "30 Minute Meeting" as the Consultation. */
export function calendlyRig(sim: CalendlySim): ProviderRig {
  const c = sim.config();
  const hours = Object.fromEntries(WEEK.map((d) => [d, [{ from: HOURS.mon![0], to: HOURS.mon![1] }]]));
  return {
    env: { CALENDLY_CLIENT_ID: c.clientId, CALENDLY_CLIENT_SECRET: c.clientSecret, CALENDLY_API_BASE_URL: c.apiBaseUrl, CALENDLY_AUTH_BASE_URL: c.authBaseUrl },
    urls: [sim.url, sim.authUrl],
    requests: () => sim.requests,
    staff(i) {
      const { email, name } = person(i);
      sim.user(email, { name, timezone: TZ, hours });
      const [consultation] = sim.eventTypes(email);
      sim.updateEventType(consultation!.uri, { name: "Consultation", duration: 30 });
      return { name, email, calendar: "calendly", hours: HOURS, calendly: { eventTypes: { Consultation: consultation!.uri } } };
    },
    stop: () => sim.stop(),
  };
}
