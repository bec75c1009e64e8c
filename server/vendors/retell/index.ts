import type { VendorAdapter } from "../types.js";
import { parseRetell } from "./parse.js";
import { signRetell, verifyRetell } from "./verify.js";
import { retellTools } from "./tools.js";
import { retellInbound } from "./inbound.js";

export const retell = {
  id: "retell",
  label: "Retell AI",
  secretHelp: "Your Retell API key (the one with the webhook badge): Retell signs webhooks and custom function calls with it.",
  signatureCovers: "body",
  tools: retellTools,
  inbound: retellInbound,
  verify: verifyRetell,
  parse: parseRetell,
  sign: signRetell,
} satisfies VendorAdapter;
