import { randomUUID } from "node:crypto";
import { sql, sqlTransaction, type Db, type SqlQuery } from "../db/client.js";
import { holdRetries } from "../metrics/metrics.js";
import { slotKey } from "./slots.js";
import type { CallerContext, Service, Settings, Slot } from "./types.js";

// Short holds on offered slots, so a second caller is not offered the same ones; they expire on their
// own. Holds are Booking rows with status 'held', under the same exclusion constraint as bookings, so a
// clash is a missing row, never a double offer.
//
// Callers asking at the same moment want the same earliest slots. Placed one caller at a time, the
// twentieth of a burst waited for the nineteen before it (docs/benchmarks.md). Instead, a portal's
// callers who ask while a placement is running wait for the next one together, and one placement
// serves its whole batch: one read of the free slots per question asked, the slots shared out between
// the batch's callers in memory, and one INSERT for all their holds. Each placement takes the portal's
// PostgreSQL advisory lock and reads again, under it, what is taken: placements of different processes
// follow each other too, and a caller is served by the first placement it joins unless a booking made
// without a hold took a slot meanwhile (then it joins the next, `aira_booking_hold_retries_total`).

/** How many slots one offer holds. */
export const OFFERED = 3;
/** Placements one caller joins at most before it is answered with what it holds. */
const MAX_ROUNDS = 6;
/**
 * Callers of other processes whose holds a read of the free slots may miss (they commit between our
 * read and our lock) before our callers run short and need another placement: read that much further.
 */
const READ_AHEAD = 20;
const MINUTE = 60_000;

/** Items by key, in their order (Map.groupBy is Node 21). */
function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

export interface HoldRequest {
  caller: CallerContext;
  settings: Settings;
  service: Service;
  /** Callers with the same question (service, day, window, zone) share one read of the free slots. */
  question: string;
  /** Up to `limit` free slots, each free staff member at each start, earliest first (availability.ts). */
  search: (limit: number) => Promise<Slot[]>;
}

/** A caller waiting for a placement. */
interface Waiter {
  request: HoldRequest;
  /** Held for it so far, by earlier placements. */
  offered: Slot[];
  /** Slots chosen for it that someone else took first: not chosen again. */
  lost: Set<string>;
  rounds: number;
  resolve: (slots: Slot[]) => void;
  reject: (error: unknown) => void;
}

/** The free slots read for one question, and whether that was all of them (fewer than asked for). */
interface Found {
  slots: Slot[];
  complete: boolean;
}

interface Pick {
  waiter: Waiter;
  slot: Slot;
  id: string;
}

interface Busy {
  staffId: string;
  start: number;
  end: number;
}

const blockMsOf = (service: Service) => (service.durationMinutes + service.bufferMinutes) * MINUTE;

export class Holds {
  /** Per portal: callers waiting for the next placement. */
  private readonly waiting = new Map<string, Waiter[]>();
  /** Portals with a placement running in this process. */
  private readonly placing = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  /** Up to OFFERED free slots, held for the caller, earliest first. */
  holdSlots(request: HoldRequest): Promise<Slot[]> {
    return new Promise((resolve, reject) => this.wait({ request, offered: [], lost: new Set(), rounds: 0, resolve, reject }));
  }

  private wait(waiter: Waiter): void {
    const { portalId } = waiter.request.caller;
    this.waiting.set(portalId, [...(this.waiting.get(portalId) ?? []), waiter]);
    if (!this.placing.has(portalId)) void this.drain(portalId);
  }

  /** Placements one after the other while callers wait; those a placement could not serve go first in the next. */
  private async drain(portalId: string): Promise<void> {
    this.placing.add(portalId);
    try {
      for (let batch = this.waiting.get(portalId); batch?.length; batch = this.waiting.get(portalId)) {
        this.waiting.delete(portalId);
        try {
          const again = await this.place(portalId, batch);
          if (again.length) this.waiting.set(portalId, [...again, ...(this.waiting.get(portalId) ?? [])]);
        } catch (error) {
          for (const waiter of batch) waiter.reject(error);
        }
      }
    } finally {
      this.placing.delete(portalId);
    }
  }

