import type { CallRecord } from "../calls/record.js";
import { addDays, localDate, weekdayOf, zonedInstant } from "../booking/time.js";

// When an escalation task is due, by the call's urgency (docs/routing.md):
//   emergency  15 minutes after the sync;
//   high       1 hour;
//   medium     4 hours (also a call without an urgency);
//   low        09:00 on the next business day (Monday to Friday) in the portal's time zone (the
//              booking time zone; UTC when booking is not set up).

export const DUE_AFTER_MS: Record<Exclude<NonNullable<CallRecord["urgency"]>, "low">, number> = {
  emergency: 15 * 60_000,
  high: 60 * 60_000,
  medium: 4 * 60 * 60_000,
};

export const NEXT_BUSINESS_DAY_AT = "09:00";

export function taskDueAt(urgency: CallRecord["urgency"], now: Date, timeZone: string | null): Date {
  if (urgency !== "low") return new Date(now.getTime() + DUE_AFTER_MS[urgency ?? "medium"]);
  const zone = timeZone ?? "UTC";
  let day = addDays(localDate(now, zone), 1);
  while (weekdayOf(day) === "sat" || weekdayOf(day) === "sun") day = addDays(day, 1);
  return zonedInstant(day, NEXT_BUSINESS_DAY_AT, zone);
}
