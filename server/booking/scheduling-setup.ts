import { z } from "zod";
import type { Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import type { Calendars } from "./calendars.js";
import { typeProblem } from "./calendar-webhooks.js";
import { CalendarError, CalendarNotConnectedError, type CalendarErrorKind } from "./providers/errors.js";
import type { CalendarProvider, ExternalTypeInfo } from "./providers/types.js";
import type { MappedTypeView, StaffTypesResponse, TypeMappingProblem, WebhookKeyState } from "../../hubspot-app/app/shared/api.js";

// What an admin sets up on the settings page for a staff member on a scheduling system (Acuity,
// Calendly, a HubSpot meeting link): which of its types serves each service, their calendar in the
// account, and the key its change notifications are signed with when that key is the account's own
// (Acuity's API key). The CLI writes the same rows (setup.ts, `booking webhook-key`).

const log = logger("booking.scheduling-setup");

type Staff = { id: string; portalId: string; email: string; name: string; calendar: string; externalCalendarId: string | null };

export interface SchedulingSetupDeps {
  db: Db;
  calendars: Pick<Calendars, "provider" | "offeredTypes" | "checkTypes" | "refused" | "setWebhookKey">;
}

/** Why a staff member's types cannot be listed (or a key stored) right now. */
export type Unavailable =
  /** The built-in calendar, Google, Microsoft 365: services are booked on it within working hours, nothing maps. */
  | { outcome: "no_types"; label: string }
  | { outcome: "not_connected"; label: string; reason: string }
  | { outcome: "unreachable"; label: string; kind: CalendarErrorKind; retryAfterMs: number | null };

export type ListTypesOutcome = { outcome: "listed"; view: StaffTypesResponse } | Unavailable;

export type SaveTypesOutcome =
  | { outcome: "saved"; view: StaffTypesResponse }
  | { outcome: "refused"; problems: TypeMappingProblem[] }
  /** The staff member's calendar or the service types changed between the check and the save. */
  | { outcome: "changed" }
  | Unavailable;

export const typeMappingSchema = z.object({
  types: z
    .record(z.string(), z.string({ error: "a type is chosen by its id" }).trim().min(1, "choose a type, or leave the service out").max(200, "not an id this calendar gives"))
    .refine((types) => Object.keys(types).length <= 200, "at most 200 services"),
  calendarId: z
    .string({ error: "a calendar id is text" })
    .trim()
    .regex(/^\d{0,20}$/, "an Acuity calendar id is a number")
    .optional()
    .transform((id) => id || null),
});

export const webhookKeySchema = z.object({
  key: z.string({ error: "paste the key" }).trim().min(8, "that is too short for an API key").max(500, "that is too long for an API key").regex(/^\S+$/, "a key has no spaces"),
});

/** The request's own mistakes, one per field, named as the page shows them. */
export function shapeProblems(issues: readonly { path: readonly PropertyKey[]; message: string }[]): TypeMappingProblem[] {
  return issues.map((issue) => {
    const [field, service] = issue.path;
    if (field === "types" && typeof service === "string") return { service, field: "type", error: `"${service}": ${issue.message}` };
    if (field === "calendarId") return { service: null, field: "calendarId", error: `calendar id: ${issue.message}` };
    return { service: null, field: null, error: issue.message };
  });
}

/** One row per service type: the type mapped to it for this staff member (or none) and its problem. */
export function mappingRows(services: { id: string; name: string }[], links: { serviceTypeId: string; externalTypeId: string; problem: string | null }[]): MappedTypeView[] {
  return services.map((service) => {
    const link = links.find((l) => l.serviceTypeId === service.id);
    return { service: service.name, typeId: link?.externalTypeId ?? null, problem: link?.problem ?? null };
  });
}

/**
 * Whether an admin has a key to give for this calendar, and whether it is stored. Only once the
 * calendar is connected and its webhook subscription made is it known whose key signs it: a key the
 * subscription brought is the app's own (Calendly), otherwise it is the account's (Acuity).
 */
export function webhookKeyState(hasTypes: boolean, calendar: string, connection: { provider: string; channelId: string | null; webhookKeyEnc: string | null; webhookKeyFromChannel: boolean } | null): WebhookKeyState {
  if (!hasTypes || !connection || connection.provider !== calendar || !connection.channelId || connection.webhookKeyFromChannel) return null;
  return connection.webhookKeyEnc ? "stored" : "missing";
}

/** The types the staff member's calendar offers, asked live, or why they cannot be. */
async function offered(deps: SchedulingSetupDeps, member: Staff): Promise<{ provider: CalendarProvider; types: ExternalTypeInfo[] } | Unavailable> {
  const provider = deps.calendars.provider(member);
  try {
    const types = await deps.calendars.offeredTypes(member);
    return types ? { provider, types } : { outcome: "no_types", label: provider.label };
  } catch (error) {
    if (error instanceof CalendarNotConnectedError) return { outcome: "not_connected", label: provider.label, reason: error.reason };
    if (!(error instanceof CalendarError)) throw error;
    if (error.kind === "auth") {
      await deps.calendars.refused(member, error);
      return { outcome: "not_connected", label: provider.label, reason: "it refused our access: reconnect it" };
    }
    log.warn({ portalId: member.portalId, staffId: member.id, kind: error.kind, err: error.message }, "the staff member's calendar types could not be listed");
    return { outcome: "unreachable", label: provider.label, kind: error.kind, retryAfterMs: error.retryAfterMs };
  }
}

async function view(db: Db, member: Staff, provider: CalendarProvider, types: ExternalTypeInfo[]): Promise<StaffTypesResponse> {
  const [services, links, connection, row] = await Promise.all([
    db.serviceType.findMany({ where: { portalId: member.portalId }, orderBy: { name: "asc" } }),
    db.staffServiceType.findMany({ where: { staffId: member.id } }),
    db.calendarConnection.findUnique({ where: { staffId: member.id } }),
    db.staffMember.findUniqueOrThrow({ where: { id: member.id }, select: { externalCalendarId: true } }),
  ]);
  return {
    staffId: member.id,
    provider: provider.label,
    types: types.map((t) => ({ id: t.id, name: t.name, durationMinutes: t.durationMinutes, ...(t.durationsMinutes ? { durationsMinutes: t.durationsMinutes } : {}) })),
    mapping: mappingRows(services, links),
    calendarId: row.externalCalendarId,
    webhookKey: webhookKeyState(true, member.calendar, connection),
  };
}

/** GET: what the calendar offers and what serves each service now. */
export async function listTypes(deps: SchedulingSetupDeps, member: Staff): Promise<ListTypesOutcome> {
  const found = await offered(deps, member);
  if ("outcome" in found) return found;
  return { outcome: "listed", view: await view(deps.db, member, found.provider, found.types) };
}

/**
 * PUT: every field checked against the portal's services and the calendar's types (one reason per
 * wrong field, in checkTypes' words), nothing saved unless all hold; then the staff member's mapping
 * is replaced and checked again as the calendar connect does.
 */
export async function saveTypes(deps: SchedulingSetupDeps, member: Staff, request: z.output<typeof typeMappingSchema>): Promise<SaveTypesOutcome> {
  // 1. The calendar's types, live.
  const found = await offered(deps, member);
  if ("outcome" in found) return found;

  // 2. Each field: a service of this portal, served by a type the calendar offers, of its length.
  const services = await deps.db.serviceType.findMany({ where: { portalId: member.portalId }, orderBy: { name: "asc" } });
  const problems: TypeMappingProblem[] = [];
  const rows: { serviceTypeId: string; externalTypeId: string }[] = [];
  for (const [name, typeId] of Object.entries(request.types)) {
    const service = services.find((s) => s.name === name);
    const problem = service ? typeProblem(found.provider, found.types, typeId, service) : `"${name}" is not one of the services (${services.map((s) => s.name).join(", ")})`;
    if (problem) problems.push({ service: name, field: "type", error: problem });
    else rows.push({ serviceTypeId: service!.id, externalTypeId: typeId });
  }
  if (problems.length) return { outcome: "refused", problems };

  // 3. Saved as a whole. Saves of one portal's set-up queue behind each other on its settings row;
  //    a calendar or a service changed since step 1 is a refusal, not a mapping of something else.
  const saved = await deps.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT "portalId" FROM "BookingSettings" WHERE "portalId" = ${member.portalId} FOR UPDATE`;
    const current = await tx.staffMember.findFirst({ where: { id: member.id, portalId: member.portalId }, select: { calendar: true } });
    const kept = await tx.serviceType.count({ where: { portalId: member.portalId, id: { in: rows.map((r) => r.serviceTypeId) } } });
    if (current?.calendar !== member.calendar || kept !== rows.length) return false;
    await tx.staffMember.update({ where: { id: member.id }, data: { externalCalendarId: request.calendarId } });
    await tx.staffServiceType.deleteMany({ where: { staffId: member.id } });
    if (rows.length) await tx.staffServiceType.createMany({ data: rows.map((r) => ({ staffId: member.id, ...r, problem: null })) });
    return true;
  });
  if (!saved) return { outcome: "changed" };

  // 4. Checked again as on connect (the problems it finds are stored); the rows stand if the calendar went quiet meanwhile.
  await deps.calendars.checkTypes(member).catch((error: unknown) => {
    if (!(error instanceof CalendarError)) throw error;
    log.warn({ portalId: member.portalId, staffId: member.id, err: error.message }, "the saved mapping could not be checked again; it was checked before saving");
  });
  return { outcome: "saved", view: await view(deps.db, member, found.provider, found.types) };
}

export type WebhookKeyOutcome =
  | { outcome: "stored" }
  /** The app chose the key when it made the webhook subscription (Calendly): there is none to give. */
  | { outcome: "chosen_by_app"; label: string }
  /** Connected, but the webhook subscription is not made yet (it is retried by the worker's upkeep). */
  | { outcome: "no_subscription"; label: string }
  | Exclude<Unavailable, { outcome: "unreachable" }>;

/** Stores the key an admin gives, where the calendar signs with a key of the account's own (Acuity's API key). */
export async function storeWebhookKey(deps: SchedulingSetupDeps, member: Staff, key: string): Promise<WebhookKeyOutcome> {
  const provider = deps.calendars.provider(member);
  if (!provider.scheduling) return { outcome: "no_types", label: provider.label };
  const connection = await deps.db.calendarConnection.findUnique({ where: { staffId: member.id } });
  if (!connection || connection.provider !== member.calendar) return { outcome: "not_connected", label: provider.label, reason: "not connected yet" };
  if (connection.webhookKeyFromChannel) return { outcome: "chosen_by_app", label: provider.label };
  if (!connection.channelId) return { outcome: "no_subscription", label: provider.label };
  await deps.calendars.setWebhookKey(member.id, key);
  return { outcome: "stored" };
}

/** The sentence for a refused key, for the settings page and the CLI alike. */
export function webhookKeyRefusal(member: { name: string }, outcome: Exclude<WebhookKeyOutcome, { outcome: "stored" }>): string {
  switch (outcome.outcome) {
    case "chosen_by_app":
      return `Nothing was stored: ${outcome.label} signs ${member.name}'s change notifications with a key the app chose when the calendar was connected, so there is no key to give.`;
    case "no_subscription":
      return `Nothing was stored: ${member.name}'s ${outcome.label} has no change notifications set up yet (the app retries within minutes). Try again shortly.`;
    case "not_connected":
      return `Nothing was stored: connect ${member.name}'s ${outcome.label} first (${outcome.reason}).`;
    case "no_types":
      return `Nothing was stored: ${member.name} uses ${outcome.label}, which needs no key from you.`;
    default: {
      const unreachable: never = outcome;
      throw new Error(`unhandled outcome ${JSON.stringify(unreachable)}`);
    }
  }
}
