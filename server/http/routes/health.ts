import { Router, type Request } from "express";
import type { Queue } from "bullmq";
import type { Runtime } from "../../runtime.js";
import { fallbackSize, queueDepth, registry } from "../../metrics/metrics.js";
import { safeEqual } from "../../config/crypto.js";
import { logger } from "../../config/logger.js";
import { recordingRegistrationWarning } from "../../recordings/registration.js";

const log = logger("http.health");

const bearer = (req: Request) => /^Bearer (.+)$/.exec(req.header("authorization") ?? "")?.[1];

export function healthRoutes(rt: Runtime): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  // Up or down per dependency; why is logged, never answered (error text names hosts and ports).
  router.get("/readyz", async (_req, res) => {
    const withTimeout = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 2_000))]);
    const probe = (name: string, check: Promise<unknown>) =>
      withTimeout(check).then(
        () => "ok" as const,
        (error: Error) => {
          log.warn({ dependency: name, err: error.message.split("\n")[0] }, "readiness check failed");
          return "down" as const;
        },
      );
    const [postgres, redis] = await Promise.all([probe("postgres", rt.db.$queryRaw`SELECT 1`), probe("redis", rt.redis.ping())]);
    const ready = postgres === "ok" && redis === "ok";
    // Warnings do not make the deployment unready: calls still land, something HubSpot shows does not.
    const warnings = postgres === "ok" ? [await withTimeout(recordingRegistrationWarning(rt.db, rt.env.PUBLIC_BASE_URL)).catch(() => null)].filter((w): w is string => !!w) : [];
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "not ready", postgres, redis, ...(warnings.length ? { warnings } : {}) });
  });
  // Prometheus scrapes with `Authorization: Bearer <METRICS_TOKEN>`; without a token configured the
  // endpoint does not exist (queue depths and per-vendor counts are nobody else's business).
  router.get("/metrics", async (req, res) => {
    const token = rt.env.METRICS_TOKEN;
    if (!token) return void res.status(404).json({ error: "metrics are off: set METRICS_TOKEN to scrape them" });
    const given = bearer(req);
    if (!given || !safeEqual(given, token)) return void res.status(401).set("www-authenticate", "Bearer").json({ error: "metrics need Authorization: Bearer <METRICS_TOKEN>" });
    // Deployment-wide gauges are read at scrape time; a failure leaves the last value.
    for (const queue of [rt.queue, rt.meetingQueue, rt.calendarSyncQueue] as Queue[]) {
      await queue
        .getJobCounts("waiting", "active", "delayed", "failed")
        .then((counts) => Object.entries(counts).forEach(([state, n]) => queueDepth.set({ queue: queue.name, state }, n)))
        .catch(() => undefined);
    }
    await rt.db.fallbackEntry
      .count({ where: { resolvedAt: null } })
      .then((n) => fallbackSize.set(n))
      .catch(() => undefined);
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
