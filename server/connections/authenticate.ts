import type { Db } from "../db/client.js";
import type { VendorId } from "../calls/record.js";
import { getVendor } from "../vendors/registry.js";
import type { VendorAdapter } from "../vendors/types.js";
import { connectionByToken, connectionSecret, type TokenConnection } from "./connections.js";

// Who sent a vendor request: the connection its URL names, and whether the vendor's signature over the
// raw bytes holds with that connection's secret. One function for the post-call webhooks (ingest) and
// the live tools, so both authenticate alike.

export interface SignedRequest {
  /** The connection token from the URL (webhookUrl or toolsUrl). */
  token: string;
  rawBody: Buffer;
  headers: Record<string, string | undefined>;
  now: number;
}

export type Authentication =
  | { kind: "unknown_connection" }
  | { kind: "unauthorized"; reason: string; unverifiable?: true; connection: TokenConnection; vendor: VendorAdapter }
  | { kind: "authenticated"; connection: TokenConnection; vendor: VendorAdapter };

export async function authenticateDelivery(db: Db, encryptionKey: string, request: SignedRequest): Promise<Authentication> {
  const connection = await connectionByToken(db, request.token);
  if (!connection) return { kind: "unknown_connection" };
  const vendor = getVendor(connection.vendor as VendorId);
  const verified = await vendor.verify({ rawBody: request.rawBody, headers: request.headers, now: request.now }, connectionSecret(connection, encryptionKey));
  return verified.ok ? { kind: "authenticated", connection, vendor } : { kind: "unauthorized", reason: verified.reason, ...(verified.unverifiable ? { unverifiable: true as const } : {}), connection, vendor };
}
