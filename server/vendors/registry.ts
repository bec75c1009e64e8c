import type { VendorId } from "../calls/record.js";
import type { VendorAdapter } from "./types.js";
import { retell } from "./retell/index.js";
import { vapi } from "./vapi/index.js";
import { bland } from "./bland/index.js";
import { synthflow } from "./synthflow/index.js";
import { generic } from "./generic/index.js";

/** Every supported vendor. Adding one is a new folder and a line here. */
export const vendors = { retell, vapi, bland, synthflow, generic } satisfies Record<VendorId, VendorAdapter>;

export function getVendor(id: VendorId): VendorAdapter {
  return vendors[id];
}
