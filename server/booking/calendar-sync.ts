import { Worker, type Job, type Queue } from "bullmq";
import { logger } from "../config/logger.js";
import { addJobWithin, CALENDAR_SYNC_QUEUE, forgetJobsOfDeletedRows, calendarSyncJob, type CalendarSyncJobData, workerOptions, type WorkerSettings } from "../queue/queues.js";
import type { Calendars } from "./calendars.js";

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
 * after that gets a job of its own. Calendars.sync runs one sync per calendar at a time in this
 * process and lets the jobs that arrive meanwhile share the next; a failure is retried, and the
 * worker's upkeep sweep resyncs a calendar that went quiet.
 */
export function startCalendarSyncWorker(calendars: Pick<Calendars, "sync" | "isConnected">, options: WorkerSettings): Worker<CalendarSyncJobData> {
  const worker = new Worker<CalendarSyncJobData>(
    CALENDAR_SYNC_QUEUE,
    async (job: Job<CalendarSyncJobData>) => {
      await job.removeDeduplicationKey();
      return calendars.sync(job.data.staffId);
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
