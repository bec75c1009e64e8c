import { describe, expect, it } from "vitest";
import { pickAmong } from "../../server/contacts/ambiguity.js";
import { ownerByRoute } from "../../server/routing/assign.js";
import { DEFAULT_ROUTING } from "../../server/routing/settings.js";
import { taskDueAt } from "../../server/sync/task-due.js";
import type { HubSpotContact } from "../../server/hubspot/batch.js";

// The pure parts of ambiguous callers and routing: which of several contacts, which owner by zip or
// intent, and when an escalation task is due.

const contact = (id: string, properties: Record<string, string | null> = {}): HubSpotContact => ({ id, properties });

describe("several contacts share the caller's number", () => {
  const oldQuiet = contact("101", { notes_last_updated: "2026-01-05T10:00:00.000Z" });
  const newBusy = contact("205", { notes_last_updated: "2026-11-19T10:00:00.000Z" });
  const owned = contact("150", { hubspot_owner_id: "700", notes_last_updated: "2026-03-01T10:00:00.000Z" });
  const never = contact("90");

  it("one candidate is no ambiguity", () => {
    expect(pickAmong([newBusy, newBusy], "oldest")).toEqual({ contact: newBusy, match: null });
  });

  it("oldest: the lowest id", () => {
    expect(pickAmong([newBusy, oldQuiet, owned], "oldest")).toEqual({ contact: oldQuiet, match: { candidates: 3, rule: "oldest", needsReview: false } });
  });

  it("most recent activity: the latest Last activity date; none counts as never", () => {
    expect(pickAmong([never, oldQuiet, newBusy], "most_recent_activity").contact.id).toBe("205");
    expect(pickAmong([never, contact("95")], "most_recent_activity").contact.id).toBe("90");
  });

  it("the one with an owner; without any, most recent activity", () => {
    expect(pickAmong([newBusy, owned, oldQuiet], "has_owner").contact.id).toBe("150");
    expect(pickAmong([oldQuiet, newBusy], "has_owner").contact.id).toBe("205");
  });

  it("flag for review: most recent activity, marked for review", () => {
    expect(pickAmong([oldQuiet, newBusy], "flag_for_review")).toEqual({ contact: newBusy, match: { candidates: 2, rule: "flag_for_review", needsReview: true } });
  });
});

describe("owners by zip and by intent", () => {
  const byZip = { ...DEFAULT_ROUTING, ownerRule: "zip" as const, zipRoutes: [{ prefix: "94", ownerId: "1" }, { prefix: "941", ownerId: "2" }, { prefix: "SW1A", ownerId: "3" }] };
  it("the longest matching prefix wins; case and spaces do not matter", () => {
    expect(ownerByRoute(byZip, { zip: "94110", intent: null, service: null })).toBe("2");
    expect(ownerByRoute(byZip, { zip: "94301", intent: null, service: null })).toBe("1");
    expect(ownerByRoute(byZip, { zip: "sw1a 1aa", intent: null, service: null })).toBe("3");
    expect(ownerByRoute(byZip, { zip: "10001", intent: null, service: null })).toBeNull();
    expect(ownerByRoute(byZip, { zip: null, intent: null, service: null })).toBeNull();
  });

  const byIntent = { ...DEFAULT_ROUTING, ownerRule: "intent" as const, intentRoutes: [{ match: "water heater", ownerId: "10" }, { match: "quote", ownerId: "11" }] };
  it("the first route whose words are in the intent or the service", () => {
    expect(ownerByRoute(byIntent, { zip: null, intent: "Leaking Water Heater", service: null })).toBe("10");
    expect(ownerByRoute(byIntent, { zip: null, intent: "pricing", service: "Quote visit" })).toBe("11");
    expect(ownerByRoute(byIntent, { zip: null, intent: "billing", service: null })).toBeNull();
  });
});

describe("escalation task due time by urgency", () => {
  const now = new Date("2026-11-20T16:00:00.000Z"); // a Friday
  it("emergency 15 min, high 1 h, medium and unknown 4 h", () => {
    expect(taskDueAt("emergency", now, null).toISOString()).toBe("2026-11-20T16:15:00.000Z");
    expect(taskDueAt("high", now, null).toISOString()).toBe("2026-11-20T17:00:00.000Z");
    expect(taskDueAt("medium", now, null).toISOString()).toBe("2026-11-20T20:00:00.000Z");
    expect(taskDueAt(null, now, null).toISOString()).toBe("2026-11-20T20:00:00.000Z");
  });

  it("low: 09:00 on the next business day in the portal's zone (Friday -> Monday)", () => {
    expect(taskDueAt("low", now, "America/Los_Angeles").toISOString()).toBe("2026-11-23T17:00:00.000Z");
    expect(taskDueAt("low", new Date("2026-11-17T12:00:00.000Z"), null).toISOString()).toBe("2026-11-18T09:00:00.000Z");
  });
});
