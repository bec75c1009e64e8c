import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { createDb, sql, type Db } from "../server/db/client.js";
import { callLogQuerySchema, decodeCursor, listCallLog, type CallLogQuery } from "../server/calls/call-log.js";
import { callOverview } from "../server/calls/call-overview.js";
import { onboardingChecklist } from "../server/onboarding/checklist.js";
import { benchDatabase, percentile, printTable } from "./support.js";

// The settings page's call log on a portal with 100,000 calls: the first page, a page deep in the
// log (reached by its cursor), filtered pages, the overview's one aggregate statement and the
// checklist, each timed in this process against PostgreSQL (the route adds only JSON). Seeded with
// plain SQL (generate_series): 100,000 calls over 180 days on 5 connections, each record carrying a
// ~3 KB transcript (so it is TOASTed as a real one is), 90 % synced, 3 % in the fallback queue (with
// their entries), 2 % retrying, 2 % waiting for re-authorisation, 3 % received; 2,000 quarantined
// payloads; and 20,000 calls of another portal in the same tables.
//   npm run bench:call-log          (TEST_TEMPLATE_DATABASE names the migrated template)

const CALLS = Number(process.env.BENCH_CALLS ?? 100_000);
const OTHER_PORTAL_CALLS = 20_000;
const QUARANTINED = 2_000;
const RUNS = 30;
const PORTAL = "7000001";
const OTHER = "7000002";
const VENDORS = ["retell", "vapi", "bland", "synthflow", "generic"];

async function seed(db: Db): Promise<void> {
  for (const portal of [PORTAL, OTHER]) {
    await sql(db, `INSERT INTO "Portal" ("id", "scopes", "updatedAt") VALUES ($1, '{}', now())`, [portal]);
    for (const vendor of VENDORS) {
      await sql(db, `INSERT INTO "Connection" ("id", "portalId", "vendor", "secretEnc", "webhookToken", "lastDeliveryAt") VALUES ($1, $2, $3, 'x', $4, now())`, [`${portal}-${vendor}`, portal, vendor, randomBytes(16).toString("hex")]);
    }
  }
  const insertCalls = (portal: string, count: number) =>
    sql(
      db,
      `INSERT INTO "Call" ("id", "portalId", "connectionId", "vendor", "vendorCallId", "record", "status", "version", "syncedVersion",
                           "hubspotContactId", "hubspotCallId", "matchedVia", "lastError", "startedAt", "createdAt", "updatedAt", "syncedAt")
       SELECT gen_random_uuid()::text, $1, $1 || '-' || v.vendor, v.vendor, 'bench-' || g,
              jsonb_build_object(
                'vendor', v.vendor, 'vendorCallId', 'bench-' || g, 'eventType', 'call_analyzed', 'stage', 'analyzed', 'direction', 'inbound',
                'fromNumber', '+1415555' || lpad((g % 10000)::text, 4, '0'), 'durationMs', 30000 + g % 300000,
                'caller', jsonb_build_object('firstName', 'Caller' || (g % 5000)),
                'summary', 'Asked about a leaking tap and wants a visit this week.',
                'disposition', (ARRAY['booked','info_only','callback_requested','escalated','voicemail','other'])[1 + g % 6],
                'sentiment', jsonb_build_object('label', (ARRAY['positive','neutral','negative'])[1 + g % 3]),
                'escalation', CASE WHEN g % 6 = 3 THEN jsonb_build_object('reason', 'Asked for the owner') END,
                'transcript', (SELECT string_agg(md5(g::text || '-' || w), ' ') FROM generate_series(1, 90) w),
                'qualification', '{}'::jsonb),
              s.status, 1, CASE WHEN s.status = 'synced' THEN 1 ELSE 0 END,
              CASE WHEN s.status = 'synced' THEN (100000 + g % 40000)::text END,
              CASE WHEN s.status = 'synced' THEN (900000 + g)::text END,
              CASE WHEN s.status = 'synced' THEN (ARRAY['index','index','index','search','created'])[1 + g % 5] END,
              CASE WHEN s.status IN ('fallback', 'retrying') THEN 'HubSpot answered 503' WHEN s.status = 'waiting_auth' THEN 'the portal must re-authorise the app' END,
              t.at - interval '2 minutes', t.at, t.at, CASE WHEN s.status = 'synced' THEN t.at END
       FROM generate_series(1, $2::int) g
       CROSS JOIN LATERAL (SELECT (ARRAY['retell','vapi','bland','synthflow','generic'])[1 + g % 5] AS vendor) v
       CROSS JOIN LATERAL (SELECT CASE WHEN g % 100 < 90 THEN 'synced' WHEN g % 100 < 93 THEN 'fallback' WHEN g % 100 < 95 THEN 'retrying'
                                       WHEN g % 100 < 97 THEN 'waiting_auth' ELSE 'pending' END AS status) s
       CROSS JOIN LATERAL (SELECT date_trunc('milliseconds', now() AT TIME ZONE 'UTC') - (interval '180 days' * g / $2::int) AS at) t`,
      [portal, count],
    );
  await insertCalls(PORTAL, CALLS);
  await insertCalls(OTHER, OTHER_PORTAL_CALLS);
  await sql(db, `INSERT INTO "FallbackEntry" ("id", "callId", "portalId", "reason", "permanent", "updatedAt") SELECT gen_random_uuid()::text, "id", "portalId", "lastError", false, now() FROM "Call" WHERE "status" = 'fallback'`);
  await sql(
    db,
    `INSERT INTO "QuarantinedPayload" ("id", "connectionId", "portalId", "vendor", "reason", "body", "receivedAt")
     SELECT gen_random_uuid()::text, $1 || '-retell', $1, 'retell', 'call.call_id: Required', '{"event":"call_ended"}', date_trunc('milliseconds', now() AT TIME ZONE 'UTC') - (interval '14 days' * g / $2::int)
     FROM generate_series(1, $2::int) g`,
    [PORTAL, QUARANTINED],
  );
  await sql(db, `VACUUM ANALYZE "Call"`);
  await sql(db, `VACUUM ANALYZE "QuarantinedPayload"`);
  await sql(db, `VACUUM ANALYZE "FallbackEntry"`);
}

