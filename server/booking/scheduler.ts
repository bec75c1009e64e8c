import { randomUUID } from "node:crypto";
import { Prisma, sql, type Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import { addDays, localDate, speakable, weekdayOf, zonedInstant, isValidTimeZone, type Weekday } from "./time.js";
import { builtinProvider } from "./providers/builtin/index.js";
import type { CalendarAccount, CalendarEvent, CalendarProvider } from "./providers/types.js";
import { CalendarNotConnectedError, type Calendars } from "./calendars.js";
import { isReference, newReference, normaliseReference, speakReference } from "./reference.js";

// Availability, holds, booking, rescheduling and cancelling, for the live tools. Every answer is a
// short sentence the AI can say, plus data. Double booking is impossible in our own data (exclusion
// constraint, SQLSTATE 23P01); an external calendar's busy time is browsed from the synced copy
// (ExternalBusy), asked live right before writing, and re-read right after: if a foreign event landed
// in between, our event is cancelled and the caller offered alternatives (calendars.md).

const log = logger("booking");
const SEARCH_DAYS = 14;
const OFFERED = 3;
/** Failed booking-reference lookups one call gets; after that the team calls back. */
const MAX_FAILED_LOOKUPS = 3;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ToolAnswer {
  message: string;
  data?: Record<string, unknown>;
}

/** An answer that changed a booking: its id and the Meeting version the worker must bring HubSpot to. */
export type BookingAnswer = ToolAnswer & { bookingId?: string; meetingVersion?: number };

export interface CallerContext {
  portalId: string;
  connectionId: string;
  vendorCallId: string;
  phone: string | null;
  name?: string | null;
  email?: string | null;
}

type Settings = { timezone: string; holdMinutes: number; slotStepMinutes: number; leadMinutes: number };
type Service = { id: string; name: string; durationMinutes: number; bufferMinutes: number; aliases: string[]; reminderMinutes: number[] };
type Staff = { id: string; name: string; email: string; calendar: string; timezone: string; hours: unknown; hubspotOwnerId: string | null };

/** An error's message and driver details (Prisma puts the SQLSTATE in meta). */
const errorText = (error: unknown) => String((error as { message?: unknown })?.message ?? "") + JSON.stringify((error as { meta?: unknown })?.meta ?? {});

/** Another booking of the portal has this reference (SQLSTATE 23505 on the unique index). */
const isReferenceTaken = (error: unknown) => errorText(error).includes("Booking_portalId_reference_key");

export function isOverlapError(error: unknown): boolean {
  const text = errorText(error);
  return text.includes("23P01") || text.includes("Booking_no_overlap") || text.includes("exclusion constraint");
}

/**
 * Two transactions inserting clashing rows under an exclusion constraint can each wait for the other:
 * PostgreSQL breaks that with a deadlock error (40P01) for one of them. The other one wins the slot.
 */
export function isDeadlock(error: unknown): boolean {
  const text = errorText(error);
  return text.includes("40P01") || text.includes("deadlock detected");
}

/** Runs a write that may hit the exclusion constraint: true if it landed, false if the time is taken. */
async function claim(write: () => Promise<unknown>): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    try {
      await write();
      return true;
    } catch (error) {
      if (isOverlapError(error)) return false;
      // The deadlock victim retries once: by then the winner has committed and it sees 23P01.
      if (isDeadlock(error) && attempt === 0) {
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
        continue;
      }
      if (isDeadlock(error)) return false;
      throw error;
    }
  }
}

const overlaps = (busy: { start: Date; end: Date }[], start: Date, end: Date) => busy.some((b) => b.start < end && b.end > start);
/** Every booking change bumps the meeting outbox; a worker brings the HubSpot Meeting up to it. */
const meetingChange = (action: "booked" | "rescheduled" | "cancelled") => ({ meetingAction: action, meetingVersion: { increment: 1 } });

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** A slot of one staff member, as a key. */
const slotKey = (slot: { start: Date; staff: { id: string } }) => `${slot.staff.id}@${slot.start.getTime()}`;
/** One live call (its holds are its own). */
const callKeyOf = (caller: { connectionId: string; vendorCallId: string }) => `${caller.connectionId}:${caller.vendorCallId}`;

const fold = (text: string) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();

export interface SchedulerOptions {
  /** Staff calendars (Google, Microsoft); without it every staff member uses the built-in calendar. */
  calendars?: Calendars | null;
  now?: () => Date;
  /** How long a portal's set-up (settings, services, staff) is reused between tool calls, in ms. */
  setupCacheMs?: number;
  /** Draws a booking reference; injectable so a clash can be tested. */
  newReference?: () => string;
}

type StaffRow = Staff & { portalId: string };
interface PortalSetup {
  settings: Settings | null;
  services: Service[];
  staff: StaffRow[];
}

export class Scheduler {
  private readonly calendars: Calendars | null;
  private readonly now: () => Date;
  private readonly newReference: () => string;

  private readonly setupCacheMs: number;
  private readonly setups = new Map<string, Promise<PortalSetup>>();
  private readonly holdQueues = new Map<string, Promise<void>>();
  private readonly recentHolds = new Map<string, { call: string; staffId: string; start: number; end: number; at: number }[]>();

  /** Holds this process placed for the portal in the last few seconds (newer than any read we act on). */
  private recentlyHeld(portalId: string) {
    const fresh = (this.recentHolds.get(portalId) ?? []).filter((r) => Date.now() - r.at < 5_000);
    this.recentHolds.set(portalId, fresh);
    return fresh;
  }

