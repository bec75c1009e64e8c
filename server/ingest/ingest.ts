import { authenticateDelivery } from "../connections/authenticate.js";
import type { Queue } from "bullmq";
import { randomUUID } from "node:crypto";
import { Prisma, sql, type Db } from "../db/client.js";
import { sha256Hex } from "../config/crypto.js";
import { describeIssues } from "../validation/issues.js";
import { logger } from "../config/logger.js";
import { callRecordSchema, mergeCallRecords, type CallRecord } from "../calls/record.js";
import { addJobWithin, syncJob, type SyncJobData } from "../queue/queues.js";
import { callerIdentity, callerKey } from "../contacts/identity.js";
import type { TokenConnection } from "../connections/connections.js";
import type { InboundRequest } from "../vendors/inbound.js";

const log = logger("ingest");
const ENQUEUE_TIMEOUT_MS = 1_000;

export type IngestOutcome =
  | { kind: "accepted"; callId: string; version: number; enqueued: boolean }
  | { kind: "duplicate"; callId: string }
  | { kind: "ignored"; reason: string }
  /** A call about to start, asking for the caller's context: the route answers it (server/context/); nothing is stored. */
  | { kind: "inbound"; request: InboundRequest; connection: InboundConnection; bodySha256: string }
  | { kind: "unknown_connection" }
  | { kind: "unauthorized"; reason: string }
  | { kind: "invalid"; reason: string }
  // A later, different body for a call whose vendor signs only the call id: kept aside, not merged.
  | { kind: "quarantined"; callId: string; reason: string };

/** The connection an inbound-call request came on, without its secret. */
export type InboundConnection = Pick<TokenConnection, "id" | "portalId" | "vendor" | "defaultRegion">;

export interface IngestDeps {
  db: Db;
  queue: Queue<SyncJobData>;
  encryptionKey: string;
  maxAttempts: number;
}

export interface Delivery {
  token: string;
  rawBody: Buffer;
  headers: Record<string, string | undefined>;
  now: number;
}

/** The answer to an inbound-call request: the route looks the caller up; the connection goes without its secret. */
function inboundOutcome(connection: InboundConnection, request: InboundRequest, rawBody: Buffer, vendor: string): IngestOutcome & { vendor: string } {
  const { id, portalId, defaultRegion } = connection;
  return { kind: "inbound", request, connection: { id, portalId, vendor: connection.vendor, defaultRegion }, bodySha256: sha256Hex(rawBody), vendor };
}

/**
 * A vendor webhook, in a straight line: find the connection, verify the vendor's signature on the raw
 * bytes, parse into the canonical record, persist (unique on connection + vendor call id, events
 * merged), enqueue (job id derived from the row), answer. PostgreSQL errors propagate (the route
 * answers 503 so the vendor retries); a Redis failure does not: the row is stored and the outbox sweep
 * enqueues it later.
 */
