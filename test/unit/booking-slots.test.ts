import { describe, expect, it } from "vitest";
import { blockOf, freeSlots, overlaps, withinHours, workingDay, type SlotQuery } from "../../server/booking/slots.js";
import type { Staff } from "../../server/booking/types.js";

const staff = (over: Partial<Staff> = {}): Staff => ({
  id: "s1",
  portalId: "p1",
  name: "Ana",
  email: "ana@example.com",
  calendar: "builtin",
  timezone: "America/New_York",
  hours: { sun: ["09:00", "12:00"], mon: ["09:00", "17:00"], tue: ["09:00", "17:00"], sat: ["09:00", "12:00"] },
  hubspotOwnerId: null,
  ...over,
});

const query = (over: Partial<SlotQuery>): SlotQuery => ({
  staff: [staff()],
  taken: [],
  service: { durationMinutes: 60, bufferMinutes: 0 },
  stepMinutes: 60,
  firstDay: "2027-03-14",
  days: 0,
  earliest: new Date("2027-01-01T00:00:00Z"),
  timeZone: "America/New_York",
  limit: 20,
  ...over,
});

const starts = (q: SlotQuery) => freeSlots(q).map((s) => s.start.toISOString());

describe("working hours across daylight saving time", () => {
  it("America/New_York spring forward (Sunday 2027-03-14): 9:00 is EDT, UTC-4; the Saturday before is EST, UTC-5", () => {
    expect(workingDay(staff(), "2027-03-13")!.open.toISOString()).toBe("2027-03-13T14:00:00.000Z");
    expect(workingDay(staff(), "2027-03-14")!.open.toISOString()).toBe("2027-03-14T13:00:00.000Z");
    expect(starts(query({ firstDay: "2027-03-14" }))).toEqual(["2027-03-14T13:00:00.000Z", "2027-03-14T14:00:00.000Z", "2027-03-14T15:00:00.000Z"]);
  });

  it("a day that starts in the skipped hour: 02:00-05:00 on spring-forward day is two real hours long", () => {
    const night = staff({ hours: { sun: ["03:00", "05:00"] } });
    // 03:00 EDT = 07:00Z; 05:00 EDT = 09:00Z.
    expect(starts(query({ staff: [night], firstDay: "2027-03-14" }))).toEqual(["2027-03-14T07:00:00.000Z", "2027-03-14T08:00:00.000Z"]);
  });

  it("America/New_York fall back (Sunday 2027-11-07): 00:00-04:00 holds five hourly starts in UTC, not four", () => {
    const night = staff({ hours: { sun: ["00:00", "04:00"] } });
    // 00:00 EDT = 04:00Z, the clock shows 01:00 twice, 04:00 EST = 09:00Z.
    expect(workingDay(night, "2027-11-07")).toEqual({ open: new Date("2027-11-07T04:00:00Z"), close: new Date("2027-11-07T09:00:00Z") });
    expect(starts(query({ staff: [night], firstDay: "2027-11-07" }))).toHaveLength(5);
  });

  it("Europe/Madrid moves its clocks on a different Sunday (2027-03-28): 10:00 is 09:00Z the day before, 08:00Z that day", () => {
    const madrid = staff({ timezone: "Europe/Madrid", hours: { sat: ["10:00", "11:00"], sun: ["10:00", "11:00"] } });
    expect(starts(query({ staff: [madrid], firstDay: "2027-03-27", days: 1, timeZone: "Europe/Madrid" }))).toEqual(["2027-03-27T09:00:00.000Z", "2027-03-28T08:00:00.000Z"]);
  });
});

