import { DelayedError, Worker, type Job, type Queue } from "bullmq";
import { sql, type Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import { forgetJobsOfDeletedRows, syncJob, SYNC_QUEUE, type SyncJobData, workerOptions, type WorkerSettings } from "../queue/queues.js";
import { assertNever, classifyFailure, type JobFailure } from "../queue/failures.js";
import { requeueDue, requeueUnlessLive, type OutboxAges } from "../queue/outbox.js";
import { recordFallback } from "../fallback/fallback.js";
import type { PortalNotifications } from "../notify/settings.js";
import { syncOutcomes } from "../metrics/metrics.js";
import { markWaitingForAuth, syncCall, type SyncDeps } from "./sync-call.js";
import { PortalSlots } from "./portal-slots.js";

const log = logger("worker");

export interface WorkerOptions extends WorkerSettings {
  /** The most of `concurrency` one portal may hold (server/sync/portal-slots.ts). */
  portalSlots?: number;
  maxAttempts: number;
  notifications: PortalNotifications;
}

/**
 * The sync worker. Errors decide what happens next (server/queue/failures.ts): a transient failure is
 * thrown back to BullMQ, which retries with exponential backoff and jitter (never sooner than a 429
 * policy asks); a permanent one, a bug, or the last failed attempt moves the call to the fallback
 * queue; a portal that must re-authorise leaves the call in `waiting_auth` until the new install.
 */
export function startSyncWorker(deps: SyncDeps, options: WorkerOptions): Worker<SyncJobData> {
  const slots = new PortalSlots(Math.min(options.portalSlots ?? options.concurrency, options.concurrency));
  const worker = new Worker<SyncJobData>(
    SYNC_QUEUE,
    async (job: Job<SyncJobData>, token?: string) => {
      const { callId } = job.data;
      // Jobs queued before the portal id was in the job's data: the row says.
      const portalId = job.data.portalId ?? (await deps.db.call.findUnique({ where: { id: callId }, select: { portalId: true } }).catch(() => null))?.portalId;
      if (portalId) {
        const slot = slots.take(portalId);
        if (!slot.taken) {
          // Back to the queue (not an attempt): this portal has its share of the slots.
          await job.moveToDelayed(Date.now() + slot.retryInMs, token);
          throw new DelayedError();
        }
      }
      const started = Date.now();
      try {
        return await runJob(job, callId);
      } finally {
        if (portalId) slots.release(portalId, Date.now() - started);
      }
    },
    workerOptions(options),
  );
  worker.on("error", (error) => log.error({ err: error.message }, "worker error"));
  forgetJobsOfDeletedRows(worker, options.connection, {
    rowGone: async ({ callId }) => !(await deps.db.call.findUnique({ where: { id: callId }, select: { id: true } })),
    routine: (result) => result === "synced" || result === "already_synced",
    onError: (error) => log.warn({ err: error.message }, "a job of a deleted call was not removed from Redis"),
  });
  return worker;

  async function runJob(job: Job<SyncJobData>, callId: string) {
    try {
      // Counting the attempt is the first read of the row: only a row that is not there is
      // "missing"; a database that fails the read is a failure like any other (retried).
      // Plain SQL: Prisma wraps updateMany in a transaction (three round trips for one statement).
      const counted = await sql(deps.db, `UPDATE "Call" SET "attempts" = "attempts" + 1, "updatedAt" = $2::timestamp WHERE "id" = $1 RETURNING "id"`, [callId, new Date().toISOString()], { name: "sync-count-attempt" });
      if (counted.length === 0) {
        syncOutcomes.inc({ outcome: "missing" });
        return "missing";
      }
      const outcome = await syncCall(deps, callId);
      syncOutcomes.inc({ outcome });
      return outcome;
    } catch (error) {
      return settleFailure(deps.db, options, job, classifyFailure(error), error);
    }
  }
}

/** What the call's row shows for each kind of failure (docs/runbook.md, "Which failure goes where"). */
async function settleFailure(db: Db, options: WorkerOptions, job: Job<SyncJobData>, failure: JobFailure, error: unknown): Promise<"waiting_auth" | "fallback"> {
  const { callId } = job.data;
  const attempt = job.attemptsMade + 1;
  switch (failure.kind) {
    case "wait_for_auth":
      syncOutcomes.inc({ outcome: "waiting_auth" });
      await markWaitingForAuth(db, callId);
      return "waiting_auth";
    case "bug":
    case "permanent":
      if (failure.kind === "bug") log.error({ callId, err: failure.reason }, "sync failed on a bug; the call is in the fallback queue");
      syncOutcomes.inc({ outcome: "permanent_failure" });
      await recordFallback(db, options.notifications, callId, failure.reason, true);
      return "fallback";
    case "retry":
      if (attempt >= (job.opts.attempts ?? 1)) {
        syncOutcomes.inc({ outcome: "retries_exhausted" });
        await recordFallback(db, options.notifications, callId, `retries exhausted after ${attempt} attempts: ${failure.reason}`, false);
        return "fallback";
      }
      syncOutcomes.inc({ outcome: "retry" });
      await db.call.update({ where: { id: callId }, data: { status: "retrying", lastError: failure.reason } });
      log.warn({ callId, attempt, err: failure.reason }, "sync failed, will retry");
      // The original error: the backoff strategy reads its requested wait.
      throw error;
    default:
      return assertNever(failure);
  }
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
          select: { id: true, version: true, portalId: true },
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

/** After the portal's new install: its calls that waited for it are queued again, at once. */
export async function resumeWaitingCalls(db: Db, queue: Queue<SyncJobData>, portalId: string, attempts: number): Promise<number> {
  const waiting = await db.call.findMany({ where: { portalId, status: "waiting_auth" }, select: { id: true, version: true, portalId: true } });
  for (const call of waiting) {
    await db.call.update({ where: { id: call.id }, data: { status: "pending" } });
    // With Redis down now, the outbox sweep queues the pending row.
    await requeueUnlessLive(queue, syncJob(call, attempts)).catch(() => undefined);
  }
  return waiting.length;
}
