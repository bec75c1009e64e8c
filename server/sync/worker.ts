import { Worker, type Job, type Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import { hubspotBackoffSettings, syncJob, SYNC_QUEUE, type SyncJobData } from "../queue/queues.js";
import { requeueDue, type OutboxAges } from "../queue/outbox.js";
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
 * The outbox sweep for calls (server/queue/outbox.ts): calls HubSpot has not seen at their latest
 * version, pending for a moment or retrying for long, with no live job.
 */
export async function sweepOutbox(db: Db, queue: Queue<SyncJobData>, maxAttempts: number, ages: OutboxAges = {}): Promise<number> {
  const queued = await requeueDue(
    queue,
    {
      due: (before, limit) =>
        db.call.findMany({
          where: { version: { gt: db.call.fields.syncedVersion }, OR: [{ status: "pending", updatedAt: { lt: before.fresh } }, { status: "retrying", updatedAt: { lt: before.failed } }] },
          select: { id: true, version: true },
          take: limit,
          orderBy: { updatedAt: "asc" },
        }),
      job: (row) => syncJob(row, maxAttempts),
    },
    ages,
  );
  if (queued) log.info({ enqueued: queued }, "outbox sweep re-enqueued calls");
  return queued;
}
