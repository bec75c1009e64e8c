import type { Db } from "../db/client.js";
import type { OwnerRule, RoutingSettingsView } from "../../hubspot-app/app/shared/api.js";
import { normaliseZip } from "./settings.js";

// Who owns a new caller (a contact the sync creates), by the portal's rule (docs/routing.md):
//   none         no owner (HubSpot's default);
//   round_robin  the chosen owners in turn; the turn is a counter in PostgreSQL taken with one
//                UPDATE ... RETURNING, so every worker process of the deployment shares one rotation;
//   zip          the owner of the longest zip prefix the caller's zip starts with;
//   intent       the owner of the first route whose word is in the call's intent or service.
// A zip or intent rule that matches nothing gives the fallback owner (or none).

/** What routing reads of a new caller's call. */
export interface NewCallerFacts {
  zip: string | null;
  intent: string | null;
  /** The service asked for: a qualification answer `service` or `service_type`. */
  service: string | null;
}

export interface RoutedOwner {
  ownerId: string;
  rule: Exclude<OwnerRule, "none">;
}

/** The owner a zip or intent rule gives; null when no route matches. Pure. */
export function ownerByRoute(settings: RoutingSettingsView, facts: NewCallerFacts): string | null {
  if (settings.ownerRule === "zip") {
    if (!facts.zip) return null;
    const zip = normaliseZip(facts.zip);
    const best = settings.zipRoutes.filter((r) => zip.startsWith(normaliseZip(r.prefix))).sort((a, b) => b.prefix.length - a.prefix.length)[0];
    return best?.ownerId ?? null;
  }
  if (settings.ownerRule === "intent") {
    const said = [facts.intent, facts.service].filter((s): s is string => !!s).map((s) => s.toLowerCase());
    return settings.intentRoutes.find((r) => said.some((s) => s.includes(r.match.toLowerCase())))?.ownerId ?? null;
  }
  return null;
}

/**
 * The owner for one new caller, or null. Round-robin takes the portal's next turn whether or not the
 * create then succeeds: a failed create skips one owner's turn rather than risking two workers
 * handing out the same one.
 */
export async function ownerForNewCaller(db: Db, portalId: string, settings: RoutingSettingsView, facts: NewCallerFacts): Promise<RoutedOwner | null> {
  switch (settings.ownerRule) {
    case "none":
      return null;
    case "round_robin": {
      const [taken] = await db.$queryRaw<{ turn: bigint; owners: string[] }[]>`
        UPDATE "RoutingSettings" SET "roundRobinTurn" = "roundRobinTurn" + 1
        WHERE "portalId" = ${portalId} AND "ownerRule" = 'round_robin' AND cardinality("roundRobinOwnerIds") > 0
        RETURNING "roundRobinTurn" - 1 AS turn, "roundRobinOwnerIds" AS owners`;
      if (!taken) return null;
      return { ownerId: taken.owners[Number(taken.turn % BigInt(taken.owners.length))]!, rule: "round_robin" };
    }
    case "zip":
    case "intent": {
      const ownerId = ownerByRoute(settings, facts) ?? settings.fallbackOwnerId;
      return ownerId ? { ownerId, rule: settings.ownerRule } : null;
    }
    default: {
      const unreachable: never = settings.ownerRule;
      throw new Error(`unknown owner rule ${String(unreachable)}`);
    }
  }
}
