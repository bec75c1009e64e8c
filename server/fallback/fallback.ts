import type { Queue } from "bullmq";
import type { Db } from "../db/client.js";
import { maskPhone, logger } from "../config/logger.js";
import type { PortalNotifications } from "../notify/settings.js";
import { addJob, replaySyncJob, type SyncJobData } from "../queue/queues.js";
import type { CallRecord } from "../calls/record.js";
import { callerNumber } from "../contacts/identity.js";
import type { FallbackView } from "../../hubspot-app/app/shared/api.js";

const log = logger("fallback");

/** Put a call in the fallback queue (once per call; a second failure updates the reason). */
export async function recordFallback(db: Db, notifications: Pick<PortalNotifications, "fallback">, callId: string, reason: string, permanent: boolean): Promise<void> {
  // One transaction: a call marked "fallback" always has its entry (the queue replay lists), even when
  // the process stops between the two writes, and no reader sees the status before the entry.
  const { call, entry } = await db.$transaction(async (tx) => {
    const call = await tx.call.update({ where: { id: callId }, data: { status: "fallback", lastError: reason } });
    const entry = await tx.fallbackEntry.upsert({
      where: { callId },
      create: { callId, portalId: call.portalId, reason, permanent },
      update: { reason, permanent, resolvedAt: null },
    });
    return { call, entry };
  });
  log.warn({ portalId: call.portalId, callId, vendor: call.vendor, permanent }, "call moved to the fallback queue");
  if (entry.notifiedAt) return;
  const record = call.record as unknown as CallRecord;
  const delivered = await notifications.fallback({ portalId: call.portalId, fallbackId: entry.id, vendor: call.vendor, reason, caller: maskPhone(callerNumber(record)) ?? "unknown number", summary: record.summary });
  if (delivered) await db.fallbackEntry.update({ where: { id: entry.id }, data: { notifiedAt: new Date() } });
}

export async function listFallback(db: Db, options: { portalId?: string; includeResolved?: boolean } = {}): Promise<FallbackView[]> {
  const rows = await db.fallbackEntry.findMany({
    where: { portalId: options.portalId, ...(options.includeResolved ? {} : { resolvedAt: null }) },
    include: { call: true },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((row) => ({
    id: row.id,
    portalId: row.portalId,
    callId: row.callId,
    vendor: row.call.vendor,
    vendorCallId: row.call.vendorCallId,
    reason: row.reason,
    permanent: row.permanent,
    createdAt: row.createdAt.toISOString(),
    ageSeconds: Math.round((Date.now() - row.createdAt.getTime()) / 1000),
    replayCount: row.replayCount,
    lastReplayAt: row.lastReplayAt?.toISOString() ?? null,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    caller: maskPhone(callerNumber(row.call.record as unknown as CallRecord)) ?? null,
  }));
}

/** Whether the portal has this fallback entry (an id of another portal's is as good as none). */
export async function fallbackEntryInPortal(db: Db, portalId: string, id: string): Promise<boolean> {
  return (await db.fallbackEntry.findFirst({ where: { id, portalId }, select: { id: true } })) !== null;
}

/**
 * Replay: the call goes back to `pending` with its attempts reset and a fresh job. Idempotent: the
 * worker re-reads the row, and a call whose HubSpot Call already exists is updated, not duplicated.
 */
export async function replayFallback(db: Db, queue: Queue<SyncJobData>, attempts: number, selector: { id: string } | { all: true; portalId?: string }): Promise<{ replayed: string[] }> {
  const entries = await db.fallbackEntry.findMany({
    where: "id" in selector ? { id: selector.id } : { resolvedAt: null, portalId: selector.portalId },
    include: { call: true },
  });
  if ("id" in selector && entries.length === 0) throw new Error(`no fallback entry with id ${selector.id}`);
  const replayed: string[] = [];
  for (const entry of entries) {
    if (entry.resolvedAt) continue;
    const call = await db.call.update({ where: { id: entry.callId }, data: { status: "pending", attempts: 0 } });
    await db.fallbackEntry.update({ where: { id: entry.id }, data: { replayCount: { increment: 1 }, lastReplayAt: new Date() } });
    // A replay is a new attempt series for the same row version: the job id carries the replay count.
    await addJob(queue, replaySyncJob(call, entry.replayCount + 1, attempts));
    replayed.push(entry.id);
  }
  return { replayed };
}
