-- Written by hand (the wasm schema engine cannot run migrate dev against a database with btree_gist).
-- Semicolons only end statements here: the engine splits the script on every one of them.

-- How the sync found the contact a call landed on (index, search, created, conflict), for the call log.
-- Calls synced before this column existed keep NULL (not recorded).
ALTER TABLE "Call" ADD COLUMN "matchedVia" TEXT;

-- What the overview counts per call, kept beside the record by PostgreSQL itself (generated columns: no
-- writer sets them, ingest stays as it is). Reading them from the record meant unpacking every TOASTed
-- record of the window: 200-270 ms for a portal's 16,700 calls of a month (bench/call-log.ts).
ALTER TABLE "Call" ADD COLUMN "disposition" TEXT GENERATED ALWAYS AS ("record"->>'disposition') STORED;
ALTER TABLE "Call" ADD COLUMN "sentiment" TEXT GENERATED ALWAYS AS ("record"->'sentiment'->>'label') STORED;
ALTER TABLE "Call" ADD COLUMN "escalated" BOOLEAN GENERATED ALWAYS AS (("record"->>'escalation') IS NOT NULL) STORED;

-- The call log pages a portal's calls newest first by (createdAt, id), with or without a status filter
-- (keyset pagination: each page starts where the last one ended, whatever the portal's size). The id
-- is ordered bytewise (COLLATE "C", whatever the database's collation) so that the server merges calls and
-- quarantined payloads in the order PostgreSQL pages them (server/calls/call-log.ts).
-- The overview reads its window off the first one alone (an index-only scan: it includes what it counts).
CREATE INDEX "Call_portalId_createdAt_id_idx" ON "Call"("portalId", "createdAt", "id" COLLATE "C") INCLUDE ("status", "matchedVia", "disposition", "sentiment", "escalated");
CREATE INDEX "Call_portalId_status_createdAt_id_idx" ON "Call"("portalId", "status", "createdAt", "id" COLLATE "C");

-- Quarantined payloads are pages of the same log: the same order, per portal. The new index begins with
-- portalId, so the one on portalId alone goes.
CREATE INDEX "QuarantinedPayload_portalId_receivedAt_id_idx" ON "QuarantinedPayload"("portalId", "receivedAt", "id" COLLATE "C");
DROP INDEX "QuarantinedPayload_portalId_idx";
