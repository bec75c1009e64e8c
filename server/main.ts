import { setTimeout as sleep } from "node:timers/promises";
import { loadDotEnv, parseEnv, EnvError } from "./config/env.js";
import { logger } from "./config/logger.js";
import { createRuntime, type Runtime } from "./runtime.js";
import { workerSettings } from "./queue/queues.js";

const log = logger("main");

export interface Started {
  runtime: Runtime;
  url?: string;
  /** A worker process's health and metrics listener, when METRICS_PORT is set. */
  metricsUrl?: string;
  stop(): Promise<void>;
}

async function listen(app: import("express").Express, port: number): Promise<{ url: string | undefined; close(): Promise<void> }> {
  const server = await new Promise<import("node:http").Server>((resolve) => {
    const s = app.listen(port, "0.0.0.0", () => resolve(s));
  });
  const address = server.address();
  return {
    url: typeof address === "object" && address ? `http://127.0.0.1:${address.port}` : undefined,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Starts the web process, the worker process, or both in one (`npm start`). Several of each can run
 * against one PostgreSQL and one Redis: nothing here is process-local state that matters.
 */
export async function start(role: "web" | "worker" | "all", runtime: Runtime): Promise<Started> {
  // Each role loads only its own modules (a worker never loads the routes, a web process never the
  // workers): each process's memory is what its role needs.
  const stops: (() => Promise<void>)[] = [];
  let url: string | undefined;
  let metricsUrl: string | undefined;
  if (role === "web" || role === "all") {
    const { createApp } = await import("./http/app.js");
    const web = await listen(createApp(runtime), runtime.env.PORT);
    url = web.url;
    log.info({ url }, "web listening");
    stops.push(web.close);
  }
  if (role === "worker" && runtime.env.METRICS_PORT !== undefined) {
    const { createMetricsApp } = await import("./http/metrics-app.js");
    const metrics = await listen(createMetricsApp(runtime), runtime.env.METRICS_PORT);
    metricsUrl = metrics.url;
    log.info({ url: metricsUrl }, "worker metrics listening");
    stops.push(metrics.close);
  }
  if (role === "worker" || role === "all") {
    const [{ startSyncWorker, sweepOutbox }, { startMeetingWorker, sweepMeetings }, { startCalendarSyncWorker }, { flagOverlaps }, { Scheduler }, { retentionSweeper }, { sweepVendorUndo, vendorUndoDeps }] = await Promise.all([
      import("./sync/worker.js"),
      import("./booking/meetings.js"),
      import("./booking/calendar-sync.js"),
      import("./booking/overlaps.js"),
      import("./booking/scheduler.js"),
      import("./retention/retention.js"),
      import("./vendor-setup/uninstall.js"),
    ]);
    // Workers get connections of their own; they are closed here (BullMQ leaves a passed one open).
    const workerConnection = runtime.workerRedis.duplicate();
    const worker = startSyncWorker(runtime.sync, {
      ...workerSettings(runtime.env, runtime.prefix, workerConnection),
      portalSlots: runtime.env.WORKER_PORTAL_SLOTS,
      maxAttempts: runtime.env.SYNC_MAX_ATTEMPTS,
      notifications: runtime.notifications,
    });
    const meetingConnection = runtime.workerRedis.duplicate();
    const meetings = startMeetingWorker(runtime, meetingConnection);
    const calendarSyncConnection = runtime.workerRedis.duplicate();
    const calendarSyncs = startCalendarSyncWorker(runtime.calendars, runtime.locks, workerSettings(runtime.env, runtime.prefix, calendarSyncConnection));
    const scheduler = new Scheduler(runtime.db);
    const purgeExpired = retentionSweeper(runtime.db, runtime.env);
    const overlapDeps = { db: runtime.db, notifications: runtime.notifications };
    let sweeping = true;
    const sweeper = (async () => {
      while (sweeping) {
        await sweepOutbox(runtime.db, runtime.queue, runtime.env.SYNC_MAX_ATTEMPTS).catch((error: Error) => log.warn({ err: error.message }, "outbox sweep failed"));
        // Booking upkeep: Meetings HubSpot has not seen, expired holds, old failed-lookup counts, staff calendar channels and sync, double bookings made by hand.
        await sweepMeetings(runtime).catch((error: Error) => log.warn({ err: error.message }, "meeting sweep failed"));
        await scheduler.purgeExpiredHolds().catch((error: Error) => log.warn({ err: error.message }, "hold purge failed"));
        await scheduler.purgeReferenceLookups().catch((error: Error) => log.warn({ err: error.message }, "reference lookup purge failed"));
        await runtime.calendars.sweep().catch((error: Error) => log.warn({ err: error.message }, "calendar sweep failed"));
        await flagOverlaps(overlapDeps).catch((error: Error) => log.warn({ err: error.message }, "overlap check failed"));
        await purgeExpired().catch((error: Error) => log.warn({ err: error.message }, "retention purge failed"));
        await sweepVendorUndo(vendorUndoDeps(runtime.db, runtime.env)).catch((error: Error) => log.warn({ err: error.message }, "vendor undo sweep failed"));
        await sleep(runtime.env.OUTBOX_SWEEP_MS);
      }
    })();
    log.info({ concurrency: runtime.env.WORKER_CONCURRENCY }, "worker started");
    stops.push(async () => {
      sweeping = false;
      await Promise.all([worker.close(), meetings.close(), calendarSyncs.close()]);
      workerConnection.disconnect();
      meetingConnection.disconnect();
      calendarSyncConnection.disconnect();
      void sweeper;
    });
  }
  return {
    runtime,
    url,
    metricsUrl,
    async stop() {
      for (const stop of stops.reverse()) await stop();
      await runtime.close();
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const role = (process.argv[2] ?? "all") as "web" | "worker" | "all";
  if (!["web", "worker", "all"].includes(role)) {
    console.error(`unknown role "${role}": use web, worker or all`);
    process.exit(2);
  }
  let env;
  try {
    loadDotEnv();
    env = parseEnv();
  } catch (error) {
    console.error(error instanceof EnvError ? error.message : error);
    process.exit(1);
  }
  const started = await start(role, createRuntime(env));
  const shutdown = async () => {
    log.info("shutting down");
    await started.stop();
    process.exit(0);
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}