describe("free slots", () => {
  it("a booking with its buffer blocks every start it overlaps, and the last start still ends by closing time", () => {
    const taken = [{ staffId: "s1", startAt: new Date("2027-03-15T14:00:00Z"), blockEndAt: new Date("2027-03-15T15:30:00Z") }];
    const slots = starts(query({ firstDay: "2027-03-15", taken, stepMinutes: 30, service: { durationMinutes: 60, bufferMinutes: 0 } }));
    // Monday 9:00-17:00 EDT = 13:00Z-21:00Z; 13:30 would run into 14:00; the last start is 20:00Z.
    expect(slots[0]).toBe("2027-03-15T13:00:00.000Z");
    expect(slots).not.toContain("2027-03-15T13:30:00.000Z");
    expect(slots).not.toContain("2027-03-15T15:00:00.000Z");
    expect(slots[1]).toBe("2027-03-15T15:30:00.000Z");
    expect(slots.at(-1)).toBe("2027-03-15T20:00:00.000Z");
  });

  it("the window is read in the caller's zone, and nothing starts before `earliest`", () => {
    const afternoon = starts(query({ firstDay: "2027-03-15", window: ["12:00", "14:00"], timeZone: "America/New_York" }));
    expect(afternoon).toEqual(["2027-03-15T16:00:00.000Z", "2027-03-15T17:00:00.000Z"]);
    const late = starts(query({ firstDay: "2027-03-15", earliest: new Date("2027-03-15T19:30:00Z") }));
    expect(late).toEqual(["2027-03-15T20:00:00.000Z"]);
  });

  it("one staff member per start time, the first free in order, and the limit holds", () => {
    const bea = staff({ id: "s2", name: "Bea" });
    const taken = [{ staffId: "s1", startAt: new Date("2027-03-15T13:00:00Z"), blockEndAt: new Date("2027-03-15T14:00:00Z") }];
    const slots = freeSlots(query({ staff: [staff(), bea], taken, firstDay: "2027-03-15", limit: 2 }));
    expect(slots.map((s) => [s.start.toISOString(), s.staff.name])).toEqual([
      ["2027-03-15T13:00:00.000Z", "Bea"],
      ["2027-03-15T14:00:00.000Z", "Ana"],
    ]);
  });

  it("with everyStaff, each free staff member at each start, earliest first, in name order (what holds share out between callers)", () => {
    const bea = staff({ id: "s2", name: "Bea" });
    const taken = [{ staffId: "s1", startAt: new Date("2027-03-15T13:00:00Z"), blockEndAt: new Date("2027-03-15T14:00:00Z") }];
    const slots = freeSlots(query({ staff: [staff(), bea], taken, firstDay: "2027-03-15", limit: 3, everyStaff: true }));
    expect(slots.map((s) => [s.start.toISOString(), s.staff.name])).toEqual([
      ["2027-03-15T13:00:00.000Z", "Bea"],
      ["2027-03-15T14:00:00.000Z", "Ana"],
      ["2027-03-15T14:00:00.000Z", "Bea"],
    ]);
  });

  it("withinHours, blockOf and overlaps", () => {
    expect(withinHours(staff(), new Date("2027-03-15T20:00:00Z"), new Date("2027-03-15T21:00:00Z"))).toBe(true);
    expect(withinHours(staff(), new Date("2027-03-15T20:30:00Z"), new Date("2027-03-15T21:30:00Z"))).toBe(false);
    // Wednesday is a day off.
    expect(withinHours(staff(), new Date("2027-03-17T14:00:00Z"), new Date("2027-03-17T15:00:00Z"))).toBe(false);
    const { end, blockEnd } = blockOf({ durationMinutes: 45, bufferMinutes: 15 }, new Date("2027-03-15T14:00:00Z"));
    expect([end.toISOString(), blockEnd.toISOString()]).toEqual(["2027-03-15T14:45:00.000Z", "2027-03-15T15:00:00.000Z"]);
    const busy = [{ start: new Date("2027-03-15T14:00:00Z"), end: new Date("2027-03-15T15:00:00Z") }];
    expect(overlaps(busy, new Date("2027-03-15T15:00:00Z"), new Date("2027-03-15T16:00:00Z"))).toBe(false);
    expect(overlaps(busy, new Date("2027-03-15T14:59:00Z"), new Date("2027-03-15T16:00:00Z"))).toBe(true);
  });
});

describe("breaks and days off", () => {
  // Monday 2027-03-15 in New York is EDT (UTC-4): 09:00 local is 13:00 UTC.
  const lunch = staff({ breaks: { mon: [["12:00", "13:00"]] } });

  it("no appointment overlaps a break; the ones that end at its start or start at its end are offered", () => {
    const q = query({ staff: [lunch], firstDay: "2027-03-15", stepMinutes: 30 });
    const local = starts(q).map((iso) => new Date(iso).toLocaleTimeString("en-GB", { timeZone: "America/New_York", hour: "2-digit", minute: "2-digit" }));
    expect(local).toContain("11:00"); // 11:00-12:00 ends as lunch starts
    expect(local).not.toContain("11:30"); // 11:30-12:30 runs into lunch
    expect(local).not.toContain("12:00");
    expect(local).not.toContain("12:30");
    expect(local).toContain("13:00");
  });

  it("withinHours refuses a move into a break and accepts one beside it", () => {
    expect(withinHours(lunch, new Date("2027-03-15T16:30:00Z"), new Date("2027-03-15T17:30:00Z"))).toBe(false); // 12:30-13:30
    expect(withinHours(lunch, new Date("2027-03-15T17:00:00Z"), new Date("2027-03-15T18:00:00Z"))).toBe(true); // 13:00-14:00
  });

  it("a date off has no hours and no slots, the week after is open as usual", () => {
    const away = staff({ daysOff: ["2027-03-15"] });
    expect(workingDay(away, "2027-03-15")).toBeNull();
    expect(starts(query({ staff: [away], firstDay: "2027-03-15" }))).toEqual([]);
    expect(starts(query({ staff: [away], firstDay: "2027-03-22" }))).toHaveLength(8);
  });
});
