import { Worker, type Job, type Queue } from "bullmq";
import { logger } from "../config/logger.js";
import { addJobWithin, CALENDAR_SYNC_QUEUE, forgetJobsOfDeletedRows, calendarSyncJob, type CalendarSyncJobData, workerOptions, type WorkerSettings } from "../queue/queues.js";
import type { Calendars } from "./calendars.js";
import type { CallerLocks } from "../contacts/caller-lock.js";

// Staff calendar syncs after a change notice, on the worker. A burst of bookings on a Google or
// Microsoft calendar makes a notice per event, posted to a web process that is answering the live
// calls; the web process queues the sync (one job per staff member while one waits) and answers.

const log = logger("booking.calendar-sync");

/** How long a notice waits for Redis to take its job before the request syncs the calendar itself. */
const QUEUE_TIMEOUT_MS = 500;

/** Queues one staff calendar's sync; a notice while a job for it waits shares that job. A late add costs one more sync. */
export async function queueCalendarSync(queue: Queue<CalendarSyncJobData>, staffId: string): Promise<void> {
  await addJobWithin(queue, calendarSyncJob(staffId), QUEUE_TIMEOUT_MS);
}

/**
 * The worker for calendar-sync jobs. Each job first lifts its deduplication, then syncs: a notice
 * deduplicated into this job arrived before the sync began (so the sync sees its change), and one
 * after that gets a job of its own. A Redis lock per calendar (the caller locks') keeps it to one sync
 * at a time across worker processes; within one, Calendars.sync also lets the jobs that arrive
 * meanwhile share the next. A failure is retried, and the upkeep sweep resyncs a calendar that went quiet.
 */
export function startCalendarSyncWorker(calendars: Pick<Calendars, "sync" | "isConnected">, locks: Pick<CallerLocks, "withLock">, options: WorkerSettings): Worker<CalendarSyncJobData> {
  const worker = new Worker<CalendarSyncJobData>(
    CALENDAR_SYNC_QUEUE,
    async (job: Job<CalendarSyncJobData>) => {
      await job.removeDeduplicationKey();
      // One sync of a calendar at a time across every worker process (Calendars.sync keeps it to one
      // within a process): two at once write the same events and one on an older page can leave the
      // cursor behind. A second waits for the first, then reads the changes since its cursor.
      return locks.withLock(`calendar:${job.data.staffId}`, () => calendars.sync(job.data.staffId));
    },
    workerOptions(options),
  );
  worker.on("failed", (job, error) => log.warn({ staffId: job?.data.staffId, err: error.message, attempt: job?.attemptsMade }, "calendar sync failed"));
  worker.on("error", (error) => log.error({ err: error.message }, "calendar sync worker error"));
  forgetJobsOfDeletedRows(worker, options.connection, {
    rowGone: async ({ staffId }) => !(await calendars.isConnected(staffId)),
    routine: (result) => typeof result === "number",
    onError: (error) => log.warn({ err: error.message }, "a job of a disconnected calendar was not removed from Redis"),
  });
  return worker;
}
