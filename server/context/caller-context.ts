import type { Redis } from "ioredis";
import { sha256Hex } from "../config/crypto.js";
import { logger } from "../config/logger.js";
import type { InboundConnection } from "../ingest/ingest.js";
import type { InboundRequest } from "../vendors/inbound.js";
import type { VendorAdapter } from "../vendors/types.js";
import type { SpokenAnswer } from "../vendors/tool-calls.js";
import { lookupCaller, type LookupDeps } from "./lookup.js";
import { OwnerNames } from "./owners.js";
import { promptVariables, spokenContext } from "./variables.js";

// Caller context at the start of a call, two ways: the vendor's inbound-call request on the
// connection's webhook URL (answered in the vendor's shape, vendors/<name>/inbound.ts), and the
// lookup_caller live tool on its tools URL (run by the tool runner like the booking tools). Both tell
// the AI the same variables (variables.ts) from the same lookup (lookup.ts).

const log = logger("context");
const FIRST_BODY_TTL_S = 3_600;
const REDIS_WAIT_MS = 500;

export interface CallerContextDeps extends Omit<LookupDeps, "owners"> {
  /** Remembers the first body of an inbound request whose vendor signs only the call id. */
  redis: Pick<Redis, "set" | "get">;
  prefix: string;
}

export interface InboundDelivery {
  request: InboundRequest;
  connection: InboundConnection;
  bodySha256: string;
}

export interface CallerContextService {
  /** The vendor's answer to its inbound-call request, and the time spent on HubSpot. */
  answerInbound(vendor: VendorAdapter, delivery: InboundDelivery): Promise<{ reply: unknown; hubspotMs: number }>;
  /** The lookup_caller tool: the caller is the call's own number (never an argument), in E.164. */
  lookupTool(caller: { portalId: string; phone: string | null }): Promise<SpokenAnswer>;
}

/** One per process: the owner-name cache behind it is in memory. */
export function createCallerContext(deps: CallerContextDeps): CallerContextService {
  const lookup = { ...deps, owners: new OwnerNames() };

  /**
   * With a signature over the call id alone (Synthflow), one captured request could be replayed with
   * any caller's number to read that caller's context. As ingest does for its calls, the first body
   * seen for a call id stands (a vendor's retry of it is answered again); any other is answered as an
   * unknown caller. Without Redis the body cannot be checked, so it is treated the same way.
   */
  const firstBodyStands = async (delivery: InboundDelivery): Promise<boolean> => {
    if (!delivery.request.vendorCallId) return false;
    const key = `${deps.prefix}:context:first-body:${delivery.connection.id}:${sha256Hex(delivery.request.vendorCallId)}`;
    const check = (async () => (await deps.redis.set(key, delivery.bodySha256, "EX", FIRST_BODY_TTL_S, "NX")) === "OK" || (await deps.redis.get(key)) === delivery.bodySha256)();
    check.catch(() => undefined);
    const late = new Promise<false>((resolve) => setTimeout(() => resolve(false), REDIS_WAIT_MS).unref());
    return Promise.race([check, late]).catch(() => false);
  };

  return {
    async answerInbound(vendor, delivery) {
      const { connection } = delivery;
      let phone = delivery.request.phone;
      if (vendor.signatureCovers === "call_id" && !(await firstBodyStands(delivery))) {
        log.warn({ portalId: connection.portalId, vendor: vendor.id }, "inbound request with a second body for its call id (or none): answered without the caller's context");
        phone = null;
      }
      const now = new Date();
      const found = await lookupCaller(lookup, { portalId: connection.portalId, phone, region: connection.defaultRegion, now });
      const variables = promptVariables(found.facts, found.settings.shared, now);
      const format = vendor.inbound;
      if (!format) throw new Error(`${vendor.id} has no inbound-call format`);
      return { reply: format.reply(variables, { assistantId: found.settings.vapiAssistants[connection.id] ?? null }), hubspotMs: found.hubspotMs };
    },
    async lookupTool(caller) {
      const now = new Date();
      // The tool runner has read the number in the portal's region already: E.164 needs none.
      const found = await lookupCaller(lookup, { portalId: caller.portalId, phone: caller.phone, region: "US", now });
      return spokenContext(promptVariables(found.facts, found.settings.shared, now));
    },
  };
}