  constructor(private readonly db: Db, options: SchedulerOptions = {}) {
    this.calendars = options.calendars ?? null;
    this.now = options.now ?? (() => new Date());
    this.setupCacheMs = options.setupCacheMs ?? 2_000;
    this.newReference = options.newReference ?? newReference;
  }

  /**
   * The portal's set-up, read once per couple of seconds and process: a caller's tool calls come
   * seconds apart, and the set-up changes rarely (an edit applies within setupCacheMs).
   */
  private setup(portalId: string): Promise<PortalSetup> {
    const cached = this.setups.get(portalId);
    if (cached) return cached;
    const loading = (async () => {
      const [settings, services, staff] = await Promise.all([
        this.db.bookingSettings.findUnique({ where: { portalId } }),
        this.db.serviceType.findMany({ where: { portalId }, orderBy: { name: "asc" } }),
        this.db.staffMember.findMany({ where: { portalId }, orderBy: { name: "asc" } }),
      ]);
      return { settings, services, staff };
    })();
    this.setups.set(portalId, loading);
    const expire = () => setTimeout(() => this.setups.get(portalId) === loading && this.setups.delete(portalId), this.setupCacheMs).unref();
    loading.then(expire, () => this.setups.delete(portalId));
    return loading;
  }

  private provider(staff: Staff): CalendarProvider {
    return this.calendars?.provider(staff) ?? builtinProvider;
  }

  /** The staff member's calendar account, or null when it is not connected (then they are not offered). */
  private async account(staff: StaffRow): Promise<CalendarAccount | null> {
    if (staff.calendar === "builtin") return { email: staff.email, accessToken: async () => "" };
    if (!this.calendars) return null;
    try {
      return await this.calendars.account(staff);
    } catch (error) {
      if (error instanceof CalendarNotConnectedError) return null;
      throw error;
    }
  }

  /** Live busy time of the staff calendar that is not one of our own events. */
  private async foreignBusy(staff: StaffRow, account: CalendarAccount, from: Date, to: Date, ownEventId?: string): Promise<{ start: Date; end: Date }[]> {
    if (staff.calendar === "builtin") return [];
    const busy = (await this.provider(staff).busy(account, from, to)).filter((b) => !ownEventId || b.eventId !== ownEventId);
    const ids = busy.map((b) => b.eventId).filter((id): id is string => !!id);
    if (!ids.length) return busy;
    const ours = new Set((await this.db.booking.findMany({ where: { staffId: staff.id, externalEventId: { in: ids } }, select: { externalEventId: true } })).map((b) => b.externalEventId));
    return busy.filter((b) => !b.eventId || !ours.has(b.eventId));
  }

  private async settings(portalId: string): Promise<Settings | null> {
    return (await this.setup(portalId)).settings;
  }

  /** "consulta", "Consultation", "full service" -> the service type, or null. */
  async resolveService(portalId: string, asked: string | undefined): Promise<{ service: Service | null; services: Service[] }> {
    const { services } = await this.setup(portalId);
    if (!asked) return { service: null, services };
    const wanted = fold(asked);
    const service = services.find((s) => [s.name, ...s.aliases].some((n) => fold(n) === wanted)) ?? services.find((s) => [s.name, ...s.aliases].some((n) => wanted.includes(fold(n)) || fold(n).includes(wanted))) ?? null;
    return { service, services };
  }

