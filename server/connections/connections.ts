import { sql, type Db } from "../db/client.js";
import { randomUUID } from "node:crypto";
import { decrypt, encrypt, randomToken, sealedFor } from "../config/crypto.js";
import { VENDOR_IDS, type VendorId } from "../calls/record.js";
import { getVendor } from "../vendors/registry.js";
import type { ConnectionView } from "../../hubspot-app/app/shared/api.js";

// The settings page shows a connection as this module views it: the view is part of the /ui/v1 API.
export type { ConnectionView };

export const webhookUrlFor = (publicBaseUrl: string, token: string) => new URL(`/webhooks/${token}`, publicBaseUrl).toString();
export const toolsUrlFor = (publicBaseUrl: string, token: string) => new URL(`/tools/${token}`, publicBaseUrl).toString();

export function isVendorId(value: string): value is VendorId {
  return (VENDOR_IDS as readonly string[]).includes(value);
}

type Row = { id: string; portalId: string; vendor: string; label: string | null; webhookToken: string; createdAt: Date; lastDeliveryAt: Date | null; lastError: string | null; lastErrorAt: Date | null };

/** What may be shown of a connection: its URLs and health, never its secret. */
export function viewConnection(row: Row, publicBaseUrl: string): ConnectionView {
  return {
    id: row.id,
    portalId: row.portalId,
    vendor: row.vendor,
    label: row.label,
    webhookUrl: webhookUrlFor(publicBaseUrl, row.webhookToken),
    toolsUrl: toolsUrlFor(publicBaseUrl, row.webhookToken),
    createdAt: row.createdAt.toISOString(),
    lastDeliveryAt: row.lastDeliveryAt?.toISOString() ?? null,
    lastError: row.lastError,
    lastErrorAt: row.lastErrorAt?.toISOString() ?? null,
  };
}

export class ConnectionError extends Error {}

/** A vendor secret decrypts only in its own connection's row. */
export const connectionSecretSeal = (connectionId: string) => sealedFor("Connection", "secretEnc", connectionId);

export const connectionSecret = (connection: { id: string; secretEnc: string }, encryptionKey: string) => decrypt(connection.secretEnc, encryptionKey, connectionSecretSeal(connection.id));

export interface TokenConnection {
  id: string;
  portalId: string;
  vendor: string;
  secretEnc: string;
  /** The portal's phone region: national numbers of its callers are read in it. */
  defaultRegion: string;
}

/**
 * The connection a vendor's webhook or tool request names by its URL token, with its portal's phone
 * region (the first query of every delivery, so one prepared statement: plain SQL, see sql()). The secret
 * stays encrypted here.
 */
export async function connectionByToken(db: Db, token: string): Promise<TokenConnection | undefined> {
  const [connection] = await sql<TokenConnection>(
    db,
    `SELECT c."id", c."portalId", c."vendor", c."secretEnc", p."defaultRegion" FROM "Connection" c JOIN "Portal" p ON p."id" = c."portalId" WHERE c."webhookToken" = $1`,
    [token],
    { name: "connection-by-token" },
  );
  return connection;
}

/** A new vendor connection with its own unguessable webhook and tools URLs. */
export async function createConnection(db: Db, options: { portalId: string; vendor: string; secret: string; label?: string; encryptionKey: string; publicBaseUrl: string }): Promise<ConnectionView> {
  if (!isVendorId(options.vendor)) throw new ConnectionError(`unknown vendor "${options.vendor}": use one of ${VENDOR_IDS.join(", ")}`);
  if (!options.secret || options.secret.trim().length < 8) throw new ConnectionError("the secret must be at least 8 characters (the value the vendor signs with)");
  const problem = getVendor(options.vendor).secretProblem?.(options.secret.trim());
  if (problem) throw new ConnectionError(problem);
  const portal = await db.portal.findUnique({ where: { id: options.portalId } });
  if (!portal) throw new ConnectionError(`portal ${options.portalId} has not installed the app (open /oauth/install first)`);
  const id = randomUUID();
  const row = await db.connection.create({
    data: { id, portalId: options.portalId, vendor: options.vendor, label: options.label ?? null, secretEnc: encrypt(options.secret.trim(), options.encryptionKey, connectionSecretSeal(id)), webhookToken: randomToken(24) },
  });
  return viewConnection(row, options.publicBaseUrl);
}

export async function listConnections(db: Db, publicBaseUrl: string, portalId?: string): Promise<ConnectionView[]> {
  const rows = await db.connection.findMany({ where: { portalId }, orderBy: { createdAt: "asc" } });
  return rows.map((row) => viewConnection(row, publicBaseUrl));
}

/** Replace a connection's secret (rotation). The URLs stay the same. Answers the connection's vendor. */
export async function rotateSecret(db: Db, options: { portalId: string; connectionId: string; secret: string; encryptionKey: string }): Promise<{ vendor: string }> {
  if (!options.secret || options.secret.trim().length < 8) throw new ConnectionError("the secret must be at least 8 characters");
  const updated = await db.connection.updateMany({ where: { id: options.connectionId, portalId: options.portalId }, data: { secretEnc: encrypt(options.secret.trim(), options.encryptionKey, connectionSecretSeal(options.connectionId)), lastError: null } });
  if (updated.count !== 1) throw new ConnectionError(`no connection ${options.connectionId} in portal ${options.portalId}`);
  return db.connection.findUniqueOrThrow({ where: { id: options.connectionId }, select: { vendor: true } });
}
