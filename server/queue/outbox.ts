import type { Queue } from "bullmq";
import { addJob, type QueuedJob } from "./queues.js";

/** How long a row waits before the sweep queues it: a fresh change, and one whose last attempt failed. */
export interface OutboxAges {
  /** Default 5 s: its own job is normally on the queue by then. */
  ageMs?: number;
  /** Default 15 minutes: its job is still backing off, or ran out of attempts a while ago. */
  failedAgeMs?: number;
}

/** Rows last changed before `fresh` (never failed) or before `failed` (failed before) are due. */
export interface DueBefore {
  fresh: Date;
  failed: Date;
}

/** One table used as an outbox: the rows due (oldest first, at most `limit`), and each row's job. */
export interface Outbox<Row, Data> {
  due(before: DueBefore, limit: number): Promise<Row[]>;
  job(row: Row): QueuedJob<Data>;
}

const BATCH = 500;

/**
 * The outbox sweep, for every table whose rows are the source of truth and Redis only the delivery
 * (calls, the Meetings of bookings): rows HubSpot has not seen at their latest version and that
 * have no live job (Redis was down at the time, Redis lost its data, a worker died) are queued
 * again. Returns how many were queued.
 */
export async function requeueDue<Row, Data>(queue: Queue<Data>, outbox: Outbox<Row, Data>, ages: OutboxAges = {}, now = Date.now()): Promise<number> {
  const rows = await outbox.due({ fresh: new Date(now - (ages.ageMs ?? 5_000)), failed: new Date(now - (ages.failedAgeMs ?? 15 * 60_000)) }, BATCH);
  let queued = 0;
  for (const row of rows) if (await requeueUnlessLive(queue, outbox.job(row))) queued++;
  return queued;
}

/**
 * Queue the job again unless one with its id is still waiting, delayed or running. A finished or
 * failed one is removed first (BullMQ ignores an add whose id exists). Returns whether it was queued.
 * Also how work that waited for a re-authorisation resumes: its job id stays the one derived from the row.
 */
export async function requeueUnlessLive<T>(queue: Queue<T>, job: QueuedJob<T>): Promise<boolean> {
  const existing = await queue.getJob(job.options.jobId);
  if (existing && !(await existing.isCompleted()) && !(await existing.isFailed())) return false;
  if (existing) await existing.remove().catch(() => undefined);
  await addJob(queue, job);
  return true;
}
