import { z } from "zod";
import { sql, type Db } from "../db/client.js";
import { maskPhone } from "../config/logger.js";
import { VENDOR_IDS } from "./record.js";
import { hubspotRecordUrl } from "../hubspot/records.js";
import type { CallLogEntry, CallLogPage, CallLogStatus, MatchedVia, QuarantinedPayloadView } from "../../hubspot-app/app/shared/api.js";

// The settings page's call log: every call of a portal and every payload quarantined on its
// connections, newest first, one page at a time. Pages are keyset pages over (received at, id), so
// page 500 of a portal with 100,000 calls costs what page 1 does (Call_portalId_createdAt_id_idx, and
// Call_portalId_status_createdAt_id_idx under a status filter; bench/call-log.ts).

export const CALL_LOG_STATUSES = ["received", "synced", "retrying", "fallback", "waiting_auth", "quarantined", "forgotten"] as const satisfies readonly CallLogStatus[];

/** The Call row's status behind each status of the log (quarantined payloads are rows of their own). */
const ROW_STATUS = { received: "pending", synced: "synced", retrying: "retrying", fallback: "fallback", waiting_auth: "waiting_auth", forgotten: "forgotten" } as const satisfies Record<Exclude<CallLogStatus, "quarantined">, string>;
const LOG_STATUS = Object.fromEntries(Object.entries(ROW_STATUS).map(([log, row]) => [row, log])) as Record<string, CallLogStatus>;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date is YYYY-MM-DD");

export const callLogQuerySchema = z.object({
  status: z.enum(CALL_LOG_STATUSES).optional(),
  vendor: z.enum(VENDOR_IDS).optional(),
  /** First and last day shown (inclusive), in the portal's time zone. */
  from: day.optional(),
  to: day.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().optional(),
});

export type CallLogQuery = z.infer<typeof callLogQuerySchema>;

interface Cursor {
  at: string;
  id: string;
}

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString("base64url");

/** The position a page ends at; null when it is not one we made (the route answers 400). */
export function decodeCursor(text: string): Cursor | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as unknown[];
    if (typeof at !== "string" || Number.isNaN(Date.parse(at)) || typeof id !== "string" || !id) return null;
    return { at: new Date(at).toISOString(), id };
  } catch {
    return null;
  }
}

interface CallRow {
  id: string;
  status: string;
  vendor: string;
  at: Date;
  startedAt: Date | null;
  durationMs: string | null;
  direction: string | null;
  fromNumber: string | null;
  toNumber: string | null;
  firstName: string | null;
  lastName: string | null;
  fullName: string | null;
  disposition: string | null;
  summary: string | null;
  contactId: string | null;
  hubspotCallId: string | null;
  matchedVia: string | null;
  matchCandidates: number | null;
  matchRule: string | null;
  needsReview: boolean;
  movedAt: Date | null;
  lastError: string | null;
  fallbackId: string | null;
  fallbackReason: string | null;
}

interface QuarantineRow {
  id: string;
  vendor: string;
  at: Date;
  reason: string;
}

/**
 * The filters as SQL over one table: the portal, then each filter given, then the keyset position.
 * Day bounds are the portal's local midnights, as UTC timestamps like the columns.
 */
function conditions(portalId: string, query: CallLogQuery & { timezone: string }, cursor: Cursor | null, columns: { at: string; status?: string }, values: unknown[]): string {
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const where = [`"portalId" = ${param(portalId)}`];
  if (query.status && columns.status) where.push(`${columns.status} = ${param(ROW_STATUS[query.status as keyof typeof ROW_STATUS])}`);
  if (query.vendor) where.push(`"vendor" = ${param(query.vendor)}`);
  const tz = query.from || query.to ? param(query.timezone) : null;
  if (query.from) where.push(`${columns.at} >= (${param(query.from)}::date::timestamp AT TIME ZONE ${tz}) AT TIME ZONE 'UTC'`);
  if (query.to) where.push(`${columns.at} < ((${param(query.to)}::date + 1)::timestamp AT TIME ZONE ${tz}) AT TIME ZONE 'UTC'`);
  if (cursor) where.push(`(${columns.at}, "id" COLLATE "C") < (${param(cursor.at)}::timestamp, ${param(cursor.id)})`);
  return where.join(" AND ");
}

/**
 * One page of the log. Calls and quarantined payloads are read apart (each table on its own index,
 * at most `limit + 1` rows each) and merged here, so a page never scans more than it shows.
 */
