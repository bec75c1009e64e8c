import { Router } from "express";
import type { Runtime } from "../../runtime.js";
import { completeInstall, installUrl } from "../../hubspot/oauth.js";
import { page } from "../page.js";

export function oauthRoutes(rt: Runtime): Router {
  const router = Router();
  router.get("/oauth/install", async (_req, res) => {
    res.redirect(302, await installUrl(rt));
  });
  router.get("/oauth/callback", async (req, res) => {
    const result = await completeInstall(rt, req.query.code as string | undefined, req.query.state as string | undefined);
    if (!result.ok) {
      res.status(result.status).type("html").send(page("Install did not complete", `<p>${result.reason}</p><p><a href="/oauth/install">Start the install again</a></p>`));
      return;
    }
    res
      .status(200)
      .type("html")
      .send(page("AI receptionist is connected to HubSpot", `<p>Portal ${result.portalId} is connected. Open <strong>Settings &rarr; Integrations &rarr; Connected apps &rarr; AI Receptionist</strong> in HubSpot to connect your AI receptionist vendor and review the field mapping.</p>${result.resumed ? `<p>${result.resumed} waiting call(s) are being synced now.</p>` : ""}`));
  });
  return router;
}
