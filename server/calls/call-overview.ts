import { sql, type Db } from "../db/client.js";
import type { CallOverview } from "../../hubspot-app/app/shared/api.js";

// The overview above the call log: the last 30 days of a portal's calls as an owner would rather look
// than read. One aggregate statement gives every chart and total, never a loop over calls: it reads
// the window once, off Call_portalId_createdAt_id_idx alone (an index-only scan: the index includes
// the status, the match and the columns PostgreSQL generates from each record, so no TOASTed record is
// unpacked; migration 20261205000000_call_log). Days are the portal's local days (its booking time
// zone, else UTC).

export const OVERVIEW_DAYS = 30;

/** The portal's time zone for days: the one booking is set up in, else UTC. */
export async function portalTimezone(db: Db, portalId: string): Promise<string> {
  const settings = await db.bookingSettings.findUnique({ where: { portalId }, select: { timezone: true } });
  return settings?.timezone ?? "UTC";
}

export async function callOverview(db: Db, portalId: string): Promise<CallOverview> {
  const timezone = await portalTimezone(db, portalId);
  const [row] = await sql<Omit<CallOverview, "days" | "timezone">>(
    db,
    `WITH since AS (
       SELECT ((date_trunc('day', now() AT TIME ZONE $2) - interval '${OVERVIEW_DAYS - 1} days') AT TIME ZONE $2) AT TIME ZONE 'UTC' AS "at"),
     window_calls AS MATERIALIZED (
       SELECT to_char(("createdAt" AT TIME ZONE 'UTC') AT TIME ZONE $2, 'YYYY-MM-DD') AS "day", "status", "matchedVia",
              COALESCE("disposition", 'unknown') AS "disposition", "sentiment", "escalated"
       FROM "Call" WHERE "portalId" = $1 AND "createdAt" >= (SELECT "at" FROM since))
     SELECT
       (SELECT json_build_object(
          'calls', count(*), 'synced', count(*) FILTER (WHERE "status" = 'synced'),
          'failing', count(*) FILTER (WHERE "status" IN ('fallback', 'waiting_auth')),
          'escalations', count(*) FILTER (WHERE "escalated"), 'newContacts', count(*) FILTER (WHERE "matchedVia" = 'created'),
          'bookings', (SELECT count(*) FROM "Booking" WHERE "portalId" = $1 AND "reference" IS NOT NULL AND "createdAt" >= (SELECT "at" FROM since)))
        FROM window_calls) AS "totals",
       (SELECT COALESCE(json_agg(json_build_object('day', "day", 'disposition', "disposition", 'calls', "calls") ORDER BY "day", "disposition"), '[]')
        FROM (SELECT "day", "disposition", count(*) AS "calls" FROM window_calls GROUP BY 1, 2) d) AS "perDay",
       (SELECT COALESCE(json_agg(json_build_object('day', "day", 'sentiment', "sentiment", 'calls', "calls") ORDER BY "day", "sentiment"), '[]')
        FROM (SELECT "day", "sentiment", count(*) AS "calls" FROM window_calls WHERE "sentiment" IS NOT NULL GROUP BY 1, 2) s) AS "sentiment"`,
    [portalId, timezone],
  );
  return { days: OVERVIEW_DAYS, timezone, ...row! };
}
