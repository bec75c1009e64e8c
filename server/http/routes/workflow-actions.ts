import express, { Router } from "express";
import type { Env } from "../../config/env.js";
import { logger } from "../../config/logger.js";
import { flatHeaders } from "../headers.js";
import { ACTION_PATH } from "../../workflows/definition.js";
import { verifyActionRequest } from "../../workflows/signature.js";
import { parseActionRequest } from "../../workflows/request.js";
import { callContact, type CallActionDeps } from "../../workflows/call-contact.js";
import { actionResponse } from "../../workflows/answers.js";

const log = logger("http.workflow-actions");

export interface WorkflowActionDeps {
  env: Pick<Env, "HUBSPOT_CLIENT_SECRET" | "PUBLIC_BASE_URL">;
  action: CallActionDeps;
}

/**
 * HubSpot's calls of the workflow action (server/workflows/definition.ts), signed with the app's
 * client secret. The portal is the one in the signed body; what happened is an ActionOutcome, turned
 * into HubSpot's answer in one place (answers.ts).
 */
export function workflowActionRoutes(deps: WorkflowActionDeps): Router {
  const router = Router();
  router.post(ACTION_PATH, express.raw({ type: () => true, limit: "256kb" }), async (req, res) => {
    const rawBody = Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "";
    const check = verifyActionRequest({ secret: deps.env.HUBSPOT_CLIENT_SECRET, publicBaseUrl: deps.env.PUBLIC_BASE_URL, request: { method: req.method, originalUrl: req.originalUrl, rawBody, headers: flatHeaders(req.headers) }, now: Date.now() });
    if (!check.ok) {
      log.warn({ reason: check.reason }, "workflow action request refused");
      res.status(401).json({ status: "error", message: `request not signed by HubSpot: ${check.reason}` });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      res.status(400).json({ status: "error", message: "body is not JSON" });
      return;
    }
    const parsed = parseActionRequest(body);
    if (!parsed.ok) {
      res.status(400).json({ status: "error", message: parsed.reason });
      return;
    }
    const answer = actionResponse(await callContact(deps.action, parsed.request));
    res.status(answer.status).set(answer.headers).json(answer.body);
  });
  return router;
}