async function time(run: () => Promise<unknown>): Promise<{ p50: number; p95: number; max: number }> {
  await run(); // warm: plans and caches, as a page that is used is
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    ms.push(performance.now() - started);
  }
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), max: Math.max(...ms) };
}

const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

async function main() {
  const database = await benchDatabase();
  const db = createDb(database.url, 4);
  try {
    const seeding = performance.now();
    await seed(db);
    const seeded = ((performance.now() - seeding) / 1000).toFixed(1);
    const query = (fields: Partial<CallLogQuery>) => ({ ...callLogQuerySchema.parse({}), ...fields, timezone: "UTC" });
    // A cursor 100 pages deep, as paging would reach it.
    let deep: string | null = null;
    for (let page = 0, cursor: string | null = null; page < 100; page++) {
      const result = await listCallLog(db, PORTAL, query({}), cursor ? decodeCursor(cursor) : null);
      cursor = result.nextCursor;
      deep = cursor;
    }
    const cases: [string, () => Promise<unknown>][] = [
      ["first page (25, calls + quarantined)", () => listCallLog(db, PORTAL, query({}), null)],
      ["page 101 by its cursor", () => listCallLog(db, PORTAL, query({}), decodeCursor(deep!))],
      ["status = fallback (3 %)", () => listCallLog(db, PORTAL, query({ status: "fallback" }), null)],
      ["status = received (3 %), vendor = vapi", () => listCallLog(db, PORTAL, query({ status: "received", vendor: "vapi" }), null)],
      ["vendor = bland", () => listCallLog(db, PORTAL, query({ vendor: "bland" }), null)],
      ["date range 60-30 days ago", () => listCallLog(db, PORTAL, query({ from: daysAgo(60), to: daysAgo(30) }), null)],
      ["quarantined only", () => listCallLog(db, PORTAL, query({ status: "quarantined" }), null)],
      ["overview (one aggregate statement, 30 days)", () => callOverview(db, PORTAL)],
      ["onboarding checklist", () => onboardingChecklist(db, PORTAL, "https://bench.example")],
    ];
    const rows: Record<string, string | number>[] = [];
    for (const [what, run] of cases) {
      const t = await time(run);
      rows.push({ what, "p50 ms": t.p50, "p95 ms": t.p95, "max ms": t.max });
    }
    const [{ calls }] = (await sql<{ calls: number }>(db, `SELECT count(*)::int AS calls FROM "Call" WHERE "portalId" = $1`, [PORTAL])) as [{ calls: number }];
    const [{ window }] = (await sql<{ window: number }>(db, `SELECT count(*)::int AS window FROM "Call" WHERE "portalId" = $1 AND "createdAt" > now() - interval '30 days'`, [PORTAL])) as [{ window: number }];
    const [{ size }] = (await sql<{ size: string }>(db, `SELECT pg_size_pretty(pg_total_relation_size('"Call"')) AS size`)) as [{ size: string }];
    printTable(`Call log, one portal with ${calls} calls (${window} in the last 30 days), ${OTHER_PORTAL_CALLS} of another, ${QUARANTINED} quarantined; Call table ${size}; seeded in ${seeded} s; ${RUNS} runs each after one warm-up; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`, rows);
    // The plans, to show each page is read off an index and stops at the page.
    for (const [what, text] of [
      ["first page", `SELECT "id" FROM "Call" WHERE "portalId" = '${PORTAL}' ORDER BY "createdAt" DESC, "id" COLLATE "C" DESC LIMIT 26`],
      ["status filter", `SELECT "id" FROM "Call" WHERE "portalId" = '${PORTAL}' AND "status" = 'fallback' ORDER BY "createdAt" DESC, "id" COLLATE "C" DESC LIMIT 26`],
    ] as const) {
      const plan = await sql<{ "QUERY PLAN": string }>(db, `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) ${text}`);
      console.log(`\nplan, ${what}:\n${plan.map((p) => `  ${p["QUERY PLAN"]}`).join("\n")}`);
    }
  } finally {
    await db.$disconnect();
    await database.drop();
  }
}

await main();
