import type { Db } from "../db/client.js";
import { decrypt, sealedFor } from "../config/crypto.js";

// The API key an admin entered for a connection's vendor where it is not the connection's own secret
// (VendorApiKey): Vapi's private key for vendor setup, Synthflow's API key for its recordings endpoint.

export const vendorKeySeal = (connectionId: string) => sealedFor("VendorApiKey", "apiKeyEnc", connectionId);

/** The connection's entered vendor API key, or null when none was entered. */
export async function enteredVendorApiKey(db: Db, encryptionKey: string, connectionId: string): Promise<string | null> {
  const row = await db.vendorApiKey.findUnique({ where: { connectionId }, select: { apiKeyEnc: true } });
  return row ? decrypt(row.apiKeyEnc, encryptionKey, vendorKeySeal(connectionId)) : null;
}
