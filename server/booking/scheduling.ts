import { sql, type Db } from "../db/client.js";
import type { ExternalType } from "./providers/types.js";

// Staff on a scheduling system (Acuity): which of its types serves a service for them, and its
// openings, kept for a few seconds. One check_availability places holds in a few rounds, each
// reading the free slots again; Acuity allows about 10 requests a second per account, so each day
// is asked once and the answer reused. A change made in Acuity meanwhile still counts at once: its
// webhook writes ExternalBusy, which availability subtracts, and every write is checked live.

const OPENINGS_TTL_MS = 15_000;

/** The mapped types of some staff for one service; a mapping with a problem is not usable. */
export async function externalTypes(db: Db, staffIds: string[], serviceTypeId: string): Promise<Map<string, ExternalType>> {
  if (!staffIds.length) return new Map();
  const rows = await sql<{ staffId: string; externalTypeId: string; externalCalendarId: string | null; timezone: string; durationMinutes: number }>(
    db,
    `SELECT t."staffId", t."externalTypeId", m."externalCalendarId", m."timezone", s."durationMinutes" FROM "StaffServiceType" t JOIN "StaffMember" m ON m."id" = t."staffId" JOIN "ServiceType" s ON s."id" = t."serviceTypeId"
     WHERE t."serviceTypeId" = $1 AND t."staffId" = ANY($2) AND t."problem" IS NULL`,
    [serviceTypeId, staffIds],
  );
  return new Map(rows.map((r) => [r.staffId, { typeId: r.externalTypeId, calendarId: r.externalCalendarId, timeZone: r.timezone, durationMinutes: r.durationMinutes }]));
}

/** Openings per staff member, type and day, shared by concurrent readers and reused for a few seconds. */
export class OpeningsCache {
  private readonly entries = new Map<string, { at: number; openings: Promise<Date[]> }>();

  constructor(private readonly ttlMs = OPENINGS_TTL_MS) {}

  get(staffId: string, type: ExternalType, day: string, load: () => Promise<Date[]>): Promise<Date[]> {
    const key = `${staffId}|${type.typeId}|${type.calendarId ?? ""}|${type.durationMinutes}|${day}`;
    const now = Date.now();
    for (const [k, entry] of this.entries) if (now - entry.at > this.ttlMs) this.entries.delete(k);
    const cached = this.entries.get(key);
    if (cached) return cached.openings;
    const openings = load();
    this.entries.set(key, { at: now, openings });
    openings.catch(() => this.entries.get(key)?.openings === openings && this.entries.delete(key));
    return openings;
  }

  /** The calendar just refused a time it had offered: its openings are read afresh. */
  forget(staffId: string): void {
    for (const key of this.entries.keys()) if (key.startsWith(`${staffId}|`)) this.entries.delete(key);
  }
}
