import { randomUUID } from "node:crypto";
import { Prisma, sql, type Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import { answer, type BookingAnswer, type BookingOutcome } from "./answers.js";
import { findFreeSlots, type SlotSearch } from "./availability.js";
import { builtinCalendarsOnly, type OpenCalendar, type StaffCalendars } from "./calendars.js";
import { Holds, OFFERED } from "./holds.js";
import { findBooking, purgeReferenceLookups } from "./lookup.js";
import { SetupCache } from "./portal-setup.js";
import { CalendarError, CalendarNotConnectedError, type CalendarErrorKind } from "./providers/errors.js";
import type { ExternalType } from "./providers/types.js";
import { newReference } from "./reference.js";
import { matchService, parseDay, parseTimeWindow } from "./request.js";
import { externalTypes, OpeningsCache } from "./scheduling.js";
import { blockOf, overlaps, withinHours } from "./slots.js";
import { isValidTimeZone, localDate } from "./time.js";
import { eventOf, type CallerContext, type Service, type Settings, type Slot, type Staff } from "./types.js";
import { claim, confirm, meetingChange, withdraw, withFreshReference } from "./writes.js";

// Availability, holds, booking, rescheduling and cancelling, for the live tools: each step returns a
// BookingOutcome, which answers.ts turns into the sentence the AI says. Double booking is impossible in
// our own data (writes.ts); an external calendar's busy time is browsed from the synced copy
// (ExternalBusy), asked live right before writing, and re-read right after: if a foreign event landed
// in between, our event is cancelled and the caller offered alternatives (calendars.md). A scheduling
// system (Acuity: providers/types.ts SchedulingCapability) is asked itself instead: its openings for
// the service's mapped type, a live check before writing, and a booking it refuses as taken is
// withdrawn and the caller offered alternatives in the same answer. A calendar's
// failure is a CalendarError (providers/errors.ts) and becomes `calendar_unavailable`; anything else
// is a bug and is thrown.

const log = logger("booking");

export type { BookingAnswer, ToolAnswer } from "./answers.js";
export type { CallerContext } from "./types.js";

export interface SchedulerOptions {
  /** Staff calendars (Google, Microsoft); without it only staff on the built-in calendar are booked. */
  calendars?: StaffCalendars | null;
  now?: () => Date;
  /** How long a portal's set-up (settings, services, staff) is reused between tool calls, in ms. */
  setupCacheMs?: number;
  /** Draws a booking reference; injectable so a clash can be tested. */
  newReference?: () => string;
}

/** The kind of a calendar failure; anything that is not a CalendarError is a bug and is thrown on. */
function calendarFailure(error: unknown): CalendarErrorKind {
  if (error instanceof CalendarError) return error.kind;
  throw error;
}

const reason = (error: unknown) => (error as Error).message;

export class Scheduler {
  private readonly calendars: StaffCalendars;
  private readonly now: () => Date;
  private readonly newReference: () => string;
  private readonly setups: SetupCache;
  private readonly holds: Holds;
  private readonly openings = new OpeningsCache();

  constructor(
    private readonly db: Db,
    options: SchedulerOptions = {},
  ) {
    this.calendars = options.calendars ?? builtinCalendarsOnly;
    this.now = options.now ?? (() => new Date());
    this.newReference = options.newReference ?? newReference;
    this.setups = new SetupCache(db, options.setupCacheMs ?? 2_000);
    this.holds = new Holds(db, this.now);
  }

  /** check_availability: 2-3 real open slots, each held for a few minutes for this caller. */
  async checkAvailability(caller: CallerContext, args: { service_type?: string; date?: string; time_window?: string; timezone?: string }): Promise<BookingAnswer> {
    return answer(await this.offer(caller, args), this.now());
  }

  /** book_appointment: the held slot (or any free one at that time) becomes a confirmed booking. */
  async book(caller: CallerContext, args: { service_type?: string; start?: string; name?: string; email?: string }): Promise<BookingAnswer> {
    return answer(await this.confirmBooking(caller, args), this.now());
  }

  /** reschedule_appointment: the same booking (and the same calendar event) moves. */
  async reschedule(caller: CallerContext, args: { new_start?: string; booking_id?: string }): Promise<BookingAnswer> {
    return answer(await this.move(caller, args), this.now());
  }

  /** cancel_appointment: cancelled, the attendee notified by the provider. */
  async cancel(caller: CallerContext, args: { booking_id?: string; reason?: string }): Promise<BookingAnswer> {
    return answer(await this.cancelBooking(caller, args), this.now());
  }

  /** Expired holds of everyone: the worker's upkeep, so the table does not grow. */
  purgeExpiredHolds(): Promise<number> {
    return this.holds.purgeExpired();
  }

  /** Failed-lookup counts of calls that ended long ago: the worker's upkeep. */
  purgeReferenceLookups(): Promise<number> {
    return purgeReferenceLookups(this.db, this.now());
  }

  // --- The steps ---------------------------------------------------------------------------------

  private async service(portalId: string, asked: string | undefined): Promise<{ service: Service } | { outcome: BookingOutcome }> {
    const { services } = await this.setups.get(portalId);
    const service = asked ? matchService(services, asked) : null;
    return service ? { service } : { outcome: { kind: "unknown_service", asked, services } };
  }

  /** A start the caller gave (ISO 8601 from the AI), refused when unreadable or past. */
  private start(raw: string | undefined, action: "book" | "reschedule"): Date | BookingOutcome {
    const start = raw ? new Date(raw) : null;
    if (!start || Number.isNaN(start.getTime())) return { kind: "bad_start", action };
    if (start.getTime() < this.now().getTime()) return { kind: "past_start", action };
    return start;
  }

  private async offer(caller: CallerContext, args: { service_type?: string; date?: string; time_window?: string; timezone?: string }): Promise<BookingOutcome> {
    const { settings } = await this.setups.get(caller.portalId);
    if (!settings) return { kind: "not_set_up", action: "book" };
    const found = await this.service(caller.portalId, args.service_type);
    if ("outcome" in found) return found.outcome;
    const { service } = found;
    const timeZone = args.timezone && isValidTimeZone(args.timezone) ? args.timezone : settings.timezone;
    const day = parseDay(args.date, localDate(this.now(), settings.timezone));
    if (!day.ok) return day.reason === "past" ? { kind: "past_date" } : { kind: "bad_date", heard: args.date! };
    const window = parseTimeWindow(args.time_window);
    if (!window.ok) return { kind: "bad_time_window", heard: args.time_window! };

    await this.holds.release(caller);
    // Callers asking the same question at once are served together (holds.ts): every free staff
    // member at each start is read, so they can be given the same times with different staff.
    const search: SlotSearch = { date: day.date, window: window.window, timeZone, everyStaff: true };
    const question = JSON.stringify([service.id, search.date, search.window ?? null, timeZone]);
    const slots = await this.holds.holdSlots({ caller, settings, service, question, search: (limit) => this.freeSlots(caller.portalId, settings, service, search, limit) });
    return slots.length ? { kind: "offered", service, timeZone, slots } : { kind: "no_openings", service };
  }

  private async confirmBooking(caller: CallerContext, args: { service_type?: string; start?: string; name?: string; email?: string }): Promise<BookingOutcome> {
    const setup = await this.setups.get(caller.portalId);
    const { settings } = setup;
    if (!settings) return { kind: "not_set_up", action: "book" };
    const found = await this.service(caller.portalId, args.service_type);
    if ("outcome" in found) return found.outcome;
    const { service } = found;
    const start = this.start(args.start, "book");
    if (!(start instanceof Date)) return start;
    const { end, blockEnd } = blockOf(service, start);

    const held = await this.holds.find(caller, start, service.id);
    const heldStaff = held ? (setup.staff.find((s) => s.id === held.staffId) ?? (await this.db.staffMember.findUniqueOrThrow({ where: { id: held.staffId } }))) : null;
    const candidates = heldStaff ? [heldStaff] : setup.staff;
    const who = { name: args.name ?? caller.name ?? null, email: args.email ?? caller.email ?? null, phone: caller.phone };
    let trouble: CalendarErrorKind | null = null;
    let missing: ("email" | "lastName")[] = [];
    for (const staff of candidates) {
      // 1. The staff member works then, their calendar can be used, and it is free right now (live).
      //    A scheduling system knows its own hours and is asked whether the mapped type is open then.
      const calendar = await this.open(staff);
      if (!calendar) continue;
      const { scheduling } = calendar.provider;
      const type = scheduling ? await this.typeFor(staff, service) : undefined;
      if (scheduling ? !type : !held && !withinHours(staff, start, end)) continue;
      // A scheduling system that books only with an e-mail (and a last name): the AI asks first.
      const lacking = scheduling ? scheduling.requires.filter((field) => (field === "email" ? !who.email : (who.name ?? "").trim().split(/\s+/).filter(Boolean).length < 2)) : [];
      if (lacking.length) {
        missing = lacking;
        continue;
      }
      try {
        if (scheduling ? !(await scheduling.check(calendar.account, type!, start)) : overlaps(await this.foreignBusy(staff, calendar, start, blockEnd), start, blockEnd)) continue;
      } catch (error) {
        trouble = await this.failure(staff, error);
        log.warn({ portalId: caller.portalId, staffId: staff.id, cause: trouble, err: reason(error) }, "calendar unreachable for the live check");
        continue;
      }
      // 2. Claim the time in our table: the hold becomes the booking, or a new row (the constraint decides).
      //    On the built-in calendar the booking row is the event: one write confirms it and queues the
      //    Meeting. On an external calendar the Meeting waits until the event exists.
      const id = held?.id ?? randomUUID();
      const ownEvent = calendar.provider.events === "bookings";
      const history = JSON.stringify([{ at: this.now().toISOString(), action: "booked", callId: caller.vendorCallId, start: start.toISOString() }]);
      const write = (reference: string) =>
        confirm(this.db, { id, held: !!held, portalId: caller.portalId, staffId: staff.id, serviceTypeId: service.id, start, end, blockEnd, connectionId: caller.connectionId, vendorCallId: caller.vendorCallId, caller: who, history, now: this.now(), finished: ownEvent }, reference);
      // An expired hold (anyone's) still blocks the constraint until it is deleted.
      let written = await withFreshReference(this.db, caller.portalId, this.newReference, write);
      if (!written && !held && (await this.holds.deleteExpired([staff.id], start, blockEnd)) > 0) written = await withFreshReference(this.db, caller.portalId, this.newReference, write);
      if (!written) continue;
      let meetingVersion = written.meetingVersion;
      // 3. Mirror it into the external calendar, and re-read: a foreign event that landed meanwhile wins.
      if (!ownEvent) {
        const mirrored = await this.mirror(caller, calendar, id, staff, service, start, end, blockEnd, who, type ?? undefined);
        if (mirrored.kind === "withdrawn") continue;
        if (mirrored.kind === "failed") {
          trouble = mirrored.cause;
          continue;
        }
        meetingVersion = mirrored.meetingVersion;
      }
      await this.holds.release(caller, id);
      log.info({ portalId: caller.portalId, bookingId: id }, "appointment booked");
      return { kind: "booked", bookingId: id, meetingVersion, reference: written.reference, service, staff: staff.name, start, end, timeZone: settings.timezone };
    }
    if (trouble && candidates.length === 1) return { kind: "calendar_unavailable", action: "book", cause: trouble };
    if (missing.length) return { kind: "needs_details", missing };
    return this.alternatives(caller, settings, service, start, { kind: "just_taken" });
  }

  /** Creates the booking's event in the staff calendar; a booking whose event cannot stand is withdrawn. */
  private async mirror(caller: CallerContext, { provider, account }: OpenCalendar, id: string, staff: Staff, service: Service, start: Date, end: Date, blockEnd: Date, who: { name: string | null; email: string | null; phone: string | null }, type?: ExternalType): Promise<{ kind: "mirrored"; meetingVersion: number } | { kind: "withdrawn" } | { kind: "failed"; cause: CalendarErrorKind }> {
    const event = eventOf(id, service, staff, start, end, who, type);
    let eventId: string;
    try {
      eventId = await provider.create(account, event);
      // A scheduling system checked the time itself as it booked; a plain calendar is read again.
      if (!provider.scheduling && overlaps(await this.foreignBusy(staff, { provider, account }, start, blockEnd, eventId), start, blockEnd)) {
        await provider.cancel(account, eventId, event, "the time was taken in the calendar meanwhile").catch(() => undefined);
        await withdraw(this.db, id, "calendar_conflict", this.now(), eventId);
        log.info({ portalId: caller.portalId, bookingId: id }, "a calendar event landed on the slot while booking: withdrawn");
        return { kind: "withdrawn" };
      }
    } catch (error) {
      // The scheduling system had the time taken between our check and our booking: alternatives.
      if (error instanceof CalendarError && error.kind === "taken") {
        await withdraw(this.db, id, "calendar_conflict", this.now());
        this.openings.forget(staff.id);
        log.info({ portalId: caller.portalId, bookingId: id }, "the calendar refused the time as taken while booking: withdrawn");
        return { kind: "withdrawn" };
      }
      // Withdrawn whatever went wrong: the caller is never told about a booking without its event.
      log.warn({ portalId: caller.portalId, bookingId: id, err: reason(error) }, "calendar event not created: booking withdrawn");
      await withdraw(this.db, id, "calendar_error", this.now());
      return { kind: "failed", cause: await this.failure(staff, error) };
    }
    // The booking names its event (and its Meeting is due: what meetingChange("booked") writes), then a
    // change notice about our new event that was taken for someone else's meanwhile goes. Two
    // statements, in this order: a notice's handler writes the busy row, then looks for our booking
    // (calendar-webhooks.ts, applyEvent), so one of the two sees the other's write.
    const [{ meetingVersion }] = (await sql<{ meetingVersion: number }>(
      this.db,
      `UPDATE "Booking" SET "externalEventId" = $2, "meetingAction" = 'booked', "meetingVersion" = "meetingVersion" + 1, "updatedAt" = now() WHERE "id" = $1 RETURNING "meetingVersion"`,
      [id, eventId],
      { name: "booking-mirrored" },
    )) as [{ meetingVersion: number }];
    await sql(this.db, `DELETE FROM "ExternalBusy" WHERE "staffId" = $1 AND "eventId" = $2`, [staff.id, eventId], { name: "busy-ours-dropped" });
    return { kind: "mirrored", meetingVersion };
  }

  private async move(caller: CallerContext, args: { new_start?: string; booking_id?: string }): Promise<BookingOutcome> {
    const { settings } = await this.setups.get(caller.portalId);
    if (!settings) return { kind: "not_set_up", action: "change" };
    const found = await findBooking(this.db, this.now(), caller, args.booking_id, { kind: "no_booking", action: "reschedule" });
    if ("outcome" in found) return found.outcome;
    const { booking } = found;
    const start = this.start(args.new_start, "reschedule");
    if (!(start instanceof Date)) return start;
    const service = booking.serviceType;
    const { end, blockEnd } = blockOf(service, start);
    const calendar = await this.open(booking.staff);
    if (!calendar) return { kind: "calendar_unavailable", action: "reschedule", cause: "auth" };
    const { scheduling } = calendar.provider;
    const type = scheduling ? await this.typeFor(booking.staff, service) : undefined;
    if (type === null) return { kind: "calendar_unavailable", action: "reschedule", cause: "not_found" };
    let free: boolean;
    try {
      // A scheduling system is asked with the appointment itself ignored: a move may overlap its old time.
      free = scheduling ? await scheduling.check(calendar.account, type!, start, booking.externalEventId) : !overlaps(await this.foreignBusy(booking.staff, calendar, start, blockEnd), start, blockEnd) && withinHours(booking.staff, start, end);
    } catch (error) {
      const cause = await this.failure(booking.staff, error);
      log.warn({ portalId: caller.portalId, bookingId: booking.id, cause, err: reason(error) }, "calendar unreachable for the live check");
      return { kind: "calendar_unavailable", action: "reschedule", cause };
    }
    // Alternatives may sit next to the booking (it does not block itself) but never on its own time.
    const current = { id: booking.id, start: booking.startAt, end: booking.endAt };
    if (!free) {
      return this.alternatives(caller, settings, service, start, { kind: "staff_unavailable", staff: booking.staff.name }, current);
    }
    const history = [...((booking.history as unknown[]) ?? []), { at: this.now().toISOString(), action: "rescheduled", callId: caller.vendorCallId, from: booking.startAt.toISOString(), to: start.toISOString() }];
    // The caller usually picks a slot this call was just offered, which this call holds: the hold gives
    // way to the move in the same transaction, so nobody else can take the time in between.
    const moved = await claim(() =>
      this.db.$transaction([
        this.db.booking.deleteMany({ where: { status: "held", connectionId: caller.connectionId, vendorCallId: caller.vendorCallId, staffId: booking.staffId, startAt: { lt: blockEnd }, blockEndAt: { gt: start } } }),
        this.db.booking.update({ where: { id: booking.id }, data: { startAt: start, endAt: end, blockEndAt: blockEnd, history: history as Prisma.InputJsonValue } }),
      ]),
    );
    if (!moved) return this.alternatives(caller, settings, service, start, { kind: "just_taken" }, current);
    let newEventId: string | null = null;
    if (booking.externalEventId) {
      try {
        // Patch the same event: attendees get an update, the event id stays (unless the provider must
        // rebook: then the booking follows the new event before the old one is cancelled).
        const follow = async (replacement: string) => {
          await this.db.booking.update({ where: { id: booking.id }, data: { externalEventId: replacement } });
          await this.db.externalBusy.deleteMany({ where: { staffId: booking.staffId, eventId: replacement } });
        };
        newEventId = (await calendar.provider.move(calendar.account, booking.externalEventId, eventOf(booking.id, service, booking.staff, start, end, { name: booking.callerName, email: booking.callerEmail, phone: booking.callerPhone }, type), follow)) || null;
      } catch (error) {
        log.warn({ portalId: caller.portalId, bookingId: booking.id, err: reason(error) }, "calendar event not moved: booking kept at its old time");
        await this.db.booking.update({ where: { id: booking.id }, data: { startAt: booking.startAt, endAt: booking.endAt, blockEndAt: booking.blockEndAt, history: booking.history as Prisma.InputJsonValue } });
        if (error instanceof CalendarError && error.kind === "taken") {
          this.openings.forget(booking.staffId);
          return this.alternatives(caller, settings, service, start, { kind: "just_taken" }, current);
        }
        return { kind: "calendar_unavailable", action: "reschedule", kept: true, cause: await this.failure(booking.staff, error) };
      }
    }
    // A rebooked move names both events in its history entry.
    const rebooked = newEventId && newEventId !== booking.externalEventId ? { externalEventId: newEventId, history: [...history.slice(0, -1), { ...(history.at(-1) as object), fromEvent: booking.externalEventId, toEvent: newEventId }] as Prisma.InputJsonValue } : {};
    const { meetingVersion } = await this.db.booking.update({ where: { id: booking.id }, data: { ...meetingChange("rescheduled"), ...rebooked } });
    await this.holds.release(caller);
    return { kind: "rescheduled", bookingId: booking.id, meetingVersion, service, start, end, timeZone: settings.timezone, ...(calendar.provider.tells?.move === "new_confirmation" && booking.externalEventId ? { newConfirmation: true as const } : {}) };
  }

  private async cancelBooking(caller: CallerContext, args: { booking_id?: string; reason?: string }): Promise<BookingOutcome> {
    const found = await findBooking(this.db, this.now(), caller, args.booking_id, { kind: "no_booking", action: "cancel" });
    if ("outcome" in found) return found.outcome;
    const { booking } = found;
    let silent = false;
    if (booking.externalEventId) {
      const calendar = await this.open(booking.staff);
      silent = calendar?.provider.tells?.cancel === "nothing";
      const event = eventOf(booking.id, booking.serviceType, booking.staff, booking.startAt, booking.endAt, { name: booking.callerName, email: booking.callerEmail, phone: booking.callerPhone });
      try {
        if (!calendar) throw new CalendarNotConnectedError(booking.staff.email, "not connected");
        await calendar.provider.cancel(calendar.account, booking.externalEventId, event, args.reason ?? null);
      } catch (error) {
        const cause = await this.failure(booking.staff, error);
        log.warn({ portalId: caller.portalId, bookingId: booking.id, cause, err: reason(error) }, "calendar event not cancelled");
        return { kind: "calendar_unavailable", action: "cancel", cause };
      }
    }
    const history = [...((booking.history as unknown[]) ?? []), { at: this.now().toISOString(), action: "cancelled", callId: caller.vendorCallId, reason: args.reason ?? null }];
    // A scheduling system's webhook about this very cancellation may have recorded it first: once is enough.
    await this.db.booking.updateMany({ where: { id: booking.id, status: "confirmed" }, data: { status: "cancelled", history: history as Prisma.InputJsonValue, ...meetingChange("cancelled") } });
    const { meetingVersion } = await this.db.booking.findUniqueOrThrow({ where: { id: booking.id }, select: { meetingVersion: true } });
    const { settings } = await this.setups.get(caller.portalId);
    return { kind: "cancelled", bookingId: booking.id, meetingVersion, service: booking.serviceType, start: booking.startAt, timeZone: settings?.timezone ?? "UTC", ...(silent ? { silent: true as const } : {}) };
  }

  // --- Calendars and slots -------------------------------------------------------------------------

  /** The staff member's calendar, or null when it is not connected (then they are not offered). */
  private async open(staff: Staff): Promise<OpenCalendar | null> {
    try {
      return await this.calendars.open(staff);
    } catch (error) {
      if (error instanceof CalendarNotConnectedError) return null;
      throw error;
    }
  }

  /** The kind of a calendar failure; a calendar whose access is gone for good is marked for reconnection. */
  private async failure(staff: Staff, error: unknown): Promise<CalendarErrorKind> {
    const kind = calendarFailure(error);
    await this.calendars.refused?.(staff, error as CalendarError);
    return kind;
  }

  /** The scheduling system's type that serves the service for this staff member, or null when none is (usably) mapped. */
  private async typeFor(staff: Staff, service: Service): Promise<ExternalType | null> {
    return (await externalTypes(this.db, [staff.id], service.id)).get(staff.id) ?? null;
  }

  /** Live busy time of the staff calendar that is not one of our own events (none on the built-in calendar). */
  private async foreignBusy(staff: Staff, { provider, account }: OpenCalendar, from: Date, to: Date, ownEventId?: string): Promise<{ start: Date; end: Date }[]> {
    const busy = (await provider.busy(account, from, to)).filter((b) => !ownEventId || b.eventId !== ownEventId);
    const ids = busy.map((b) => b.eventId).filter((id): id is string => !!id);
    if (!ids.length) return busy;
    const ours = new Set((await this.db.booking.findMany({ where: { staffId: staff.id, externalEventId: { in: ids } }, select: { externalEventId: true } })).map((b) => b.externalEventId));
    return busy.filter((b) => !b.eventId || !ours.has(b.eventId));
  }

  private async freeSlots(portalId: string, settings: Settings, service: Service, search: SlotSearch, limit: number): Promise<Slot[]> {
    const { staff } = await this.setups.get(portalId);
    return findFreeSlots({ db: this.db, calendars: this.calendars, now: this.now, openings: this.openings }, portalId, staff, settings, service, search, limit);
  }

  /**
   * Other openings near the time asked for. When a booking is being moved, `moving` is that booking:
   * it does not block the times around it, and its own time is never offered back.
   */
  private async alternatives(caller: CallerContext, settings: Settings, service: Service, near: Date, why: Extract<BookingOutcome, { kind: "slot_taken" }>["why"], moving?: { id: string; start: Date; end: Date }): Promise<BookingOutcome> {
    const found = await this.freeSlots(caller.portalId, settings, service, { date: localDate(near, settings.timezone), timeZone: settings.timezone, exclude: moving?.id }, moving ? OFFERED + 1 : OFFERED);
    const slots = found.filter((slot) => !moving || !overlaps([moving], slot.start, blockOf(service, slot.start).end)).slice(0, OFFERED);
    return { kind: "slot_taken", why, timeZone: settings.timezone, slots };
  }
}
