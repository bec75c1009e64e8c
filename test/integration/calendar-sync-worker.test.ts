import { afterAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import { Queue, type Worker } from "bullmq";
import { randomUUID } from "node:crypto";
import { CallerLocks } from "../../server/contacts/caller-lock.js";
import { queueCalendarSync, startCalendarSyncWorker } from "../../server/booking/calendar-sync.js";
import { CALENDAR_SYNC_QUEUE, type CalendarSyncJobData } from "../../server/queue/queues.js";

// Calendar syncs on several worker processes, against the real Redis: a notice that arrives while one
// worker syncs a calendar queues a second sync (the first lifted its deduplication as it began), and
// another worker takes it. Two syncs of one calendar at once would write the same events and could
// leave its cursor on the older page; the second must wait for the first.

const url = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const open: { close(): Promise<unknown> }[] = [];
afterAll(async () => {
  for (const item of open.reverse()) await item.close().catch(() => undefined);
});

describe("calendar-sync workers", () => {
  it("two workers never sync one calendar at the same time; both notices get their sync", async () => {
    const prefix = `test-calsync-${randomUUID()}`;
    const running = new Map<string, number>();
    const overlaps: number[] = [];
    let synced = 0;
    const calendars = {
      isConnected: async () => true,
      sync: async (staffId: string) => {
        const now = (running.get(staffId) ?? 0) + 1;
        running.set(staffId, now);
        overlaps.push(now);
        await new Promise((resolve) => setTimeout(resolve, 400));
        running.set(staffId, (running.get(staffId) ?? 1) - 1);
        synced++;
        return 1;
      },
    };
    const workers: Worker<CalendarSyncJobData>[] = [];
    for (let i = 0; i < 2; i++) {
      const connection = new Redis(url, { maxRetriesPerRequest: null });
      const locks = new CallerLocks(new Redis(url, { maxRetriesPerRequest: 1 }), prefix, 5_000);
      const worker = startCalendarSyncWorker(calendars, locks, { connection, prefix, concurrency: 5, lockMs: 5_000, backoffMs: 100 });
      workers.push(worker);
      open.push({ close: () => worker.close().then(() => connection.quit()) });
    }
    const queueConnection = new Redis(url, { maxRetriesPerRequest: 1 });
    const queue = new Queue<CalendarSyncJobData>(CALENDAR_SYNC_QUEUE, { connection: queueConnection, prefix });
    open.push({ close: () => queue.close().then(() => queueConnection.quit()) });

    await queueCalendarSync(queue, "staff-1");
    // The first sync is running (its deduplication lifted): this notice is a job of its own.
    await waitFor(() => running.get("staff-1") === 1);
    await queueCalendarSync(queue, "staff-1");
    await waitFor(async () => (await queue.getJobCounts("completed")).completed === 2, 15_000);
    expect(synced).toBe(2);
    expect(Math.max(...overlaps)).toBe(1);
  });
});

async function waitFor(probe: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
