import { Router } from "express";
import type { Runtime } from "../../runtime.js";
import { completeInstall, installUrl } from "../../hubspot/oauth.js";
import { page } from "../page.js";
import { escapeHtml } from "../../text/html.js";

/** The page a failed install ends on; the reason may quote HubSpot's error message. */
export function installFailedPage(reason: string): string {
  return page("Install did not complete", `<p>${escapeHtml(reason)}</p><p><a href="/oauth/install">Start the install again</a></p>`);
}

export function oauthRoutes(rt: Runtime): Router {
  const router = Router();
  router.get("/oauth/install", (_req, res) => {
    res.redirect(302, installUrl(rt.env));
  });
  router.get("/oauth/callback", async (req, res) => {
    const result = await completeInstall(rt, req.query.code as string | undefined, req.query.state as string | undefined);
    if (!result.ok) {
      res.status(result.status).type("html").send(installFailedPage(result.reason));
      return;
    }
    res
      .status(200)
      .type("html")
      .send(page("AI receptionist is connected to HubSpot", `<p>Portal ${escapeHtml(result.portalId)} is connected. Open <strong>Settings &rarr; Integrations &rarr; Connected apps &rarr; AI Receptionist</strong> in HubSpot to connect your AI receptionist vendor and review the field mapping.</p>${result.resumed ? `<p>${result.resumed} waiting call(s) are being synced now.</p>` : ""}`));
  });
  return router;
}
