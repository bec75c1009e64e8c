import type { VendorId } from "../calls/record.js";
import type { Dialer } from "../vendors/outbound.js";
import { retellDialer } from "../vendors/retell/outbound.js";
import { vapiDialer } from "../vendors/vapi/outbound.js";
import { blandDialer } from "../vendors/bland/outbound.js";

/** The vendors whose API can start an outbound call; Synthflow and generic connections cannot. */
export const dialers = { retell: retellDialer, vapi: vapiDialer, bland: blandDialer } satisfies Partial<Record<VendorId, Dialer>>;
export type DialVendor = keyof typeof dialers;

export const canDial = (vendor: string): vendor is DialVendor => Object.hasOwn(dialers, vendor);
