import { describe, expect, it } from "vitest";
import { SuperAdminCache } from "../../server/hubspot/super-admin.js";

// HubSpot's "is this user a super admin" answer is kept a few minutes per (portal, user); a demoted
// admin keeps the right until then (docs/ui.md), a newly made one waits at most the refusal's minute.

describe("super admin cache", () => {
  const clock = () => {
    let now = 1_000_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  };
  const ADMIN = { superAdmin: true, email: "admin@example.com" };
  const REP = { superAdmin: false, email: "rep@example.com" };

  it("keeps an admin's answer 5 minutes and a refusal 1 minute, per portal and user", () => {
    const time = clock();
    const cache = new SuperAdminCache({ now: time.now });
    cache.set("1", "42", ADMIN);
    cache.set("1", "43", REP);
    expect(cache.get("1", "42")).toEqual(ADMIN);
    expect(cache.get("2", "42")).toBeUndefined();
    time.advance(60_000);
    expect(cache.get("1", "43")).toBeUndefined();
    expect(cache.get("1", "42")).toEqual(ADMIN);
    time.advance(4 * 60_000);
    expect(cache.get("1", "42")).toBeUndefined();
  });

  it("forgets the oldest answers past its size", () => {
    const cache = new SuperAdminCache({ maxAnswers: 2 });
    cache.set("1", "a", ADMIN);
    cache.set("1", "b", ADMIN);
    cache.set("1", "a", ADMIN); // refreshed: now the newest
    cache.set("1", "c", ADMIN);
    expect([cache.get("1", "a"), cache.get("1", "b"), cache.get("1", "c")]).toEqual([ADMIN, undefined, ADMIN]);
  });
});
