import express, { Router } from "express";
import type { Calendars } from "../../booking/calendars.js";
import { EXTERNAL_PROVIDERS, type ExternalProviderId } from "../../booking/providers/registry.js";
import { logger } from "../../config/logger.js";
import { escapeHtml } from "../../text/html.js";
import { flatHeaders } from "../headers.js";
import { page } from "../page.js";

// Staff calendar connection and change notifications (server/booking/calendars.ts does the work):
//   GET  /calendar/oauth/callback   the staff member comes back from Google / Microsoft consent
//   POST /calendar/push/:provider   Google push channel messages, Graph subscription validation and notifications
//   POST /calendar/webhooks/:provider  a scheduling system's signed webhooks (Acuity), verified on the raw body

const log = logger("http.calendar-push");

function assertNever(value: never): never {
  throw new Error(`unhandled webhook outcome ${JSON.stringify(value)}`);
}

export interface CalendarRouteDeps {
  calendars: Pick<Calendars, "completeConnect" | "handlePush" | "handleWebhook">;
}

export function calendarPushRoutes(deps: CalendarRouteDeps): Router {
  const router = Router();

  router.get("/calendar/oauth/callback", async (req, res) => {
    const { code, state, error } = req.query as Record<string, string | undefined>;
    if (error) return void res.status(400).type("html").send(page("Calendar not connected", `<p>The calendar provider answered: ${escapeHtml(error)}. Ask for a new link to try again.</p>`));
    if (!code || !state) return void res.status(400).type("html").send(page("Calendar not connected", "<p>The link is incomplete (no code or state). Ask for a new link.</p>"));
    try {
      const connected = await deps.calendars.completeConnect(code, state);
      log.info({ staffId: connected.staffId, provider: connected.provider }, "staff calendar connected");
      res.type("html").send(page("Calendar connected", `<p>${escapeHtml(connected.accountEmail)}'s ${connected.label} calendar is connected. The AI receptionist now books into it. You can close this page.</p>`));
    } catch (err) {
      log.warn({ err: (err as Error).message }, "calendar connection failed");
      res.status(400).type("html").send(page("Calendar not connected", `<p>${escapeHtml((err as Error).message)}</p>`));
    }
  });

  router.post("/calendar/push/:provider", express.json({ limit: "256kb", type: () => true }), async (req, res) => {
    const provider = String(req.params.provider) as ExternalProviderId;
    if (!EXTERNAL_PROVIDERS.includes(provider)) return void res.status(404).json({ error: `unknown calendar provider "${provider}"` });
    const headers = flatHeaders(req.headers);
    const query = Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, typeof v === "string" ? v : undefined]));
    const result = await deps.calendars.handlePush(provider, { headers, query, body: req.body ?? null });
    // Graph's validation handshake: echo the token as text/plain.
    if (result.validation !== undefined) return void res.status(200).type("text/plain").send(result.validation);
    if (result.rejected && !result.accepted) return void res.status(401).json({ error: "unknown channel or wrong channel secret" });
    res.status(202).end();
  });

  router.post("/calendar/webhooks/:provider", express.raw({ limit: "64kb", type: () => true }), async (req, res) => {
    const provider = String(req.params.provider);
    if (!(EXTERNAL_PROVIDERS as readonly string[]).includes(provider)) return void res.status(404).json({ error: `unknown calendar provider "${provider}"` });
    const query = Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, typeof v === "string" ? v : undefined]));
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const result = await deps.calendars.handleWebhook(provider, { headers: flatHeaders(req.headers), query, rawBody });
    switch (result.outcome) {
      case "applied":
      case "unchanged":
        return void res.status(200).json({ outcome: result.outcome });
      case "ignored":
        return void res.status(202).json({ outcome: "ignored" });
      case "refused":
        log.warn({ provider, reason: result.reason }, "calendar webhook refused");
        return void res.status(401).json({ error: result.reason });
      case "unavailable":
        return void res.status(503).json({ error: "the calendar could not be read; try again later" });
      default:
        return assertNever(result);
    }
  });
  return router;
}
