import { randomUUID } from "node:crypto";
import { sql, type Db } from "../db/client.js";
import { shuffle, slotKey } from "./slots.js";
import type { CallerContext, Service, Settings, Slot } from "./types.js";

// Short holds on offered slots, so a second caller is not offered the same ones; they expire on their
// own. Holds are Booking rows with status 'held', under the same exclusion constraint as bookings, so a
// clash is a missing row, never a double offer. Placements of one portal run one at a time in this
// process (an in-process queue), which spares concurrent callers most of the races between them.

/** How many slots one offer holds. */
export const OFFERED = 3;
/** How long this process remembers the holds it just placed (newer than any read it acts on). */
const RECENT_MS = 5_000;

/** One live call (its holds are its own). */
const callKeyOf = (caller: { connectionId: string; vendorCallId: string }) => `${caller.connectionId}:${caller.vendorCallId}`;

interface RecentHold {
  call: string;
  staffId: string;
  start: number;
  end: number;
  at: number;
}

export class Holds {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly recent = new Map<string, RecentHold[]>();

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  /** Holds this process placed for the portal in the last few seconds. */
  private recentlyHeld(portalId: string): RecentHold[] {
    const fresh = (this.recent.get(portalId) ?? []).filter((r) => Date.now() - r.at < RECENT_MS);
    this.recent.set(portalId, fresh);
    return fresh;
  }

  /**
   * Runs the portal's hold placements one after the other in this process: twenty callers asking at
   * the same instant then each see the others' holds and succeed in one round, instead of racing for
   * the same slots and retrying. Across processes they still race, safely (the exclusion constraint),
   * just with more rounds.
   */
  private oneAtATime<T>(portalId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(portalId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.then(() => undefined, () => undefined);
    this.queues.set(portalId, tail);
    void tail.then(() => this.queues.get(portalId) === tail && this.queues.delete(portalId));
    return next;
  }

  /**
   * Up to OFFERED free slots, held for the caller, earliest first. `search(limit)` reads the free
   * slots (availability.ts).
   */
  async holdSlots(caller: CallerContext, settings: Settings, service: Service, search: (limit: number) => Promise<Slot[]>): Promise<Slot[]> {
    const offered: Slot[] = [];
    // Callers asking at the same moment want the same earliest slots. The database read happens in
    // parallel; the choice and the INSERT happen one caller at a time in this process, skipping what
    // the callers just before took (remembered here), so each usually succeeds in one round. Another
    // process's callers can still take a slot first: the loser looks again, from then on picking at
    // random among the next few free slots, so they spread out instead of queueing for one.
    const tried = new Set<string>();
    const callKey = callKeyOf(caller);
    const blockMs = (service.durationMinutes + service.bufferMinutes) * 60_000;
    for (let round = 0; round < 6 && offered.length < OFFERED; round++) {
      const candidates = (await search(OFFERED * 6 + tried.size)).filter((s) => !tried.has(slotKey(s)));
      if (!candidates.length) break;
      if (round > 0) shuffle(candidates);
      const held = await this.oneAtATime(caller.portalId, async () => {
        const recent = this.recentlyHeld(caller.portalId).filter((r) => r.call !== callKey);
        // The next few candidates that do not overlap each other (one staff member cannot hold two
        // overlapping slots) nor what the callers just before took, placed in one statement.
        const pick = (from: Slot[]) => {
          const batch: Slot[] = [];
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
        if (!batch.length) batch = pick(await search(OFFERED * 6 + tried.size + recent.length));
        if (!batch.length) return [];
        for (const slot of batch) tried.add(slotKey(slot));
        const placed = await this.hold(caller, settings, service, batch);
        this.recent.set(caller.portalId, [...this.recentlyHeld(caller.portalId), ...placed.map((p) => ({ call: callKey, staffId: p.staff.id, start: p.start.getTime(), end: p.start.getTime() + blockMs, at: Date.now() }))]);
        return placed;
      });
      if (!held.length && round > 0) break;
      offered.push(...held);
    }
    offered.sort((a, b) => a.start.getTime() - b.start.getTime());
    return offered;
  }

  /**
   * One INSERT ... ON CONFLICT DO NOTHING: a clash with the exclusion constraint is a missing row in
   * the answer, not an exception, and speculative insertion does not deadlock between clashing inserts.
   */
  private async hold(caller: CallerContext, settings: Settings, service: Service, slots: Slot[]): Promise<Slot[]> {
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
    const cleared = missed.length ? await this.deleteExpired(missed.map((r) => r.slot.staff.id), new Date(Math.min(...missed.map((r) => r.slot.start.getTime()))), new Date(Math.max(...missed.map((r) => r.blockEndAt.getTime())))) : 0;
    if (cleared) held = new Set([...held, ...(await insert(missed))]);
    return rows.filter((r) => held.has(r.id)).map((r) => r.slot);
  }

  /**
   * Expired holds of some staff in one time range. Rows another transaction is already deleting are
   * skipped (SKIP LOCKED): concurrent cleaners never wait for each other, so they cannot deadlock.
   */
  async deleteExpired(staffIds: string[], from: Date, to: Date): Promise<number> {
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
  async release(caller: CallerContext, keep?: string): Promise<void> {
    // Forget them here too, or this process would keep steering other callers away from them.
    const callKey = callKeyOf(caller);
    const recent = this.recent.get(caller.portalId);
    if (recent) this.recent.set(caller.portalId, recent.filter((r) => r.call !== callKey));
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