  /** One placement for a batch of callers: those it served are answered; returns those to serve again. */
  private async place(portalId: string, batch: Waiter[]): Promise<Waiter[]> {
    // 1. One read of the free slots per question, enough for everyone asking it and then some (outside
    //    the lock: a scheduling system's openings may be asked of the provider). A read that fails
    //    (a bug) fails its own callers only.
    const questions = groupBy(batch, (w) => w.request.question);
    const found = new Map<string, Found>();
    const failed = new Set<Waiter>();
    await Promise.all(
      [...questions].map(async ([question, waiters]) => {
        const limit = OFFERED * (waiters.length + READ_AHEAD) + Math.max(...waiters.map((w) => w.lost.size));
        try {
          const slots = await waiters[0]!.request.search(limit);
          found.set(question, { slots, complete: slots.length < limit });
        } catch (error) {
          for (const waiter of waiters) {
            failed.add(waiter);
            waiter.reject(error);
          }
        }
      }),
    );
    const serving = batch.filter((w) => !failed.has(w));
    if (!serving.length) return [];

    // 2. Under the portal's lock: what is taken now (another process's placement may have just
    //    committed), the slots shared out, and every hold in one INSERT.
    //    Placements follow each other, so a commit waiting for the disk would hold up every caller behind
    //    it (on the benchmark VM a flush sometimes takes 0.3 s): holds do not wait for it. A hold lost in
    //    a PostgreSQL crash costs nothing that matters: the slot may be offered again, and a booking is
    //    still made under the exclusion constraint, never twice.
    const { picks, placed } = await sqlTransaction(
      this.db,
      async (query) => {
        await query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`booking-holds:${portalId}`]);
        const taken = await this.taken(query, portalId, serving, found);
        const picks = shareOut(serving, found, taken);
        return { picks, placed: await this.insert(query, portalId, picks) };
      },
      { waitForDisk: false },
    );

    // 3. Each caller keeps what it got; one that lost a slot, or was short while more slots exist than
    //    were read, joins the next placement.
    const again: Waiter[] = [];
    for (const waiter of serving) {
      const mine = picks.filter((p) => p.waiter === waiter);
      const lost = mine.filter((p) => !placed.has(p.id));
      waiter.offered.push(...mine.filter((p) => placed.has(p.id)).map((p) => p.slot));
      for (const p of lost) waiter.lost.add(slotKey(p.slot));
      waiter.rounds++;
      const short = waiter.offered.length < OFFERED;
      if (short && waiter.rounds < MAX_ROUNDS && (lost.length || !found.get(waiter.request.question)!.complete)) {
        again.push(waiter);
        holdRetries.inc();
      } else {
        waiter.resolve(waiter.offered.sort((a, b) => a.start.getTime() - b.start.getTime()));
      }
    }
    return again;
  }

  /** Live holds and bookings of the candidates' staff over the candidates' span, read in the transaction. */
  private async taken(query: SqlQuery, portalId: string, batch: Waiter[], found: Map<string, Found>): Promise<Busy[]> {
    const candidates = [...found.values()].flatMap((f) => f.slots);
    if (!candidates.length) return [];
    const longest = Math.max(...batch.map((w) => blockMsOf(w.request.service)));
    const starts = candidates.map((s) => s.start.getTime());
    const rows = await query<{ staffId: string; startAt: Date; blockEndAt: Date }>(
      `SELECT "staffId", "startAt", "blockEndAt" FROM "Booking"
       WHERE "portalId" = $1 AND "staffId" = ANY($2) AND "startAt" < $3 AND "blockEndAt" > $4
         AND ("status" = 'confirmed' OR ("status" = 'held' AND "holdExpiresAt" >= $5))`,
      [portalId, [...new Set(candidates.map((s) => s.staff.id))], new Date(Math.max(...starts) + longest).toISOString(), new Date(Math.min(...starts)).toISOString(), this.now().toISOString()],
    );
    return rows.map((r) => ({ staffId: r.staffId, start: r.startAt.getTime(), end: r.blockEndAt.getTime() }));
  }

  /**
   * One INSERT ... ON CONFLICT DO NOTHING for the whole batch: a clash with the exclusion constraint is
   * a missing row in the answer, not an exception, and speculative insertion does not deadlock between
   * clashing inserts. Returns the ids placed.
   */
  private async insert(query: SqlQuery, portalId: string, picks: Pick[]): Promise<Set<string>> {
    const now = this.now();
    const insert = async (batch: Pick[]) => {
      if (!batch.length) return [];
      const values: unknown[] = [];
      const tuples = batch.map(({ waiter: { request }, slot, id }) => {
        const { caller, settings, service } = request;
        const start = slot.start.getTime();
        const row = [id, portalId, slot.staff.id, service.id, slot.start.toISOString(), new Date(start + service.durationMinutes * MINUTE).toISOString(), new Date(start + blockMsOf(service)).toISOString(), new Date(now.getTime() + settings.holdMinutes * MINUTE).toISOString(), caller.connectionId, caller.vendorCallId, caller.phone, now.toISOString()];
        const p = row.map((value) => `$${values.push(value)}`);
        return `(${p.slice(0, 4).join(", ")}, 'held', ${p.slice(4).join(", ")})`;
      });
      const inserted = await query<{ id: string }>(
        `INSERT INTO "Booking" ("id", "portalId", "staffId", "serviceTypeId", "status", "startAt", "endAt", "blockEndAt", "holdExpiresAt", "connectionId", "vendorCallId", "callerPhone", "updatedAt")
         VALUES ${tuples.join(", ")} ON CONFLICT DO NOTHING RETURNING "id"`,
        values,
      );
      return inserted.map((r) => r.id);
    };
    const placed = new Set(await insert(picks));
    const missed = picks.filter((p) => !placed.has(p.id));
    if (!missed.length) return placed;
    // The constraint cannot look at the clock: an expired hold still blocks until it is deleted.
    const from = new Date(Math.min(...missed.map((p) => p.slot.start.getTime())));
    const to = new Date(Math.max(...missed.map((p) => p.slot.start.getTime() + blockMsOf(p.waiter.request.service))));
    if (await this.deleteExpired([...new Set(missed.map((p) => p.slot.staff.id))], from, to, query)) for (const id of await insert(missed)) placed.add(id);
    return placed;
  }

  /**
   * Expired holds of some staff in one time range. Rows another transaction is already deleting are
   * skipped (SKIP LOCKED): concurrent cleaners never wait for each other, so they cannot deadlock.
   */
  async deleteExpired(staffIds: string[], from: Date, to: Date, query: SqlQuery = (text, values) => sql(this.db, text, values)): Promise<number> {
    const rows = await query(
      `DELETE FROM "Booking" WHERE "id" IN (
         SELECT "id" FROM "Booking"
         WHERE "status" = 'held' AND "holdExpiresAt" < $1 AND "staffId" = ANY($2) AND "startAt" < $3 AND "blockEndAt" > $4
         FOR UPDATE SKIP LOCKED) RETURNING "id"`,
      [this.now().toISOString(), staffIds, to.toISOString(), from.toISOString()],
    );
    return rows.length;
  }

  /** This call's own holds (a new offer replaces the last one; a booking releases the rest). */
  async release(caller: CallerContext, keep?: string): Promise<void> {
    await sql(this.db, `DELETE FROM "Booking" WHERE "status" = 'held' AND "connectionId" = $1 AND "vendorCallId" = $2 AND "id" <> $3`, [caller.connectionId, caller.vendorCallId, keep ?? ""]);
  }

  /** The call's live hold on this start and service, if it has one. */
  async find(caller: CallerContext, start: Date, serviceId: string): Promise<{ id: string; staffId: string } | null> {
    const [held] = await sql<{ id: string; staffId: string }>(
      this.db,
      `SELECT "id", "staffId" FROM "Booking" WHERE "portalId" = $1 AND "connectionId" = $2 AND "vendorCallId" = $3 AND "status" = 'held' AND "startAt" = $4 AND "serviceTypeId" = $5 AND "holdExpiresAt" > $6 LIMIT 1`,
      [caller.portalId, caller.connectionId, caller.vendorCallId, start.toISOString(), serviceId, this.now().toISOString()],
    );
    return held ?? null;
  }

  /** Expired holds of everyone: the worker's upkeep, so the table does not grow. */
  async purgeExpired(): Promise<number> {
    return this.db.$executeRaw`
      DELETE FROM "Booking" WHERE "id" IN (SELECT "id" FROM "Booking" WHERE "status" = 'held' AND "holdExpiresAt" < ${this.now()} FOR UPDATE SKIP LOCKED)`;
  }
}

/**
 * The batch's callers in the order they asked, each given the earliest free slots of its question
 * that nobody was given before it: a slot's block (appointment plus buffer) clear of what is taken
 * and of everything chosen in this batch for that staff member, a different time from the caller's
 * other slots, never a slot it lost before.
 */
function shareOut(batch: Waiter[], found: Map<string, Found>, taken: Busy[]): Pick[] {
  const busy = groupBy(taken, (b) => b.staffId);
  const picks: Pick[] = [];
  for (const waiter of batch) {
    const blockMs = blockMsOf(waiter.request.service);
    const times = new Set(waiter.offered.map((s) => s.start.getTime()));
    for (const slot of found.get(waiter.request.question)!.slots) {
      if (times.size === OFFERED) break;
      const start = slot.start.getTime();
      const end = start + blockMs;
      const staffBusy = busy.get(slot.staff.id) ?? [];
      if (times.has(start) || waiter.lost.has(slotKey(slot)) || staffBusy.some((b) => b.start < end && b.end > start)) continue;
      busy.set(slot.staff.id, [...staffBusy, { staffId: slot.staff.id, start, end }]);
      times.add(start);
      picks.push({ waiter, slot, id: randomUUID() });
    }
  }
  return picks;
}
