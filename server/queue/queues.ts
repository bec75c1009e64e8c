import { Queue, type JobsOptions } from "bullmq";
import type { Redis } from "ioredis";
import { TransientSyncError } from "../hubspot/errors.js";

export const SYNC_QUEUE = "call-sync";

export interface SyncJobData {
  callId: string;
  /** The row version this job was enqueued for; the worker always syncs the latest version. */
  version: number;
}

/** Exponential backoff with full jitter, never shorter than what a 429 policy asked for. */
export function backoffDelay(attemptsMade: number, baseMs: number, minDelayMs = 0): number {
  const ceiling = baseMs * 2 ** Math.max(0, attemptsMade - 1);
  const jittered = ceiling / 2 + Math.random() * (ceiling / 2);
  return Math.max(Math.round(jittered), minDelayMs);
}

/** Worker settings for jobs that call HubSpot: the backoff above, honouring a 429's requested wait. */
export function hubspotBackoffSettings(baseMs: number) {
  return {
    backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) => backoffDelay(attemptsMade, baseMs, error instanceof TransientSyncError ? error.minDelayMs : 0),
  };
}

/** The job id is derived from the row: redelivering an event never queues a second job for it. */
export function syncJobId(callId: string, version: number): string {
  return `${callId}.v${version}`;
}

export function createSyncQueue(connection: Redis, prefix: string): Queue<SyncJobData> {
  return new Queue<SyncJobData>(SYNC_QUEUE, { connection, prefix });
}

export function syncJobOptions(callId: string, version: number, attempts: number): JobsOptions {
  return {
    jobId: syncJobId(callId, version),
    attempts,
    backoff: { type: "hubspot" },
    removeOnComplete: { age: 3600, count: 10_000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  };
}

/**
 * The outbox sweeps' step: queue the job again unless one with its id is still waiting, delayed or
 * running. A finished or failed one is removed first (BullMQ ignores an add whose id exists).
 * Returns whether it was queued.
 */
export async function requeueUnlessLive<T>(queue: Queue<T>, name: string, data: T, options: JobsOptions & { jobId: string }): Promise<boolean> {
  const job = await queue.getJob(options.jobId);
  if (job && !(await job.isCompleted()) && !(await job.isFailed())) return false;
  if (job) await job.remove().catch(() => undefined);
  await (queue as Queue).add(name, data, options);
  return true;
}
