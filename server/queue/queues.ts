import { Queue, type Job, type JobsOptions, type Worker, type WorkerOptions } from "bullmq";
import type { Redis } from "ioredis";
import { classifyFailure } from "./failures.js";

export const SYNC_QUEUE = "call-sync";
/** HubSpot Meetings of bookings (server/booking/meetings.ts), off the caller's request path. */
export const MEETING_QUEUE = "meeting-sync";

/** Staff calendar syncs after a change notice (server/booking/calendar-sync.ts), off the web process. */
export const CALENDAR_SYNC_QUEUE = "calendar-sync";

export interface CalendarSyncJobData {
  staffId: string;
}

/**
 * The sync a change notice asks for. Notices while one waits share it (deduplicated by staff member);
 * the worker lifts that as the job starts, so a notice after that start gets a sync of its own.
 */
export function calendarSyncJob(staffId: string) {
  return {
    name: "calendar-sync",
    data: { staffId } satisfies CalendarSyncJobData,
    options: { deduplication: { id: `calendar.${staffId}` }, attempts: 3, backoff: { type: "jittered" }, removeOnComplete: { age: 3600, count: 1000 }, removeOnFail: { age: 24 * 3600 } } satisfies JobsOptions,
  };
}

export interface MeetingJobData {
  bookingId: string;
  version: number;
}

export const meetingJobId = (bookingId: string, version: number) => `meeting.${bookingId}.v${version}`;

/** A job as it is added: BullMQ's name, its data (row ids only), and options with a derived id. */
export interface QueuedJob<T> {
  name: string;
  data: T;
  options: JobsOptions & { jobId: string };
}

/** The Meeting job for the booking's latest change (the job id dedupes redelivery). */
export function meetingJob(booking: { id: string; meetingVersion: number }, attempts: number): QueuedJob<MeetingJobData> {
  return { name: "meeting", data: { bookingId: booking.id, version: booking.meetingVersion }, options: jobOptions(meetingJobId(booking.id, booking.meetingVersion), attempts) };
}

/** Every Meeting job id a booking can have had (one per version). */
export const meetingJobIdsOf = (booking: { id: string; meetingVersion: number }) => Array.from({ length: booking.meetingVersion }, (_, i) => meetingJobId(booking.id, i + 1));

export interface SyncJobData {
  callId: string;
  /** The call's portal, so the worker can share its slots fairly without a read (absent on older jobs). */
  portalId?: string;
  /** The row version this job was enqueued for; the worker always syncs the latest version. */
  version: number;
}

/** Exponential backoff with full jitter, never shorter than what a 429 policy asked for. */
export function backoffDelay(attemptsMade: number, baseMs: number, minDelayMs = 0): number {
  const ceiling = baseMs * 2 ** Math.max(0, attemptsMade - 1);
  const jittered = ceiling / 2 + Math.random() * (ceiling / 2);
  return Math.max(Math.round(jittered), minDelayMs);
}

/** Worker settings: the backoff above, never shorter than the wait the failure asked for (a 429 policy's). */
export function backoffSettings(baseMs: number) {
  return {
    backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) => {
      const failure = classifyFailure(error);
      return backoffDelay(attemptsMade, baseMs, failure.kind === "retry" ? (failure.delayMs ?? 0) : 0);
    },
  };
}

/** What every worker of ours is started with. */
export interface WorkerSettings {
  connection: Redis;
  prefix: string;
  concurrency: number;
  lockMs: number;
  backoffMs: number;
}

/** A worker's settings from the environment (WORKER_CONCURRENCY, WORKER_LOCK_MS, SYNC_BACKOFF_MS), on its own connection. */
export function workerSettings(env: { WORKER_CONCURRENCY: number; WORKER_LOCK_MS: number; SYNC_BACKOFF_MS: number }, prefix: string, connection: Redis): WorkerSettings {
  return { connection, prefix, concurrency: env.WORKER_CONCURRENCY, lockMs: env.WORKER_LOCK_MS, backoffMs: env.SYNC_BACKOFF_MS };
}

/** What every worker of ours sets: its locks (WORKER_LOCK_MS, also the stalled-job check) and the backoff above. */
export function workerOptions(options: WorkerSettings): WorkerOptions {
  return {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
    settings: backoffSettings(options.backoffMs),
  };
}

/** The job id is derived from the row: redelivering an event never queues a second job for it. */
export function syncJobId(callId: string, version: number): string {
  return `${callId}.v${version}`;
}

/** A replay from the fallback queue is a new attempt series for the same row version. */
export function replayJobId(callId: string, version: number, replay: number): string {
  return `${syncJobId(callId, version)}.r${replay}`;
}

