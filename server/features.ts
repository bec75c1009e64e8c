import type { Router } from "express";
import type { Runtime } from "./runtime.js";

/**
 * Routers of the features built on the core (booking tools, the in-CRM UI backend, HubSpot webhooks).
 * Each feature adds its router here; server/http/app.ts mounts them after the core routes.
 */
export function featureRouters(_rt: Runtime): Router[] {
  return [];
}
