import { Prisma, type Db } from "../db/client.js";
import { decrypt, sealedFor } from "../config/crypto.js";
import { logger } from "../config/logger.js";
import { CalendarError } from "./providers/errors.js";
import type { CalendarAccount, CalendarProvider, ExternalEvent, ExternalTypeInfo } from "./providers/types.js";
import { claim, meetingChange } from "./writes.js";

// A scheduling system's webhooks (Acuity's appointment.*, Calendly's invitee.created / canceled) and the
// check of a staff member's type mapping. A delivery names only the appointment: after its signature
// holds (the connection's signing key), the appointment's current state is fetched and applied, so a
// duplicate or a delivery that arrives after a later one changes nothing. An appointment of ours
// moved or cancelled in the provider moves or cancels our booking (history appended, Meeting
// updated); anyone else's becomes (or stops being) busy time in ExternalBusy.

const log = logger("booking.calendar-webhooks");

type Staff = { id: string; portalId: string; email: string; calendar: string };

export interface WebhookDeps {
  db: Db;
  encryptionKey: string;
  provider(id: string): CalendarProvider | null;
  account(staff: Staff): Promise<CalendarAccount>;
}

export type WebhookOutcome =
  | { outcome: "applied"; change: "busy" | "free" | "moved" | "cancelled" }
  | { outcome: "unchanged" }
  | { outcome: "ignored"; reason: string }
  | { outcome: "refused"; reason: string }
  /** The provider could not be asked for the appointment (it is down, or our access is gone). */
  | { outcome: "unavailable"; reason: string };

export async function handleWebhook(deps: WebhookDeps, providerId: string, request: { headers: Record<string, string | undefined>; query: Record<string, string | undefined>; rawBody: Buffer }): Promise<WebhookOutcome> {
  // 1. Verify: a channel of ours on this provider, signed with its connection's key.
  const scheduling = deps.provider(providerId)?.scheduling;
  const delivery = scheduling?.parseWebhook(request);
  if (!scheduling || !delivery) return { outcome: "refused", reason: "not a delivery to one of our channels" };
  const connection = await deps.db.calendarConnection.findUnique({ where: { channelId: delivery.channelId }, include: { staff: true } });
  if (!connection || connection.provider !== providerId) return { outcome: "refused", reason: "unknown channel" };
  if (!connection.webhookKeyEnc) return { outcome: "refused", reason: "no signing key stored for this calendar (booking webhook-key)" };
  if (!delivery.verify(decrypt(connection.webhookKeyEnc, deps.encryptionKey, sealedFor("CalendarConnection", "webhookKeyEnc", connection.staffId)))) return { outcome: "refused", reason: "bad signature" };
  if (!delivery.eventId) return { outcome: "ignored", reason: `not about an appointment (${delivery.action || "no action"})` };
  // 2. The appointment as it is now, whatever order the deliveries came in.
  let event: ExternalEvent;
  try {
    event = await scheduling.event(await deps.account(connection.staff), delivery.eventId);
  } catch (error) {
    if (!(error instanceof CalendarError)) throw error;
    log.warn({ staffId: connection.staffId, err: error.message }, "the changed appointment could not be read");
    return { outcome: "unavailable", reason: error.message };
  }
  return applyEvent(deps.db, connection.staffId, event, connection.staff.externalCalendarId);
}

/**
 * One event's current state, applied: to our booking when it is ours, else to the staff member's busy
 * time. `calendarId` is the staff member's calendar in the provider's account: a provider whose
 * webhooks are the account's (Acuity) tells every staff member of an event on anyone's calendar, and
 * an event on another calendar is not this staff member's busy time (or has just left it).
 */
export async function applyEvent(db: Db, staffId: string, event: ExternalEvent, calendarId: string | null = null): Promise<WebhookOutcome> {
  const booking = await findOurs(db, staffId, event.id);
  if (!booking) {
    const elsewhere = !!calendarId && event.calendarId !== undefined && event.calendarId !== calendarId;
    const gone = elsewhere || event.cancelled || event.free || !event.start || !event.end;
    if (gone) {
      const removed = await db.externalBusy.deleteMany({ where: { staffId, eventId: event.id } });
      return removed.count ? { outcome: "applied", change: "free" } : { outcome: "unchanged" };
    }
    // Our own new appointment, announced before its id is saved with the booking, is not someone else's.
    if (await db.booking.findFirst({ where: { staffId, status: "confirmed", externalEventId: null, startAt: event.start! } })) return { outcome: "unchanged" };
    const existing = await db.externalBusy.findUnique({ where: { staffId_eventId: { staffId, eventId: event.id } } });
    if (existing && existing.startAt.getTime() === event.start!.getTime() && existing.endAt.getTime() === event.end!.getTime()) return { outcome: "unchanged" };
    await db.externalBusy.upsert({ where: { staffId_eventId: { staffId, eventId: event.id } }, create: { staffId, eventId: event.id, startAt: event.start!, endAt: event.end! }, update: { startAt: event.start!, endAt: event.end! } });
    // Written, then checked: our booking may have taken this event meanwhile (a concurrent delivery of
    // the reschedule that replaced its event, or the booking naming its new event). That writer
    // updates the booking first and deletes the busy row after, so one of the two sees the other.
    if (await findOurs(db, staffId, event.id)) {
      await db.externalBusy.deleteMany({ where: { staffId, eventId: event.id } });
      return { outcome: "unchanged" };
    }
    return { outcome: "applied", change: "busy" };
  }
  if (booking.status !== "confirmed") return { outcome: "unchanged" };
  const at = new Date().toISOString();
  // Rescheduled in the provider as a new event (Calendly): the booking follows it, as a move.
  if (event.cancelled && event.replacedBy) return follow(db, booking, event.replacedBy);
  if (event.cancelled) {
    const entry = { at, action: "cancelled", source: "calendar", reason: "cancelled in the calendar" };
    const done = await db.booking.updateMany({ where: { id: booking.id, status: "confirmed" }, data: { status: "cancelled", history: [...((booking.history as unknown[]) ?? []), entry] as Prisma.InputJsonValue, ...meetingChange("cancelled") } });
    if (done.count) log.info({ portalId: booking.portalId, bookingId: booking.id }, "booking cancelled in the calendar");
    return done.count ? { outcome: "applied", change: "cancelled" } : { outcome: "unchanged" };
  }
  if (!event.start || !event.end) return { outcome: "unchanged" };
  return follow(db, booking, { id: event.id, start: event.start, end: event.end });
}

