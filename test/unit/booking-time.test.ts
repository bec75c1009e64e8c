import { describe, expect, it } from "vitest";
import { speakable } from "../../server/booking/time.js";

// speakable() keeps one day formatter per zone and style: the same instant must still be said in each
// zone's own day, and a date beyond the week with its month and day.
describe("speakable", () => {
  const now = new Date("2026-03-02T18:00:00Z"); // Monday 10:00 in Los Angeles, Tuesday 03:00 in Tokyo

  it("says today, tomorrow, a weekday this week and a date beyond it", () => {
    expect(speakable(new Date("2026-03-02T22:30:00Z"), "America/Los_Angeles", now)).toBe("today at 2:30 pm");
    expect(speakable(new Date("2026-03-03T17:00:00Z"), "America/Los_Angeles", now)).toBe("tomorrow at 9 am");
    expect(speakable(new Date("2026-03-05T17:00:00Z"), "America/Los_Angeles", now)).toBe("Thursday at 9 am");
    expect(speakable(new Date("2026-03-12T17:00:00Z"), "America/Los_Angeles", now)).toBe("Thursday, March 12 at 10 am");
  });

  it("says one instant in each zone's own day, whichever zone asked first", () => {
    const instant = new Date("2026-03-05T23:00:00Z");
    expect(speakable(instant, "America/Los_Angeles", now)).toBe("Thursday at 3 pm");
    expect(speakable(instant, "Asia/Tokyo", now)).toBe("Friday at 8 am");
    expect(speakable(new Date("2026-03-20T23:00:00Z"), "Asia/Tokyo", now)).toBe("Saturday, March 21 at 8 am");
    expect(speakable(new Date("2026-03-20T23:00:00Z"), "America/Los_Angeles", now)).toBe("Friday, March 20 at 4 pm");
  });
});
