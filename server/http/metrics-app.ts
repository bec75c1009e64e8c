import express from "express";
import helmet from "helmet";
import type { Runtime } from "../runtime.js";
import { healthRoutes } from "./routes/health.js";

/**
 * A worker process's own listener (METRICS_PORT): health and Prometheus metrics, nothing else. Its
 * counters (sync jobs, sync latency, HubSpot requests made by the worker) exist only in its memory,
 * so they are scraped from each worker as a web process's are from it.
 */
export function createMetricsApp(rt: Runtime) {
  const app = express();
  app.disable("x-powered-by");
  app.use(helmet());
  app.use(healthRoutes(rt));
  return app;
}