type OurBooking = NonNullable<Awaited<ReturnType<typeof findOurs>>>;
const findOurs = (db: Db, staffId: string, eventId: string) => db.booking.findFirst({ where: { staffId, externalEventId: eventId }, include: { serviceType: true } });

/** Our booking moved in the calendar to `to` (the same event, or the one that replaced it). */
async function follow(db: Db, booking: OurBooking, to: { id: string; start: Date; end: Date }): Promise<WebhookOutcome> {
  const { start, end } = to;
  const replaced = to.id !== booking.externalEventId;
  if (start.getTime() === booking.startAt.getTime() && end.getTime() === booking.endAt.getTime() && !replaced) return { outcome: "unchanged" };
  const at = new Date().toISOString();
  const blockEnd = new Date(end.getTime() + booking.serviceType.bufferMinutes * 60_000);
  const entry = { at, action: "rescheduled", source: "calendar", from: booking.startAt.toISOString(), to: start.toISOString(), ...(replaced ? { fromEvent: booking.externalEventId, toEvent: to.id } : {}) };
  let count = 0;
  // The exclusion constraint still guards our own data: a move onto a time we gave someone else is refused.
  const landed = await claim(async () => {
    count = (await db.booking.updateMany({ where: { id: booking.id, status: "confirmed", startAt: booking.startAt, externalEventId: booking.externalEventId }, data: { startAt: start, endAt: end, blockEndAt: blockEnd, ...(replaced ? { externalEventId: to.id } : {}), history: [...((booking.history as unknown[]) ?? []), entry] as Prisma.InputJsonValue, ...meetingChange("rescheduled") } })).count;
  });
  // The replacing event, if it was announced first, was taken for someone else's busy time.
  if (landed && count && replaced) await db.externalBusy.deleteMany({ where: { staffId: booking.staffId, eventId: to.id } });
  if (!landed) log.warn({ portalId: booking.portalId, bookingId: booking.id }, "a booking moved in the calendar onto time we had given to another booking: left at its old time");
  return landed && count ? { outcome: "applied", change: "moved" } : { outcome: "unchanged" };
}

/**
 * Checks a staff member's mapping against the provider's types: a type that is gone or lasts
 * otherwise than its service gets a readable problem, and is not offered until it is fixed.
 */
export async function checkTypes(deps: WebhookDeps, staff: Staff): Promise<{ service: string; type: string; problem: string | null }[]> {
  const provider = deps.provider(staff.calendar);
  if (!provider?.scheduling) return [];
  const links = await deps.db.staffServiceType.findMany({ where: { staffId: staff.id }, include: { serviceType: true } });
  if (!links.length) return [];
  const types = await provider.scheduling.types(await deps.account(staff));
  const checked = [];
  for (const link of links) {
    const service = link.serviceType;
    const problem = typeProblem(provider, types, link.externalTypeId, service);
    // updateMany: a mapping saved again meanwhile may have dropped this row, which is then nothing to mark.
    await deps.db.staffServiceType.updateMany({ where: { staffId: staff.id, serviceTypeId: service.id, externalTypeId: link.externalTypeId }, data: { problem } });
    checked.push({ service: service.name, type: link.externalTypeId, problem });
  }
  return checked;
}

/**
 * Why a type cannot serve a service, or null: the one wording for the check above and for a mapping
 * saved on the settings page (scheduling-setup.ts), so both say the same thing.
 */
export function typeProblem(provider: Pick<CalendarProvider, "label" | "scheduling">, types: ExternalTypeInfo[], typeId: string, service: { name: string; durationMinutes: number }): string | null {
  const type = types.find((t) => t.id === typeId);
  if (!type) return `${provider.label} has no active ${provider.scheduling?.typeLabel ?? "type"} ${typeId} for ${service.name}`;
  const lengths = type.durationsMinutes ?? [type.durationMinutes];
  if (lengths.includes(service.durationMinutes)) return null;
  return `${provider.label}'s "${type.name}" (${type.id}) lasts ${lengths.join(" or ")} minutes but ${service.name} lasts ${service.durationMinutes}: make them the same, or map another type`;
}
