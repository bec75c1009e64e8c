import express, { type ErrorRequestHandler } from "express";
import helmet from "helmet";
import type { Runtime } from "../runtime.js";
import { logger } from "../config/logger.js";
import { routers } from "./routers.js";

const log = logger("http");

/** The web process: routes only, every router of server/http/routers.ts mounted here. */
export function createApp(rt: Runtime) {
  const app = express();
  app.disable("x-powered-by");
  // X-Forwarded-* are believed only from the proxies TRUST_PROXY names (default: none).
  app.set("trust proxy", rt.env.TRUST_PROXY);
  // Security headers on every response, helmet's defaults (the JSON API and our small HTML pages need
  // nothing they forbid). The recording routes replace some per response: the player page is framed
  // by HubSpot, and audio is loaded by HubSpot's own player from its origin.
  app.use(helmet());
  for (const router of routers(rt)) app.use(router);

  const errors: ErrorRequestHandler = (error, _req, res, _next) => {
    const status = typeof error?.status === "number" ? error.status : 500;
    if (status === 413) {
      res.status(413).json({ error: `body too large (limit ${rt.env.MAX_WEBHOOK_BYTES} bytes)` });
      return;
    }
    if (status >= 400 && status < 500) {
      res.status(status).json({ error: error.message ?? "bad request" });
      return;
    }
    log.error({ err: error?.message }, "unhandled error");
    res.status(503).json({ error: "temporarily unavailable, retry later" });
  };
  app.use(errors);
  return app;
}
