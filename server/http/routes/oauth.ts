import { Router } from "express";
import type { Runtime } from "../../runtime.js";
import { completeInstall, installUrl, type InstallDeps } from "../../hubspot/oauth.js";
import { resumeWaitingCalls } from "../../sync/worker.js";
import { resumeWaitingMeetings } from "../../booking/meetings.js";
import { page } from "../page.js";
import { escapeHtml } from "../../text/html.js";

/** The page a failed install ends on; the reason may quote HubSpot's error message. */
export function installFailedPage(reason: string): string {
  return page("Install did not complete", `<p>${escapeHtml(reason)}</p><p><a href="/oauth/install">Start the install again</a></p>`);
}

/** The callback's dependencies: it resumes what the workers parked while the portal needed a new install. */
export function installDeps(rt: Runtime): InstallDeps {
  const attempts = rt.env.SYNC_MAX_ATTEMPTS;
  return {
    db: rt.db,
    tokens: rt.tokens,
    clients: rt.clients,
    env: rt.env,
    resumeWaiting: async (portalId) => ({
      calls: await resumeWaitingCalls(rt.db, rt.queue, portalId, attempts),
      meetings: await resumeWaitingMeetings(rt.db, rt.meetingQueue, portalId, attempts),
    }),
  };
}

export function oauthRoutes(rt: Runtime): Router {
  const router = Router();
  const deps = installDeps(rt);
  router.get("/oauth/install", (_req, res) => {
    res.redirect(302, installUrl(rt.env));
  });
  router.get("/oauth/callback", async (req, res) => {
    const result = await completeInstall(deps, req.query.code as string | undefined, req.query.state as string | undefined);
    if (!result.ok) {
      res.status(result.status).type("html").send(installFailedPage(result.reason));
      return;
    }
    res
      .status(200)
      .type("html")
      .send(page("AI receptionist is connected to HubSpot", `<p>Portal ${escapeHtml(result.portalId)} is connected. Open <strong>Settings &rarr; Integrations &rarr; Connected apps &rarr; AI Receptionist</strong> in HubSpot to connect your AI receptionist vendor and review the field mapping.</p>${resumedNote(result.resumed)}`));
  });
  return router;
}

function resumedNote({ calls, meetings }: { calls: number; meetings: number }): string {
  const waiting = [calls ? `${calls} waiting call(s)` : "", meetings ? `${meetings} waiting meeting(s)` : ""].filter(Boolean).join(" and ");
  return waiting ? `<p>${waiting} are being synced now.</p>` : "";
}