export async function ingestWebhook(deps: IngestDeps, delivery: Delivery): Promise<IngestOutcome & { vendor?: string }> {
  // The hot path of every webhook is plain SQL (Prisma costs 2-3 ms of CPU per query here, pg 0.3 ms).
  const auth = await authenticateDelivery(deps.db, deps.encryptionKey, delivery);
  if (auth.kind === "unknown_connection") return auth;
  const { connection, vendor } = auth;
  if (auth.kind === "unauthorized" && auth.unverifiable) {
    // An inbound-call request the vendor's signature cannot cover: answered as an unknown caller (no
    // number, so nothing about anyone is read), never refused, so the call goes on. Not a wrong secret.
    const parsed = vendor.parse(JSON.parse(delivery.rawBody.toString("utf8")));
    if (parsed.kind === "inbound") return inboundOutcome(connection, { ...parsed.request, phone: null }, delivery.rawBody, vendor.id);
  }
  if (auth.kind === "unauthorized") {
    await noteRejectedSignature(deps.db, connection.id, `signature rejected: ${auth.reason}`);
    return { kind: "unauthorized", reason: auth.reason, vendor: vendor.id };
  }

  let body: unknown;
  try {
    body = JSON.parse(delivery.rawBody.toString("utf8"));
  } catch (error) {
    return { ...(await quarantine(deps.db, connection, `malformed JSON: ${(error as Error).message}`, delivery.rawBody)), vendor: vendor.id };
  }
  const parsed = vendor.parse(body);
  if (parsed.kind === "ignored") {
    await noteDelivery(deps.db, connection.id, delivery.now);
    return { kind: "ignored", reason: parsed.reason, vendor: vendor.id };
  }
  if (parsed.kind === "inbound") {
    await noteDelivery(deps.db, connection.id, delivery.now);
    return inboundOutcome(connection, parsed.request, delivery.rawBody, vendor.id);
  }
  if (parsed.kind === "invalid") return { ...(await quarantine(deps.db, connection, parsed.reason, delivery.rawBody)), vendor: vendor.id };
  const checked = callRecordSchema.safeParse(parsed.record);
  if (!checked.success) {
    const reason = describeIssues(checked.error.issues);
    return { ...(await quarantine(deps.db, connection, reason, delivery.rawBody)), vendor: vendor.id };
  }
  const record = checked.data;

  const stored = await persist(deps, connection, record, sha256Hex(delivery.rawBody), { firstBodyStands: vendor.signatureCovers !== "body" });
  await noteDelivery(deps.db, connection.id, delivery.now);
  if (stored.kind === "duplicate") return { ...stored, vendor: vendor.id };
  if (stored.kind === "second_body") {
    const reason = `${vendor.label} signs only the call id: a second, different body for call ${record.vendorCallId} was not merged (the first accepted body stands)`;
    await quarantine(deps.db, connection, reason, delivery.rawBody);
    return { kind: "quarantined", callId: stored.callId, reason, vendor: vendor.id };
  }

  let enqueued = true;
  try {
    // The wait is bounded so the vendor gets its answer; a late add is harmless (the job id dedupes
    // against the sweep's).
    await addJobWithin(deps.queue, syncJob({ id: stored.callId, version: stored.version, portalId: connection.portalId }, deps.maxAttempts), ENQUEUE_TIMEOUT_MS);
  } catch (error) {
    enqueued = false;
    log.warn({ portalId: connection.portalId, callId: stored.callId, err: (error as Error).message }, "enqueue failed; the outbox sweep will enqueue the stored call");
  }
  return { kind: "accepted", callId: stored.callId, version: stored.version, enqueued, vendor: vendor.id };
}

type Persisted = { kind: "stored"; callId: string; version: number } | { kind: "duplicate"; callId: string } | { kind: "second_body"; callId: string };