export async function listCallLog(db: Db, portalId: string, query: CallLogQuery & { timezone: string }, cursor: Cursor | null): Promise<CallLogPage> {
  const take = query.limit + 1;
  const wantCalls = query.status !== "quarantined";
  const wantQuarantine = !query.status || query.status === "quarantined";

  const callValues: unknown[] = [];
  const calls = wantCalls
    ? await sql<CallRow>(
        db,
        `SELECT c."id", c."status", c."vendor", c."createdAt" AS "at", c."startedAt",
                c."record"->>'durationMs' AS "durationMs", c."record"->>'direction' AS "direction",
                c."record"->>'fromNumber' AS "fromNumber", c."record"->>'toNumber' AS "toNumber",
                c."record"->'caller'->>'firstName' AS "firstName", c."record"->'caller'->>'lastName' AS "lastName",
                c."record"->'caller'->>'fullName' AS "fullName", c."disposition",
                c."record"->>'summary' AS "summary", c."hubspotContactId" AS "contactId", c."hubspotCallId",
                c."matchedVia", c."matchCandidates", c."matchRule", c."needsReview", c."movedAt", c."lastError", f."id" AS "fallbackId", f."reason" AS "fallbackReason"
         FROM (SELECT * FROM "Call" WHERE ${conditions(portalId, query, cursor, { at: `"createdAt"`, status: `"status"` }, callValues)}
               ORDER BY "createdAt" DESC, "id" COLLATE "C" DESC LIMIT ${take}) c
         LEFT JOIN "FallbackEntry" f ON f."callId" = c."id" AND f."resolvedAt" IS NULL
         ORDER BY c."createdAt" DESC, c."id" COLLATE "C" DESC`,
        callValues,
      )
    : [];
  const quarantineValues: unknown[] = [];
  const quarantined = wantQuarantine
    ? await sql<QuarantineRow>(
        db,
        `SELECT "id", "vendor", "receivedAt" AS "at", "reason" FROM "QuarantinedPayload"
         WHERE ${conditions(portalId, query, cursor, { at: `"receivedAt"` }, quarantineValues)}
         ORDER BY "receivedAt" DESC, "id" COLLATE "C" DESC LIMIT ${take}`,
        quarantineValues,
      )
    : [];

  const merged = [...calls.map((row) => callEntry(portalId, row)), ...quarantined.map(quarantineEntry)].sort(newestFirst);
  const entries = merged.slice(0, query.limit);
  const last = entries.at(-1);
  return { entries, nextCursor: merged.length > query.limit && last ? encodeCursor({ at: last.at, id: last.id }) : null };
}

const newestFirst = (a: CallLogEntry, b: CallLogEntry) => (a.at === b.at ? (a.id < b.id ? 1 : a.id > b.id ? -1 : 0) : a.at < b.at ? 1 : -1);

function callEntry(portalId: string, row: CallRow): CallLogEntry {
  const status = LOG_STATUS[row.status] ?? "received";
  const number = row.direction === "outbound" ? row.toNumber : row.fromNumber;
  const name = row.fullName ?? ([row.firstName, row.lastName].filter(Boolean).join(" ") || null);
  return {
    id: row.id,
    kind: "call",
    status,
    vendor: row.vendor,
    at: row.at.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    durationMs: row.durationMs === null ? null : Number(row.durationMs),
    caller: maskPhone(number) ?? null,
    callerName: name,
    disposition: row.disposition,
    summary: row.summary,
    contactId: row.contactId,
    matchedVia: (row.matchedVia as MatchedVia | null) ?? null,
    sharedNumber: row.matchCandidates && row.matchCandidates > 1 ? { candidates: row.matchCandidates, rule: row.matchRule, needsReview: row.needsReview } : null,
    movedAt: row.movedAt?.toISOString() ?? null,
    contactUrl: row.contactId ? hubspotRecordUrl(portalId, "contact", row.contactId) : null,
    hubspotCallUrl: row.hubspotCallId ? hubspotRecordUrl(portalId, "call", row.hubspotCallId) : null,
    reason: status === "synced" || status === "forgotten" ? null : (row.fallbackReason ?? row.lastError),
    replayable: status === "fallback" && row.fallbackId !== null,
  };
}

function quarantineEntry(row: QuarantineRow): CallLogEntry {
  return {
    id: row.id,
    kind: "quarantined",
    status: "quarantined",
    vendor: row.vendor,
    at: row.at.toISOString(),
    startedAt: null,
    durationMs: null,
    caller: null,
    callerName: null,
    disposition: null,
    summary: null,
    contactId: null,
    matchedVia: null,
    sharedNumber: null,
    movedAt: null,
    contactUrl: null,
    hubspotCallUrl: null,
    reason: row.reason,
    replayable: false,
  };
}

/** What the page shows of a quarantined payload: the body as received, cut past this many characters. */
const BODY_SHOWN = 20_000;

/** A quarantined payload of the portal (another portal's id is as good as none). */
export async function quarantinedPayload(db: Db, portalId: string, id: string): Promise<QuarantinedPayloadView | null> {
  const row = await db.quarantinedPayload.findFirst({ where: { id, portalId } });
  if (!row) return null;
  const truncated = row.body.length > BODY_SHOWN ? BODY_SHOWN : null;
  return { id: row.id, vendor: row.vendor, reason: row.reason, receivedAt: row.receivedAt.toISOString(), body: truncated ? row.body.slice(0, BODY_SHOWN) : row.body, truncated };
}

/** A call of the portal and its open fallback entry, if it has one. */
export async function callForReplay(db: Db, portalId: string, callId: string): Promise<{ status: CallLogStatus; fallbackId: string | null } | null> {
  const call = await db.call.findFirst({ where: { id: callId, portalId }, select: { status: true, fallback: { select: { id: true, resolvedAt: true } } } });
  if (!call) return null;
  return { status: LOG_STATUS[call.status] ?? "received", fallbackId: call.fallback && !call.fallback.resolvedAt ? call.fallback.id : null };
}
