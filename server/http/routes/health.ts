import { Router } from "express";
import type { Runtime } from "../../runtime.js";
import { fallbackSize, queueDepth, registry } from "../../metrics/metrics.js";

export function healthRoutes(rt: Runtime): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    const withTimeout = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 2_000))]);
    const [postgres, redis] = await Promise.all([
      withTimeout(rt.db.$queryRaw`SELECT 1`).then(() => "ok", (e: Error) => `down: ${e.message.split("\n")[0]}`),
      withTimeout(rt.redis.ping()).then(() => "ok", (e: Error) => `down: ${e.message}`),
    ]);
    const ready = postgres === "ok" && redis === "ok";
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "not ready", postgres, redis });
  });
  router.get("/metrics", async (_req, res) => {
    // Deployment-wide gauges are read at scrape time; a failure leaves the last value.
    await rt.queue
      .getJobCounts("waiting", "active", "delayed", "failed")
      .then((counts) => Object.entries(counts).forEach(([state, n]) => queueDepth.set({ state }, n)))
      .catch(() => undefined);
    await rt.db.fallbackEntry
      .count({ where: { resolvedAt: null } })
      .then((n) => fallbackSize.set(n))
      .catch(() => undefined);
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
