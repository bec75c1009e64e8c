import type { VendorId } from "../calls/record.js";
import type { VendorSetup } from "../vendors/setup.js";
import { retellSetup } from "../vendors/retell/setup.js";
import { vapiSetup } from "../vendors/vapi/setup.js";

/** The vendors the settings page can configure through their API. Adding one is its setup.ts and a line here. */
export const vendorSetups = { retell: retellSetup, vapi: vapiSetup } satisfies Partial<Record<VendorId, VendorSetup>>;

export function setupFor(vendor: string): VendorSetup | null {
  return (vendorSetups as Partial<Record<string, VendorSetup>>)[vendor] ?? null;
}
