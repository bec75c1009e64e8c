import type { Db } from "../db/client.js";
import { enteredVendorApiKey } from "../connections/vendor-api-key.js";
import { synthflowRecordingRequest } from "../vendors/synthflow/recordings.js";

/** A request that fetches a call's recording from its vendor's API (a fresh link), headers included. */
export interface VendorRecordingRequest {
  url: string;
  headers: Record<string, string>;
}

/** The call a recording belongs to, as its vendor names it. */
export interface RecordingCall {
  id: string;
  portalId: string;
  connectionId: string;
  vendor: string;
  vendorCallId: string;
}

/** For a call whose vendor link failed: the vendor API's request for a fresh one, or null when there is none. */
export type VendorRecordingSource = (call: RecordingCall) => Promise<VendorRecordingRequest | null>;

/** The vendors whose API hands out a call's recording again, given the API key the admin entered. */
const RECORDING_APIS = {
  synthflow: synthflowRecordingRequest,
} satisfies Record<string, (apiBaseUrl: string, apiKey: string, vendorCallId: string) => VendorRecordingRequest>;

/** Whether a connection of this vendor can use an entered API key to fetch recordings again. */
export function vendorServesRecordings(vendor: string): boolean {
  return vendor in RECORDING_APIS;
}

export function vendorRecordingSource(db: Db, encryptionKey: string, apiBaseUrls: Partial<Record<keyof typeof RECORDING_APIS, string>>): VendorRecordingSource {
  return async (call) => {
    const vendor = call.vendor as keyof typeof RECORDING_APIS;
    const baseUrl = apiBaseUrls[vendor];
    if (!vendorServesRecordings(call.vendor) || !baseUrl) return null;
    const apiKey = await enteredVendorApiKey(db, encryptionKey, call.connectionId);
    return apiKey ? RECORDING_APIS[vendor](baseUrl, apiKey, call.vendorCallId) : null;
  };
}
