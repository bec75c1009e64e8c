import { Worker, type Job, type Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import { hubspotBackoffSettings, requeueUnlessLive, syncJobOptions, SYNC_QUEUE, type SyncJobData } from "../queue/queues.js";
import { PermanentSyncError } from "../hubspot/errors.js";
import { HubSpotRequestError } from "../hubspot/call.js";
import { recordFallback, type FallbackTargets } from "../fallback/fallback.js";
import type { Notifier } from "../notify/notifier.js";
import { syncOutcomes } from "../metrics/metrics.js";
import { syncCall, type SyncDeps } from "./sync-call.js";

const log = logger("worker");

export interface WorkerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  maxAttempts: number;
  backoffMs: number;
  lockMs: number;
  notifier: Notifier;
  fallbackTargets: FallbackTargets;
}

/**
 * The sync worker. Errors decide retries: a TransientSyncError is thrown back to BullMQ, which retries
 * with exponential backoff and jitter (never sooner than a 429 policy asks); a PermanentSyncError, or
 * the last failed attempt, moves the call to the fallback queue.
 */
export function startSyncWorker(deps: SyncDeps, options: WorkerOptions): Worker<SyncJobData> {
  const worker = new Worker<SyncJobData>(
    SYNC_QUEUE,
    async (job: Job<SyncJobData>) => {
      const { callId } = job.data;
      const call = await deps.db.call.update({ where: { id: callId }, data: { attempts: { increment: 1 } } }).catch(() => null);
      if (!call) {
        syncOutcomes.inc({ outcome: "missing" });
        return "missing";
      }
      try {
        const outcome = await syncCall(deps, callId);
        syncOutcomes.inc({ outcome });
        return outcome;
      } catch (error) {
        const reason = (error as Error).message;
        const isLast = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
        const permanent = error instanceof PermanentSyncError || (error instanceof HubSpotRequestError && error.failure.kind !== "unauthorized");
        if (permanent || isLast) {
          syncOutcomes.inc({ outcome: permanent ? "permanent_failure" : "retries_exhausted" });
          await recordFallback(deps.db, options.notifier, options.fallbackTargets, callId, permanent ? reason : `retries exhausted after ${job.attemptsMade + 1} attempts: ${reason}`, permanent);
          return "fallback";
        }
        syncOutcomes.inc({ outcome: "retry" });
        await deps.db.call.update({ where: { id: callId }, data: { status: "retrying", lastError: reason } });
        log.warn({ callId, attempt: job.attemptsMade + 1, err: reason }, "sync failed, will retry");
        throw error;
      }
    },
    {
      connection: options.connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      stalledInterval: options.lockMs,
      settings: hubspotBackoffSettings(options.backoffMs),
    },
  );
  worker.on("error", (error) => log.error({ err: error.message }, "worker error"));
  return worker;
}

/**
 * The outbox sweep: the stored row is the source of truth, Redis only a delivery mechanism. Rows
 * that HubSpot has not seen at their latest version and that have no live job (Redis was down when
 * the webhook arrived, Redis lost its data, a worker died) are enqueued again. The job id dedupes
 * against jobs that still exist.
 */
export async function sweepOutbox(db: Db, queue: Queue<SyncJobData>, maxAttempts: number, options: { pendingAgeMs?: number; retryingAgeMs?: number } = {}): Promise<number> {
  const now = Date.now();
  const rows = await db.call.findMany({
    where: {
      OR: [
        { status: "pending", updatedAt: { lt: new Date(now - (options.pendingAgeMs ?? 5_000)) } },
        { status: "retrying", updatedAt: { lt: new Date(now - (options.retryingAgeMs ?? 15 * 60_000)) } },
      ],
    },
    select: { id: true, version: true, syncedVersion: true },
    take: 500,
    orderBy: { updatedAt: "asc" },
  });
  let enqueued = 0;
  for (const row of rows) {
    if (row.syncedVersion >= row.version) continue;
    const options = syncJobOptions(row.id, row.version, maxAttempts);
    if (await requeueUnlessLive(queue, "sync", { callId: row.id, version: row.version }, { ...options, jobId: options.jobId! })) enqueued++;
  }
  if (enqueued) log.info({ enqueued }, "outbox sweep re-enqueued calls");
  return enqueued;
}
