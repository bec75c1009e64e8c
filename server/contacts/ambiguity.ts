import type { AmbiguityRule } from "../../hubspot-app/app/shared/api.js";
import type { HubSpotContact } from "../hubspot/batch.js";

// Several HubSpot contacts share the caller's number (a household, a front desk): which one the call
// lands on is the portal's rule (the settings page's Routing tab, docs/routing.md). Pure: the
// search results in, one contact and how it was chosen out.

export const AMBIGUITY_RULES = ["most_recent_activity", "oldest", "has_owner", "flag_for_review"] as const satisfies readonly AmbiguityRule[];

/** A portal that never chose: the oldest contact, as before the setting existed. */
export const DEFAULT_AMBIGUITY_RULE: AmbiguityRule = "oldest";

/** HubSpot's "Last activity date": stamped when a call, meeting, note or task is logged on the contact. */
export const LAST_ACTIVITY_PROPERTY = "notes_last_updated";

export interface AmbiguousMatch {
  candidates: number;
  rule: AmbiguityRule;
  needsReview: boolean;
}

const idOrder = (a: HubSpotContact, b: HubSpotContact) => Number(a.id) - Number(b.id);
const activityOf = (c: HubSpotContact) => {
  const raw = c.properties[LAST_ACTIVITY_PROPERTY];
  const ms = raw ? (/^\d+$/.test(raw) ? Number(raw) : Date.parse(raw)) : NaN;
  return Number.isFinite(ms) ? ms : -Infinity;
};
/** Latest activity first; contacts without any activity last; ties go to the oldest contact. */
const byRecentActivity = (a: HubSpotContact, b: HubSpotContact) => activityOf(b) - activityOf(a) || idOrder(a, b);

/**
 * One contact of several that match equally well.
 *   - most_recent_activity: the latest "Last activity date" (none counts as never);
 *   - oldest: the contact created first (the lowest id, as HubSpot's ids grow);
 *   - has_owner: the oldest contact that has an owner; none has one: most recent activity;
 *   - flag_for_review: most recent activity, and the call is marked for a person to check.
 * `match` is null when there was only one candidate.
 */
export function pickAmong(candidates: HubSpotContact[], rule: AmbiguityRule): { contact: HubSpotContact; match: AmbiguousMatch | null } {
  const distinct = [...new Map(candidates.map((c) => [c.id, c])).values()];
  if (distinct.length === 0) throw new Error("pickAmong needs at least one candidate");
  if (distinct.length === 1) return { contact: distinct[0]!, match: null };
  const match: AmbiguousMatch = { candidates: distinct.length, rule, needsReview: rule === "flag_for_review" };
  switch (rule) {
    case "oldest":
      return { contact: [...distinct].sort(idOrder)[0]!, match };
    case "most_recent_activity":
    case "flag_for_review":
      return { contact: [...distinct].sort(byRecentActivity)[0]!, match };
    case "has_owner": {
      const owned = distinct.filter((c) => !!c.properties.hubspot_owner_id).sort(idOrder);
      return { contact: owned[0] ?? [...distinct].sort(byRecentActivity)[0]!, match };
    }
    default: {
      const unreachable: never = rule;
      throw new Error(`unknown ambiguity rule ${String(unreachable)}`);
    }
  }
}
