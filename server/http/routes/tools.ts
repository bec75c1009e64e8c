import express, { Router } from "express";
import { createToolRunner, type ToolDeps, type ToolRequestOutcome } from "../../booking/tools.js";
import { toolDuration } from "../../metrics/metrics.js";
import { flatHeaders } from "../headers.js";

// POST /tools/:token: the live tool calls of a voice platform (server/booking/tools.ts runs them).

/** The only place a tool request's outcome becomes an HTTP status and body. */
function respond(outcome: Exclude<ToolRequestOutcome, { kind: "answered" }>): { status: number; body: unknown } {
  switch (outcome.kind) {
    case "unknown_connection":
      return { status: 404, body: { error: "unknown connection: check the tools URL" } };
    case "disabled":
      return { status: 403, body: { error: outcome.reason } };
    case "unauthorized":
      return { status: 401, body: { error: `signature rejected: ${outcome.reason}` } };
    case "invalid":
      return { status: 400, body: { error: outcome.reason } };
    default: {
      const unreachable: never = outcome;
      throw new Error(`unhandled outcome ${JSON.stringify(unreachable)}`);
    }
  }
}

export function toolRoutes(deps: ToolDeps): Router {
  const router = Router();
  const tools = createToolRunner(deps);
  // The raw bytes are what vendors sign: never re-serialise before verifying.
  router.post("/tools/:token", express.raw({ type: () => true, limit: "256kb" }), async (req, res) => {
    const started = performance.now();
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const outcome = await tools.handle({ token: String(req.params.token), rawBody, headers: flatHeaders(req.headers), now: Date.now() });
    if (outcome.kind !== "answered") {
      const { status, body } = respond(outcome);
      return void res.status(status).json(body);
    }
    // Our own time, for the vendor's logs and ours (Server-Timing) and for /metrics.
    const seconds = (performance.now() - started) / 1000;
    for (const tool of outcome.tools) toolDuration.observe({ tool }, seconds / outcome.tools.length);
    res.setHeader("server-timing", `app;dur=${(seconds * 1000).toFixed(1)}`);
    res.json(outcome.reply);
  });
  return router;
}