/** Every job id a call can have had: one per version, and per replay of any version. */
export function syncJobIdsOf(call: { id: string; version: number }, replays: number): string[] {
  const ids: string[] = [];
  for (let version = 1; version <= call.version; version++) {
    ids.push(syncJobId(call.id, version));
    for (let replay = 1; replay <= replays; replay++) ids.push(replayJobId(call.id, version, replay));
  }
  return ids;
}

/** How long a failed job stays in Redis (a finished one: an hour). Nothing older can be there. */
export const FAILED_JOB_AGE_S = 7 * 24 * 3600;

export function createSyncQueue(connection: Redis, prefix: string): Queue<SyncJobData> {
  return new Queue<SyncJobData>(SYNC_QUEUE, { connection, prefix });
}

/**
 * The options of every job, on every queue: attempts with the backoff of backoffSettings (its type
 * names no built-in strategy, so BullMQ asks the worker's), a finished job kept an hour.
 */
export function jobOptions(jobId: string, attempts: number): JobsOptions & { jobId: string } {
  return { jobId, attempts, backoff: { type: "jittered" }, removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: { age: FAILED_JOB_AGE_S } };
}

/** The sync job for the call's version. */
export function syncJob(call: { id: string; version: number; portalId?: string }, attempts: number): QueuedJob<SyncJobData> {
  return { name: "sync", data: { callId: call.id, version: call.version, ...(call.portalId ? { portalId: call.portalId } : {}) }, options: jobOptions(syncJobId(call.id, call.version), attempts) };
}

/** A replay from the fallback queue: the same data, a new attempt series. */
export function replaySyncJob(call: { id: string; version: number; portalId?: string }, replay: number, attempts: number): QueuedJob<SyncJobData> {
  return { ...syncJob(call, attempts), options: jobOptions(replayJobId(call.id, call.version, replay), attempts) };
}

export async function addJob<T>(queue: Queue<T>, job: QueuedJob<T>): Promise<void> {
  await (queue as Queue).add(job.name, job.data, job.options);
}

/**
 * Adds a job, waiting at most `ms` for Redis: BullMQ waits for a connection rather than failing, and
 * a request must still be answered. A late add still lands; the caller's fallback must not mind that.
 */
export async function addJobWithin<T>(queue: Queue<T>, job: { name: string; data: T; options: JobsOptions }, ms: number): Promise<void> {
  const added = (queue as Queue).add(job.name, job.data, job.options);
  added.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([added, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`Redis did not take the job within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Removes these jobs from Redis, and their lines in the queue's event stream: a failed attempt's
 * message, kept in both, can quote what HubSpot said about a caller. A job running at this moment
 * cannot be removed; its worker forgets it as it ends (forgetJobsOfDeletedRows).
 */
export async function forgetJobs(queue: Queue, redis: Redis, jobIds: Iterable<string>): Promise<void> {
  const ids = new Set(jobIds);
  if (ids.size === 0) return;
  const pending = [...ids];
  while (pending.length) await Promise.all(pending.splice(0, 100).map((id) => queue.remove(id).catch(() => 0)));
  await forgetEventLines(redis, queue.keys.events!, ids);
}

/** Deletes the lines of these jobs from a queue's event stream (BullMQ keeps them until the stream's cap). */
async function forgetEventLines(redis: Redis, stream: string, ids: Set<string>): Promise<void> {
  let start = "-";
  for (;;) {
    const entries = await redis.xrange(stream, start, "+", "COUNT", 1000);
    const lines = entries.filter(([, fields]) => fields.some((value, i) => i % 2 === 0 && value === "jobId" && ids.has(fields[i + 1]!))).map(([id]) => id);
    if (lines.length) await redis.xdel(stream, ...lines);
    if (entries.length < 1000) return;
    start = `(${entries.at(-1)![0]}`;
  }
}

/**
 * An uninstall deletes a job's rows but cannot remove the job while a worker runs it: the job then
 * ends on rows that are gone, and would stay in Redis (a failed one for FAILED_JOB_AGE_S) with its row
 * ids and a failure message. This worker removes such a job, and its event lines, as it ends. Only
 * outcomes that are not `routine` are checked, so a job that synced costs no read.
 */
export function forgetJobsOfDeletedRows<T>(worker: Worker<T>, redis: Redis, how: { rowGone(data: T): Promise<boolean>; routine(result: unknown): boolean; onError(error: Error): void }): void {
  const { rowGone, routine, onError } = how;
  const forget = async (job: Job<T> | undefined) => {
    if (!job?.id || !(await rowGone(job.data))) return;
    await job.remove().catch(() => undefined);
    await forgetEventLines(redis, worker.keys.events!, new Set([job.id]));
  };
  worker.on("completed", (job, result) => {
    if (!routine(result)) forget(job).catch(onError);
  });
  worker.on("failed", (job) => forget(job).catch(onError));
}
