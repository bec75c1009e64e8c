import { Router } from "express";
import type { Db } from "../../../db/client.js";
import { logger } from "../../../config/logger.js";
import { installState } from "../../../hubspot/portals.js";
import type { StatusResponse, UninstallResponse } from "../../../../hubspot-app/app/shared/api.js";
import { portalOf, type AdminLocals } from "./signed.js";

const log = logger("http.ui.install");

export interface InstallRouteDeps {
  db: Db;
  reconnectUrl: string;
  /** Deletes everything of the portal (server/privacy/uninstall.ts). */
  uninstall(portalId: string): Promise<UninstallResponse>;
}

/** The app's install in the signed portal: whether it stands, and uninstalling it. */
export function installRoutes(deps: InstallRouteDeps): Router {
  const router = Router();

  router.get("/status", async (_req, res) => {
    res.json({ ...(await installState(deps.db, portalOf(res))), reconnectUrl: deps.reconnectUrl } satisfies StatusResponse);
  });

  router.delete("/install", async (_req, res) => {
    // Not in the audit log: uninstalling deletes the portal's log with its other data. The server log
    // keeps who did it.
    const { actor } = res.locals as AdminLocals;
    log.info({ portalId: portalOf(res), userId: actor.userId }, "uninstall asked from the settings page");
    res.json((await deps.uninstall(portalOf(res))) satisfies UninstallResponse);
  });
  return router;
}
