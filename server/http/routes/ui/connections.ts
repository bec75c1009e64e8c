import { Router } from "express";
import { z } from "zod";
import type { Db } from "../../../db/client.js";
import type { Env } from "../../../config/env.js";
import { createConnection, listConnections, rotateSecret } from "../../../connections/connections.js";
import { vendors } from "../../../vendors/registry.js";
import { toolsDisabledReason } from "../../../booking/tools.js";
import { setupFor } from "../../../vendor-setup/registry.js";
import { vendorServesRecordings } from "../../../recordings/vendor-source.js";
import type { ApiError, ConnectionCreated, ConnectionsResponse, SecretRotated } from "../../../../hubspot-app/app/shared/api.js";
import { audit, portalOf } from "./signed.js";

export interface ConnectionRouteDeps {
  db: Db;
  env: Pick<Env, "PUBLIC_BASE_URL" | "ENCRYPTION_KEY">;
}

const connectionSchema = z.object({ vendor: z.enum(Object.keys(vendors) as [string, ...string[]]), secret: z.string().min(8, "the secret must be at least 8 characters"), label: z.string().max(100).optional() });
const secretSchema = z.object({ secret: z.string().min(8, "the secret must be at least 8 characters") });

/** The connections tab: the portal's vendor connections, adding one, rotating a secret. */
export function connectionRoutes(deps: ConnectionRouteDeps): Router {
  const router = Router();

  router.get("/connections", async (_req, res) => {
    const connections = await listConnections(deps.db, deps.env.PUBLIC_BASE_URL, portalOf(res));
    const keyed = new Set((await deps.db.vendorApiKey.findMany({ where: { portalId: portalOf(res) }, select: { connectionId: true } })).map((k) => k.connectionId));
    res.json({
      connections: connections.map((c) => {
        const vendor = vendors[c.vendor as keyof typeof vendors];
        return {
          ...c,
          vendorLabel: vendor.label,
          weakSignature: vendor.signatureCovers !== "body",
          toolsDisabledReason: toolsDisabledReason(vendor),
          setupSupported: setupFor(c.vendor) !== null,
          recordingKey: vendorServesRecordings(c.vendor) ? { set: keyed.has(c.id) } : null,
        };
      }),
      vendors: Object.values(vendors).map((v) => ({ id: v.id, label: v.label, secretHelp: v.secretHelp })),
    } satisfies ConnectionsResponse);
  });

  router.post("/connections", async (req, res) => {
    const parsed = connectionSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") } satisfies ApiError);
      return;
    }
    const view = await createConnection(deps.db, { portalId: portalOf(res), ...parsed.data, encryptionKey: deps.env.ENCRYPTION_KEY, publicBaseUrl: deps.env.PUBLIC_BASE_URL });
    await audit(res, { action: "connection.created", target: view.id, details: { vendor: view.vendor, label: parsed.data.label ?? null } });
    res.status(201).json({ connection: view } satisfies ConnectionCreated);
  });

  router.post("/connections/:id/secret", async (req, res) => {
    const parsed = secretSchema.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.issues[0]!.message } satisfies ApiError);
      return;
    }
    const connectionId = String(req.params.id);
    const { vendor } = await rotateSecret(deps.db, { portalId: portalOf(res), connectionId, secret: parsed.data.secret, encryptionKey: deps.env.ENCRYPTION_KEY });
    await audit(res, { action: "connection.secret_rotated", target: connectionId, details: { vendor } });
    res.json({ rotated: true } satisfies SecretRotated);
  });
  return router;
}