  private clarify(services: Service[], asked?: string): ToolAnswer {
    const list = services.map((s) => `${s.name} (${s.durationMinutes} minutes)`).join(", ");
    return { message: `${asked ? `I can't book "${asked}". ` : ""}Which service would you like: ${list}?`, data: { error: "unknown_service", services: services.map((s) => s.name) } };
  }

  /** Free slots for a service, earliest first, across staff, from a date and within a time window. */
  private async freeSlots(portalId: string, settings: Settings, service: Service, options: { date?: string; window?: [string, string]; timeZone: string; exclude?: string }, limit: number): Promise<{ start: Date; staff: Staff }[]> {
    // Staff whose external calendar is not connected are not offered: we cannot see their calendar.
    const everyone = (await this.setup(portalId)).staff;
    // Connection state is read fresh (a calendar connected a moment ago is offered at once).
    const withCalendar = everyone.filter((s) => s.calendar !== "builtin");
    const connected =
      withCalendar.length && this.calendars
        ? new Set(
            (await sql<{ staffId: string; provider: string }>(this.db, `SELECT "staffId", "provider" FROM "CalendarConnection" WHERE "staffId" = ANY($1) AND "status" = 'connected'`, [withCalendar.map((s) => s.id)]))
              .filter((c) => withCalendar.some((s) => s.id === c.staffId && s.calendar === c.provider))
              .map((c) => c.staffId),
          )
        : new Set<string>();
    const staff = everyone.filter((s) => s.calendar === "builtin" || connected.has(s.id));
    const now = this.now();
    const earliest = new Date(now.getTime() + settings.leadMinutes * 60_000);
    const firstDay = options.date ?? localDate(now, settings.timezone);
    const horizonEnd = zonedInstant(addDays(firstDay, SEARCH_DAYS + 1), "00:00", settings.timezone);
    // Our bookings and live holds in the horizon (the hot query of the live call: plain SQL).
    const taken = await sql<{ staffId: string; startAt: Date; blockEndAt: Date }>(
      this.db,
      `SELECT "staffId", "startAt", "blockEndAt" FROM "Booking"
       WHERE "portalId" = $1 AND "startAt" < $2 AND "blockEndAt" > $3 AND "id" <> $5
         AND ("status" = 'confirmed' OR ("status" = 'held' AND "holdExpiresAt" >= $4))`,
      [portalId, horizonEnd.toISOString(), earliest.toISOString(), now.toISOString(), options.exclude ?? ""],
    );
    const externalStaff = staff.filter((s) => s.calendar !== "builtin").map((s) => s.id);
    const external = externalStaff.length
      ? await sql<{ staffId: string; startAt: Date; endAt: Date }>(this.db, `SELECT "staffId", "startAt", "endAt" FROM "ExternalBusy" WHERE "staffId" = ANY($1) AND "startAt" < $2 AND "endAt" > $3`, [externalStaff, horizonEnd.toISOString(), earliest.toISOString()])
      : [];
    for (const event of external) taken.push({ staffId: event.staffId, startAt: event.startAt, blockEndAt: event.endAt });
    const blockMs = (service.durationMinutes + service.bufferMinutes) * 60_000;
    const slots: { start: Date; staff: Staff }[] = [];
    for (let offset = 0; offset <= SEARCH_DAYS && slots.length < limit; offset++) {
      const day = addDays(firstDay, offset);
      const daySlots: { start: Date; staff: Staff }[] = [];
      for (const member of staff) {
        const hours = (member.hours as Partial<Record<Weekday, [string, string]>>)[weekdayOf(day)];
        if (!hours) continue;
        const open = zonedInstant(day, hours[0], member.timezone);
        const close = zonedInstant(day, hours[1], member.timezone);
        const busy = taken.filter((b) => b.staffId === member.id);
        for (let t = open.getTime(); t + service.durationMinutes * 60_000 <= close.getTime(); t += settings.slotStepMinutes * 60_000) {
          const start = new Date(t);
          if (start < earliest) continue;
          if (options.window) {
            const local = new Intl.DateTimeFormat("en-GB", { timeZone: options.timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(start);
            if (local < options.window[0] || local >= options.window[1]) continue;
          }
          if (busy.some((b) => b.startAt.getTime() < t + blockMs && b.blockEndAt.getTime() > t)) continue;
          daySlots.push({ start, staff: member });
        }
      }
      daySlots.sort((a, b) => a.start.getTime() - b.start.getTime());
      // One staff member per start time is enough to offer it.
      for (const slot of daySlots) if (!slots.some((s) => s.start.getTime() === slot.start.getTime())) slots.push(slot);
    }
    return slots.slice(0, limit);
  }

  private parseDate(settings: Settings, raw: string | undefined): { date?: string; error?: string } {
    if (!raw) return {};
    const today = localDate(this.now(), settings.timezone);
    const text = fold(raw);
    if (text === "today" || text === "hoy") return { date: today };
    if (text === "tomorrow" || text === "manana") return { date: addDays(today, 1) };
    const iso = /^(\d{4}-\d{2}-\d{2})/.exec(raw.trim())?.[1];
    if (!iso || Number.isNaN(Date.parse(iso))) return { error: `I didn't understand the date "${raw}". Which day works for you?` };
    if (iso < today) return { error: "That date has already passed. Which upcoming day works for you?" };
    return { date: iso };
  }

  private parseWindow(raw: string | undefined): { window?: [string, string]; error?: string } {
    if (!raw) return {};
    const text = fold(raw);
    if (["morning", "manana", "am"].includes(text)) return { window: ["00:00", "12:00"] };
    if (["afternoon", "tarde", "pm"].includes(text)) return { window: ["12:00", "17:00"] };
    if (["evening", "noche"].includes(text)) return { window: ["17:00", "24:00"] };
    const range = /^(\d{1,2}):?(\d{2})?\s*-\s*(\d{1,2}):?(\d{2})?$/.exec(text);
    if (range) {
      const pad = (h: string, m?: string) => `${h.padStart(2, "0")}:${m ?? "00"}`;
      return { window: [pad(range[1]!, range[2]), pad(range[3]!, range[4])] };
    }
    return { error: `I didn't understand the time "${raw}". Morning or afternoon?` };
  }

  /** check_availability: 2-3 real open slots, each held for a few minutes for this caller. */
  async checkAvailability(caller: CallerContext, args: { service_type?: string; date?: string; time_window?: string; timezone?: string }): Promise<ToolAnswer> {
    const settings = await this.settings(caller.portalId);
    if (!settings) return { message: "I can't book appointments on this line yet. Someone from the team will call you back to schedule.", data: { error: "booking_not_set_up" } };
    const { service, services } = await this.resolveService(caller.portalId, args.service_type);
    if (!service) return this.clarify(services, args.service_type);
    const timeZone = args.timezone && isValidTimeZone(args.timezone) ? args.timezone : settings.timezone;
    const date = this.parseDate(settings, args.date);
    if (date.error) return { message: date.error, data: { error: "bad_date" } };
    const window = this.parseWindow(args.time_window);
    if (window.error) return { message: window.error, data: { error: "bad_time_window" } };

    await this.releaseHolds(caller);
    const offered = await this.holdSlots(caller, settings, service, { date: date.date, window: window.window, timeZone });
    if (offered.length === 0) return { message: `I don't have an opening for a ${service.name} then. Would another day work?`, data: { slots: [] } };
    const slots = offered.map((s) => ({ start: s.start.toISOString(), label: speakable(s.start, timeZone, this.now()), staff: s.staff.name }));
    const labels = slots.map((s) => s.label);
    const spoken = labels.length === 1 ? labels[0] : `${labels.slice(0, -1).join(", ")} or ${labels.at(-1)}`;
    return { message: `For a ${service.name} (${service.durationMinutes} minutes) I have ${spoken}. Which works best?`, data: { service: service.name, durationMinutes: service.durationMinutes, timeZone, slots } };
  }

  /**
   * Runs the portal's hold placements one after the other in this process: twenty callers asking at
   * the same instant then each see the others' holds and succeed in one round, instead of racing for
   * the same slots and retrying. Across processes they still race, safely (the exclusion constraint),
   * just with more rounds.
   */
  private oneAtATime<T>(portalId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.holdQueues.get(portalId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.then(() => undefined, () => undefined);
    this.holdQueues.set(portalId, tail);
    void tail.then(() => this.holdQueues.get(portalId) === tail && this.holdQueues.delete(portalId));
    return next;
  }

  private async holdSlots(caller: CallerContext, settings: Settings, service: Service, options: { date?: string; window?: [string, string]; timeZone: string }): Promise<{ start: Date; staff: Staff }[]> {
    const offered: { start: Date; staff: Staff }[] = [];
    // Callers asking at the same moment want the same earliest slots. The database read happens in
    // parallel; the choice and the INSERT happen one caller at a time in this process, skipping what
    // the callers just before took (remembered here), so each usually succeeds in one round. Another
    // process's callers can still take a slot first: the loser looks again, from then on picking at
    // random among the next few free slots, so they spread out instead of queueing for one.
    const tried = new Set<string>();
    const callKey = callKeyOf(caller);
    const blockMs = (service.durationMinutes + service.bufferMinutes) * 60_000;
    for (let round = 0; round < 6 && offered.length < OFFERED; round++) {
      const candidates: { start: Date; staff: Staff }[] = (await this.freeSlots(caller.portalId, settings, service, options, OFFERED * 6 + tried.size)).filter((s) => !tried.has(slotKey(s)));
      if (!candidates.length) break;
      if (round > 0) shuffle(candidates);
      const held = await this.oneAtATime(caller.portalId, async () => {
        const recent = this.recentlyHeld(caller.portalId).filter((r) => r.call !== callKey);
        // The next few candidates that do not overlap each other (one staff member cannot hold two
        // overlapping slots) nor what the callers just before took, placed in one statement.
        const pick = (from: { start: Date; staff: Staff }[]) => {
          const batch: { start: Date; staff: Staff }[] = [];
          for (const slot of from) {
            if (batch.length === OFFERED - offered.length) break;
            if (tried.has(slotKey(slot))) continue;
            const taken = recent.some((r) => r.staffId === slot.staff.id && r.start < slot.start.getTime() + blockMs && r.end > slot.start.getTime());
            const clash = [...offered, ...batch].some((o) => o.staff.id === slot.staff.id && Math.abs(o.start.getTime() - slot.start.getTime()) < blockMs);
            if (!taken && !clash) batch.push(slot);
          }
          return batch;
        };
        let batch = pick(candidates);
        // Everyone before took what this caller had read: read again, now that their holds are in.
        if (!batch.length) batch = pick(await this.freeSlots(caller.portalId, settings, service, options, OFFERED * 6 + tried.size + recent.length));
        if (!batch.length) return [];
        for (const slot of batch) tried.add(slotKey(slot));
        const placed = await this.hold(caller, settings, service, batch);
        this.recentHolds.set(caller.portalId, [...this.recentlyHeld(caller.portalId), ...placed.map((p) => ({ call: callKey, staffId: p.staff.id, start: p.start.getTime(), end: p.start.getTime() + blockMs, at: Date.now() }))]);
        return placed;
      });
      if (!held.length && round > 0) break;
      offered.push(...held);
    }
    offered.sort((a, b) => a.start.getTime() - b.start.getTime());
    return offered;
  }

  /**
   * Short holds so a second caller is not offered the same slots; they expire on their own. One
   * INSERT ... ON CONFLICT DO NOTHING: a clash with the exclusion constraint is a missing row in the
   * answer, not an exception, and speculative insertion does not deadlock between clashing inserts.
   */
  private async hold(caller: CallerContext, settings: Settings, service: Service, slots: { start: Date; staff: Staff }[]): Promise<{ start: Date; staff: Staff }[]> {
    const now = this.now();
    const holdExpiresAt = new Date(now.getTime() + settings.holdMinutes * 60_000);
    const rows = slots.map((slot) => ({
      slot,
      id: randomUUID(),
      endAt: new Date(slot.start.getTime() + service.durationMinutes * 60_000),
      blockEndAt: new Date(slot.start.getTime() + (service.durationMinutes + service.bufferMinutes) * 60_000),
    }));
    const insert = async (batch: typeof rows) => {
      if (!batch.length) return new Set<string>();
      const values: unknown[] = [];
      const tuples = batch.map((r) => {
        const row = [r.id, caller.portalId, r.slot.staff.id, service.id, r.slot.start.toISOString(), r.endAt.toISOString(), r.blockEndAt.toISOString(), holdExpiresAt.toISOString(), caller.connectionId, caller.vendorCallId, caller.phone, now.toISOString()];
        const p = row.map((value) => `$${values.push(value)}`);
        return `(${p.slice(0, 4).join(", ")}, 'held', ${p.slice(4).join(", ")})`;
      });
      const inserted = await sql<{ id: string }>(
        this.db,
        `INSERT INTO "Booking" ("id", "portalId", "staffId", "serviceTypeId", "status", "startAt", "endAt", "blockEndAt", "holdExpiresAt", "connectionId", "vendorCallId", "callerPhone", "updatedAt")
         VALUES ${tuples.join(", ")} ON CONFLICT DO NOTHING RETURNING "id"`,
        values,
      );
      return new Set(inserted.map((r) => r.id));
    };
    let held = await insert(rows);
    const missed = rows.filter((r) => !held.has(r.id));
    // The constraint cannot look at the clock: an expired hold still blocks until it is deleted.
    const cleared = missed.length ? await this.deleteExpiredHolds(missed.map((r) => r.slot.staff.id), new Date(Math.min(...missed.map((r) => r.slot.start.getTime()))), new Date(Math.max(...missed.map((r) => r.blockEndAt.getTime())))) : 0;
    if (cleared) held = new Set([...held, ...(await insert(missed))]);
    return rows.filter((r) => held.has(r.id)).map((r) => r.slot);
  }

  /**
   * Expired holds of some staff in one time range. Rows another transaction is already deleting are
   * skipped (SKIP LOCKED): concurrent cleaners never wait for each other, so they cannot deadlock.
   */
  private async deleteExpiredHolds(staffIds: string[], from: Date, to: Date): Promise<number> {
    const rows = await sql(
      this.db,
      `DELETE FROM "Booking" WHERE "id" IN (
         SELECT "id" FROM "Booking"
         WHERE "status" = 'held' AND "holdExpiresAt" < $1 AND "staffId" = ANY($2) AND "startAt" < $3 AND "blockEndAt" > $4
         FOR UPDATE SKIP LOCKED) RETURNING "id"`,
      [this.now().toISOString(), staffIds, to.toISOString(), from.toISOString()],
    );
    return rows.length;
  }

  /** This call's own holds (a new offer replaces the last one; a booking releases the rest). */
  private async releaseHolds(caller: CallerContext, keep?: string): Promise<void> {
    // Forget them here too, or this process would keep steering other callers away from them.
    const callKey = callKeyOf(caller);
    const recent = this.recentHolds.get(caller.portalId);
    if (recent) this.recentHolds.set(caller.portalId, recent.filter((r) => r.call !== callKey));
    await sql(this.db, `DELETE FROM "Booking" WHERE "status" = 'held' AND "connectionId" = $1 AND "vendorCallId" = $2 AND "id" <> $3`, [caller.connectionId, caller.vendorCallId, keep ?? ""]);
  }

  /** Expired holds of everyone: the worker's upkeep, so the table does not grow. */
  async purgeExpiredHolds(): Promise<number> {
    return this.db.$executeRaw`
      DELETE FROM "Booking" WHERE "id" IN (SELECT "id" FROM "Booking" WHERE "status" = 'held' AND "holdExpiresAt" < ${this.now()} FOR UPDATE SKIP LOCKED)`;
  }

  /** book_appointment: the held slot (or any free one at that time) becomes a confirmed booking. */
  async book(caller: CallerContext, args: { service_type?: string; start?: string; name?: string; email?: string }): Promise<BookingAnswer> {
    const settings = await this.settings(caller.portalId);
    if (!settings) return { message: "I can't book appointments on this line yet. Someone from the team will call you back to schedule.", data: { error: "booking_not_set_up" } };
    const { service, services } = await this.resolveService(caller.portalId, args.service_type);
    if (!service) return this.clarify(services, args.service_type);
    const start = args.start ? new Date(args.start) : null;
    if (!start || Number.isNaN(start.getTime())) return { message: "Which time would you like? I need a day and a time.", data: { error: "bad_start" } };
    if (start.getTime() < this.now().getTime()) return { message: "That time has already passed. Shall I look for the next openings?", data: { error: "past_start" } };
    const end = new Date(start.getTime() + service.durationMinutes * 60_000);
    const blockEnd = new Date(end.getTime() + service.bufferMinutes * 60_000);

    const setup = await this.setup(caller.portalId);
    const [held] = await sql<{ id: string; staffId: string }>(
      this.db,
      `SELECT "id", "staffId" FROM "Booking" WHERE "portalId" = $1 AND "connectionId" = $2 AND "vendorCallId" = $3 AND "status" = 'held' AND "startAt" = $4 AND "serviceTypeId" = $5 AND "holdExpiresAt" > $6 LIMIT 1`,
      [caller.portalId, caller.connectionId, caller.vendorCallId, start.toISOString(), service.id, this.now().toISOString()],
    );
    const heldStaff = held ? (setup.staff.find((s) => s.id === held.staffId) ?? (await this.db.staffMember.findUniqueOrThrow({ where: { id: held.staffId } }))) : null;
    const candidates = heldStaff ? [heldStaff] : setup.staff;
    let calendarTrouble = false;
    for (const staff of candidates) {
      if (!held && !(await this.fitsHours(staff, start, end))) continue;
      const account = await this.account(staff);
      if (!account) continue;
      const provider = this.provider(staff);
      const builtin = staff.calendar === "builtin";
      try {
        // Live re-check of the staff member's calendar right before writing.
        if (overlaps(await this.foreignBusy(staff, account, start, blockEnd), start, blockEnd)) continue;
      } catch (error) {
        log.warn({ portalId: caller.portalId, staffId: staff.id, err: (error as Error).message }, "calendar unreachable for the live check");
        calendarTrouble = true;
        continue;
      }
      const callerName = args.name ?? caller.name ?? null;
      const callerEmail = args.email ?? caller.email ?? null;
      const history = JSON.stringify([{ at: this.now().toISOString(), action: "booked", callId: caller.vendorCallId, start: start.toISOString() }]);
      const id = held?.id ?? randomUUID();
      // On the built-in calendar the booking row is the event: one write confirms it and queues the
      // Meeting. On Google / Microsoft the Meeting waits until the event exists.
      const finish = builtin ? [id, "booked", 1] : [null, null, 0];
      const write = async (reference: string) =>
        (held
          ? await sql<{ meetingVersion: number; reference: string }>(
              this.db,
              `UPDATE "Booking" SET "status" = 'confirmed', "holdExpiresAt" = NULL, "callerName" = $2, "callerEmail" = $3, "callerPhone" = $4, "history" = $5::jsonb, "updatedAt" = $6,
                 "externalEventId" = $7, "meetingAction" = $8, "meetingVersion" = "meetingVersion" + $9, "reference" = $10
               WHERE "id" = $1 AND "status" = 'held' RETURNING "meetingVersion", "reference"`,
              [id, callerName, callerEmail, caller.phone, history, this.now().toISOString(), ...finish, reference],
            )
          : await sql<{ meetingVersion: number; reference: string }>(
              this.db,
              `INSERT INTO "Booking" ("id", "portalId", "staffId", "serviceTypeId", "status", "startAt", "endAt", "blockEndAt", "connectionId", "vendorCallId", "callerName", "callerEmail", "callerPhone", "history", "updatedAt", "externalEventId", "meetingAction", "meetingVersion", "reference")
               VALUES ($1, $2, $3, $4, 'confirmed', $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15, $16, $17, $18)
               ON CONFLICT DO NOTHING RETURNING "meetingVersion", "reference"`,
              [id, caller.portalId, staff.id, service.id, start.toISOString(), end.toISOString(), blockEnd.toISOString(), caller.connectionId, caller.vendorCallId, callerName, callerEmail, caller.phone, history, this.now().toISOString(), ...finish, reference],
            ))[0] ?? null;
      // An expired hold (anyone's) still blocks the constraint until it is deleted.
      let written = await this.withFreshReference(caller.portalId, write);
      if (!written && !held && (await this.deleteExpiredHolds([staff.id], start, blockEnd)) > 0) written = await this.withFreshReference(caller.portalId, write);
      if (!written) continue;
      let meetingVersion = written.meetingVersion;
      if (!builtin) {
        const event = this.event(id, service, staff, start, end, callerName, callerEmail, caller.phone);
        let eventId: string;
        try {
          eventId = await provider.create(account, event);
          // Re-read right after writing: a foreign event that landed meanwhile wins, ours is withdrawn.
          if (overlaps(await this.foreignBusy(staff, account, start, blockEnd, eventId), start, blockEnd)) {
            await provider.cancel(account, eventId, event, "the time was taken in the calendar meanwhile").catch(() => undefined);
            await this.db.booking.update({ where: { id }, data: { status: "cancelled", externalEventId: eventId, history: [{ at: this.now().toISOString(), action: "withdrawn", reason: "calendar_conflict" }] as Prisma.InputJsonValue } });
            log.info({ portalId: caller.portalId, bookingId: id }, "a calendar event landed on the slot while booking: withdrawn");
            continue;
          }
        } catch (error) {
          log.warn({ portalId: caller.portalId, bookingId: id, err: (error as Error).message }, "calendar event not created: booking withdrawn");
          await this.db.booking.update({ where: { id }, data: { status: "cancelled", history: [{ at: this.now().toISOString(), action: "withdrawn", reason: "calendar_error" }] as Prisma.InputJsonValue } });
          calendarTrouble = true;
          continue;
        }
        meetingVersion = (await this.db.booking.update({ where: { id }, data: { externalEventId: eventId, ...meetingChange("booked") } })).meetingVersion;
      }
      await this.releaseHolds(caller, id);
      log.info({ portalId: caller.portalId, bookingId: id }, "appointment booked");
      const { reference } = written;
      return { message: `You're booked for a ${service.name} ${speakable(start, settings.timezone, this.now())} with ${staff.name}. Your booking reference is ${speakReference(reference)}.`, data: { bookingId: id, reference, start: start.toISOString(), end: end.toISOString(), staff: staff.name }, bookingId: id, meetingVersion };
    }
    if (calendarTrouble && candidates.length === 1) return { message: "I can't reach the calendar right now to confirm that time. Someone from the team will call you back to confirm.", data: { error: "calendar_unavailable" } };
    return this.alternatives(caller, settings, service, start, "That time was just taken.");
  }

  /**
   * Writes a booking under a freshly drawn reference, and under another one when the portal already
   * has it (1 in 430 million per booking, so about never, and then once more). ON CONFLICT DO NOTHING
   * does not say which constraint stopped the INSERT: no row means the slot was taken, unless the
   * reference turns out to be in use.
   */
  private async withFreshReference<T>(portalId: string, write: (reference: string) => Promise<T | null>): Promise<T | null> {
    for (let attempt = 1; ; attempt++) {
      const reference = this.newReference();
      try {
        const written = await write(reference);
        if (written) return written;
      } catch (error) {
        if (isReferenceTaken(error) && attempt < 5) continue;
        throw error;
      }
      const [inUse] = await sql(this.db, `SELECT 1 FROM "Booking" WHERE "portalId" = $1 AND "reference" = $2`, [portalId, reference]);
      if (!inUse) return null;
      if (attempt >= 5) throw new Error("no free booking reference after 5 draws");
    }
  }

  private async fitsHours(staff: Pick<Staff, "hours" | "timezone">, start: Date, end: Date): Promise<boolean> {
    const day = localDate(start, staff.timezone);
    const hours = (staff.hours as Partial<Record<Weekday, [string, string]>>)[weekdayOf(day)];
    return !!hours && start >= zonedInstant(day, hours[0], staff.timezone) && end <= zonedInstant(day, hours[1], staff.timezone);
  }

  private async alternatives(caller: CallerContext, settings: Settings, service: Service, near: Date, prefix: string, exclude?: string): Promise<ToolAnswer> {
    const slots = await this.freeSlots(caller.portalId, settings, service, { date: localDate(near, settings.timezone), timeZone: settings.timezone, exclude }, OFFERED);
    if (slots.length === 0) return { message: `${prefix} I don't have another opening in the next two weeks; someone from the team will call you back.`, data: { error: "slot_taken", slots: [] } };
    const labels = slots.map((s) => speakable(s.start, settings.timezone, this.now()));
    return { message: `${prefix} I can offer ${labels.length === 1 ? labels[0] : `${labels.slice(0, -1).join(", ")} or ${labels.at(-1)}`}. Would one of those work?`, data: { error: "slot_taken", slots: slots.map((s, i) => ({ start: s.start.toISOString(), label: labels[i], staff: s.staff.name })) } };
  }

  /**
   * The caller's booking. With a reference: that booking, compared exactly (or by its full id), and
   * only if it was made from this call's phone or from no known phone; a booking of another phone is
   * not found, with the same answer as a wrong reference. Each call gets MAX_FAILED_LOOKUPS failed
   * lookups. Without a reference: the caller's next confirmed booking by phone, else `none`.
   */
  private async findBooking(caller: CallerContext, given: string | undefined, none: ToolAnswer) {
    const include = { staff: true, serviceType: true } as const;
    if (!given?.trim()) {
      const next = caller.phone ? await this.db.booking.findFirst({ where: { portalId: caller.portalId, status: "confirmed", callerPhone: caller.phone, startAt: { gt: this.now() } }, orderBy: { startAt: "asc" }, include }) : null;
      return next ? { booking: next } : { answer: none };
    }
    const lookup = [caller.connectionId, caller.vendorCallId];
    const callback: ToolAnswer = { message: "I can't find that booking. Someone from the team will call you back to help.", data: { error: "lookups_exhausted" } };
    // 1. Take one of the call's failed lookups before looking (given back when the booking is found),
    //    so concurrent tool calls of one call cannot look up more than the bound between them.
    const [taken] = await sql<{ failures: number }>(
      this.db,
      `INSERT INTO "ReferenceLookup" ("connectionId", "vendorCallId", "failures", "updatedAt") VALUES ($1, $2, 1, now())
       ON CONFLICT ("connectionId", "vendorCallId") DO UPDATE SET "failures" = "ReferenceLookup"."failures" + 1, "updatedAt" = now()
       WHERE "ReferenceLookup"."failures" < $3 RETURNING "failures"`,
      [...lookup, MAX_FAILED_LOOKUPS],
    );
    if (!taken) return { answer: callback };
    // 2. Exact equality, never a pattern; the phone rule in the WHERE clause.
    const reference = normaliseReference(given);
    const key = UUID.test(given.trim()) ? { id: given.trim().toLowerCase() } : isReference(reference) ? { reference } : null;
    const owner = caller.phone ? { OR: [{ callerPhone: caller.phone }, { callerPhone: null }] } : { callerPhone: null };
    const booking = key ? await this.db.booking.findFirst({ where: { portalId: caller.portalId, status: "confirmed", ...key, ...owner }, include }) : null;
    if (booking) {
      await sql(this.db, `UPDATE "ReferenceLookup" SET "failures" = "failures" - 1 WHERE "connectionId" = $1 AND "vendorCallId" = $2`, lookup);
      return { booking };
    }
    log.info({ portalId: caller.portalId, callId: caller.vendorCallId, failures: taken.failures }, "booking reference not found");
    // 3. The last failed lookup of the call goes straight to the callback: asking again is pointless.
    if (taken.failures >= MAX_FAILED_LOOKUPS) return { answer: callback };
    const heard = isReference(reference) ? `a booking with reference ${speakReference(reference)}` : "a booking with that reference: a reference has 8 letters and numbers";
    // Said on every miss of a withheld number, found or not, so it reveals nothing.
    const withheld = caller.phone ? "" : " Your number is withheld on this call, and a booking made from a phone number can only be changed when you call from that number.";
    return { answer: { message: `I couldn't find ${heard}.${withheld} Could you read it to me again?`, data: { error: "reference_not_found" } } };
  }

  /** Failed-lookup counts of calls that ended long ago: the worker's upkeep. */
  async purgeReferenceLookups(): Promise<number> {
    return this.db.$executeRaw`DELETE FROM "ReferenceLookup" WHERE "updatedAt" < ${new Date(this.now().getTime() - 86_400_000)}`;
  }

  /** reschedule_appointment: the same booking (and the same calendar event) moves. */
  async reschedule(caller: CallerContext, args: { new_start?: string; booking_id?: string }): Promise<BookingAnswer> {
    const settings = await this.settings(caller.portalId);
    if (!settings) return { message: "I can't change appointments on this line yet.", data: { error: "booking_not_set_up" } };
    const found = await this.findBooking(caller, args.booking_id, { message: "I couldn't find an upcoming appointment for you. Would you like to book one?", data: { error: "no_booking" } });
    if (!found.booking) return found.answer;
    const { booking } = found;
    const start = args.new_start ? new Date(args.new_start) : null;
    if (!start || Number.isNaN(start.getTime())) return { message: "Which new day and time would you like?", data: { error: "bad_start" } };
    if (start.getTime() < this.now().getTime()) return { message: "That time has already passed. Which upcoming time works for you?", data: { error: "past_start" } };
    const service = booking.serviceType;
    const end = new Date(start.getTime() + service.durationMinutes * 60_000);
    const blockEnd = new Date(end.getTime() + service.bufferMinutes * 60_000);
    const unreachable = { message: "I can't reach the calendar right now to move that. Someone from the team will call you back.", data: { error: "calendar_unavailable" } };
    const account = await this.account(booking.staff);
    if (!account) return unreachable;
    const provider = this.provider(booking.staff);
    let busy: { start: Date; end: Date }[];
    try {
      busy = await this.foreignBusy(booking.staff, account, start, blockEnd);
    } catch (error) {
      log.warn({ portalId: caller.portalId, bookingId: booking.id, err: (error as Error).message }, "calendar unreachable for the live check");
      return unreachable;
    }
    if (!(await this.fitsHours(booking.staff, start, end)) || overlaps(busy, start, blockEnd)) {
      return this.alternatives(caller, settings, service, start, `${booking.staff.name} isn't available then.`, booking.id);
    }
    const history = [...((booking.history as unknown[]) ?? []), { at: this.now().toISOString(), action: "rescheduled", callId: caller.vendorCallId, from: booking.startAt.toISOString(), to: start.toISOString() }];
    const moved = await claim(() => this.db.booking.update({ where: { id: booking.id }, data: { startAt: start, endAt: end, blockEndAt: blockEnd, history: history as Prisma.InputJsonValue } }));
    if (!moved) return this.alternatives(caller, settings, service, start, "That time was just taken.", booking.id);
    if (booking.externalEventId) {
      try {
        // Patch the same event: attendees get an update, the event id stays.
        await provider.move(account, booking.externalEventId, this.event(booking.id, service, booking.staff, start, end, booking.callerName, booking.callerEmail, booking.callerPhone));
      } catch (error) {
        log.warn({ portalId: caller.portalId, bookingId: booking.id, err: (error as Error).message }, "calendar event not moved: booking kept at its old time");
        await this.db.booking.update({ where: { id: booking.id }, data: { startAt: booking.startAt, endAt: booking.endAt, blockEndAt: booking.blockEndAt, history: booking.history as Prisma.InputJsonValue } });
        return { message: "I can't reach the calendar right now to move that; your appointment stays as it was. Someone from the team will call you back.", data: { error: "calendar_unavailable" } };
      }
    }
    const { meetingVersion } = await this.db.booking.update({ where: { id: booking.id }, data: meetingChange("rescheduled") });
    return { message: `Done: your ${service.name} is moved to ${speakable(start, settings.timezone, this.now())}.`, data: { bookingId: booking.id, start: start.toISOString(), end: end.toISOString() }, bookingId: booking.id, meetingVersion };
  }

  /** cancel_appointment: cancelled, the attendee notified by the provider. */
  async cancel(caller: CallerContext, args: { booking_id?: string; reason?: string }): Promise<BookingAnswer> {
    const found = await this.findBooking(caller, args.booking_id, { message: "I couldn't find an upcoming appointment for you to cancel.", data: { error: "no_booking" } });
    if (!found.booking) return found.answer;
    const { booking } = found;
    if (booking.externalEventId && booking.staff.calendar !== "builtin") {
      const account = await this.account(booking.staff);
      try {
        if (!account) throw new Error("calendar not connected");
        await this.provider(booking.staff).cancel(account, booking.externalEventId, this.event(booking.id, booking.serviceType, booking.staff, booking.startAt, booking.endAt, booking.callerName, booking.callerEmail, booking.callerPhone), args.reason ?? null);
      } catch (error) {
        log.warn({ portalId: caller.portalId, bookingId: booking.id, err: (error as Error).message }, "calendar event not cancelled");
        return { message: "I can't reach the calendar right now to cancel that. Someone from the team will call you back to confirm the cancellation.", data: { error: "calendar_unavailable" } };
      }
    }
    const history = [...((booking.history as unknown[]) ?? []), { at: this.now().toISOString(), action: "cancelled", callId: caller.vendorCallId, reason: args.reason ?? null }];
    const { meetingVersion } = await this.db.booking.update({ where: { id: booking.id }, data: { status: "cancelled", history: history as Prisma.InputJsonValue, ...meetingChange("cancelled") } });
    const settings = await this.settings(caller.portalId);
    return { message: `Your ${booking.serviceType.name} ${speakable(booking.startAt, settings?.timezone ?? "UTC", this.now())} is cancelled.`, data: { bookingId: booking.id }, bookingId: booking.id, meetingVersion };
  }

  private event(bookingId: string, service: Service, staff: Staff, start: Date, end: Date, name: string | null, email: string | null, phone: string | null): CalendarEvent {
    return { bookingId, title: `${service.name}${name ? ` with ${name}` : ""}`, start, end, organizerEmail: staff.email, attendee: { name, email, phone }, reminderMinutes: service.reminderMinutes, timeZone: staff.timezone };
  }
}