async function persist(deps: IngestDeps, connection: TokenConnection, record: CallRecord, bodySha256: string, options: { firstBodyStands: boolean }): Promise<Persisted> {
  // A new call: the row and its first event in one statement. An existing one (redelivery, a later
  // event of the same call) returns nothing here and is merged below.
  const startedAt = record.startedAt ? new Date(record.startedAt).toISOString() : null;
  const [created] = await sql<{ id: string; version: number }>(
    deps.db,
    `WITH call AS (
       INSERT INTO "Call" ("id", "portalId", "connectionId", "vendor", "vendorCallId", "record", "callerKey", "startedAt", "updatedAt")
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, now())
       ON CONFLICT ("connectionId", "vendorCallId") DO NOTHING RETURNING "id", "version"),
     event AS (
       INSERT INTO "CallEvent" ("id", "callId", "eventType", "bodySha256") SELECT $9, "id", $10, $11 FROM call)
     SELECT "id", "version" FROM call`,
    [randomUUID(), connection.portalId, connection.id, connection.vendor, record.vendorCallId, JSON.stringify(record), callerKey(deps.encryptionKey, connection.portalId, callerIdentity(record, connection.defaultRegion)), startedAt, randomUUID(), record.eventType, bodySha256],
  );
  if (created) return { kind: "stored", callId: created.id, version: created.version };
  // The call exists: merge this event into it, under a row lock so concurrent events serialise.
  return deps.db.$transaction(async (tx) => {
    const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Call" WHERE "connectionId" = ${connection.id} AND "vendorCallId" = ${record.vendorCallId} FOR UPDATE`;
    const call = await tx.call.findUniqueOrThrow({ where: { id: locked!.id } });
    const seen = await tx.callEvent.findUnique({ where: { callId_bodySha256: { callId: call.id, bodySha256 } } });
    if (seen) return { kind: "duplicate" as const, callId: call.id };
    // A signature over the call id alone would authenticate any body for this call: only the first counts.
    if (options.firstBodyStands) return { kind: "second_body" as const, callId: call.id };
    const merged = mergeCallRecords(call.record as unknown as CallRecord, record);
    const updated = await tx.call.update({
      where: { id: call.id },
      data: {
        record: merged as unknown as Prisma.InputJsonValue,
        version: { increment: 1 },
        status: "pending",
        startedAt: merged.startedAt ? new Date(merged.startedAt) : call.startedAt,
        events: { create: { eventType: record.eventType, bodySha256 } },
      },
    });
    return { kind: "stored" as const, callId: updated.id, version: updated.version };
  });
}

async function quarantine(db: Db, connection: { id: string; portalId: string; vendor: string }, reason: string, rawBody: Buffer): Promise<IngestOutcome> {
  await db.quarantinedPayload.create({ data: { connectionId: connection.id, portalId: connection.portalId, vendor: connection.vendor, reason, body: rawBody.toString("utf8") } });
  await noteError(db, connection.id, `payload quarantined: ${reason}`);
  log.warn({ portalId: connection.portalId, vendor: connection.vendor }, "signed payload quarantined");
  return { kind: "invalid", reason };
}

/**
 * "Last delivery" for the settings page, written at most every 10 s per connection: every webhook
 * updating one row would queue them all behind that row's lock.
 */
const lastNoted = new Map<string, number>();
async function noteDelivery(db: Db, connectionId: string, now: number): Promise<void> {
  if (now - (lastNoted.get(connectionId) ?? 0) < 10_000) return;
  lastNoted.set(connectionId, now);
  if (lastNoted.size > 10_000) lastNoted.clear();
  const at = new Date(now).toISOString();
  await sql(db, `UPDATE "Connection" SET "lastDeliveryAt" = $1 WHERE "id" = $2 AND ("lastDeliveryAt" IS NULL OR "lastDeliveryAt" < $1::timestamp - interval '10 seconds')`, [at, connectionId]);
}

async function noteError(db: Db, connectionId: string, message: string): Promise<void> {
  await db.connection.update({ where: { id: connectionId }, data: { lastError: message.slice(0, 500), lastErrorAt: new Date() } });
}

/**
 * A rejected signature as the connection's last error, for the settings page: written at most once a
 * minute per connection (in this process, and in the database across processes), so forged requests
 * on a known URL cannot make a write each.
 */
const ERROR_NOTE_INTERVAL_MS = 60_000;
const lastErrorNoted = new Map<string, number>();
async function noteRejectedSignature(db: Db, connectionId: string, message: string, now = Date.now()): Promise<void> {
  if (now - (lastErrorNoted.get(connectionId) ?? 0) < ERROR_NOTE_INTERVAL_MS) return;
  lastErrorNoted.set(connectionId, now);
  if (lastErrorNoted.size > 10_000) lastErrorNoted.clear();
  await sql(db, `UPDATE "Connection" SET "lastError" = $1, "lastErrorAt" = $2 WHERE "id" = $3 AND ("lastErrorAt" IS NULL OR "lastErrorAt" < $2::timestamp - interval '60 seconds')`, [message.slice(0, 500), new Date(now).toISOString(), connectionId]);
}
