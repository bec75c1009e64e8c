import { Router } from "express";
import type { PortalNotifications } from "../../../notify/settings.js";
import { notificationUpdateSchema } from "../../../notify/settings.js";
import { describeIssues } from "../../../validation/issues.js";
import type { ApiError, NotificationSettingsResponse, NotificationSettingsSaved, NotificationTestResponse } from "../../../../hubspot-app/app/shared/api.js";
import { audit, portalOf } from "./signed.js";

/** The Notifications tab: where escalations, fallback entries and double bookings are sent, and a test send. */
export function notificationRoutes(deps: { notifications: Pick<PortalNotifications, "view" | "save" | "test"> }): Router {
  const router = Router();

  router.get("/notifications", async (_req, res) => {
    res.json((await deps.notifications.view(portalOf(res))) satisfies NotificationSettingsResponse);
  });

  router.put("/notifications", async (req, res) => {
    const parsed = notificationUpdateSchema.safeParse(req.body);
    if (!parsed.success) return void res.status(400).json({ error: describeIssues(parsed.error.issues) } satisfies ApiError);
    const saved = await deps.notifications.save(portalOf(res), parsed.data);
    if (saved.kind === "invalid") return void res.status(400).json({ error: saved.reason } satisfies ApiError);
    // What changed, never the URLs themselves (they are credentials).
    const changed = (["slackUrl", "teamsUrl", "email"] as const).filter((field) => parsed.data[field] !== undefined).map((field) => `${field}${parsed.data[field] ? " set" : " removed"}`);
    await audit(res, { action: "notifications.saved", details: { changed, events: parsed.data.events } });
    res.json({ saved: true } satisfies NotificationSettingsSaved);
  });

  router.post("/notifications/test", async (_req, res) => {
    const results = await deps.notifications.test(portalOf(res));
    if (!results) return void res.status(409).json({ error: "No channel is set up yet: add a Slack or Teams webhook URL or an e-mail address and save first." } satisfies ApiError);
    await audit(res, { action: "notifications.tested", details: Object.fromEntries(Object.entries(results).map(([channel, r]) => [channel, r?.ok ? "sent" : "failed"])) });
    res.json({ results } satisfies NotificationTestResponse);
  });
  return router;
}
