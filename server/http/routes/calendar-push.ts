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

const log = logger("http.calendar-push");

export interface CalendarRouteDeps {
  calendars: Pick<Calendars, "completeConnect" | "handlePush">;
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
  return router;
}
