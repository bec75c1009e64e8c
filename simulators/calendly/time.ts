import { wallParts } from "../shared/zones.js";
// Time as Calendly writes and reads it (wall clocks from ../shared/zones.ts), with Intl alone and independently of the app's own helpers, so
// a bug there cannot hide behind the same bug here. Calendly writes instants in UTC with six fraction
// digits ("2030-01-15T17:00:00.000000Z") and wants a zone designator on every instant it reads.

export { isIanaZone as isTimeZone } from "../shared/zones.js";

/** "2030-01-15T17:00:00.000000Z" */
export const calendlyTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

/** An ISO 8601 instant with Z or an offset, or null (no zone designator, not a date). */
export function parseInstant(value: unknown): number | null {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) return null;
  const ms = Date.parse(value.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(ms) ? null : ms;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** The calendar day and weekday (0 = Sunday) `zone` shows at `instant`. */
export function localDay(instant: number, zone: string): { year: number; month: number; day: number; weekday: number } {
  const p = wallParts(instant, zone);
  return { year: Number(p.year), month: Number(p.month), day: Number(p.day), weekday: WEEKDAYS.indexOf(p.weekday!) };
}

function wallAsUtc(instant: number, zone: string): number {
  const p = wallParts(instant, zone);
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
}

/** The instant at which `zone`'s clock shows `minutes` past midnight of the given day. */
export function zonedInstant(year: number, month: number, day: number, minutes: number, zone: string): number {
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  let instant = wall - (wallAsUtc(wall, zone) - wall);
  // Across a DST change the offset at the first guess can differ: correct once.
  instant = wall - (wallAsUtc(instant, zone) - instant);
  return instant;
}

/** "2030-01-15T09:00:00-05:00", the form of the date in a scheduling link. */
export function zonedIso(instant: number, zone: string): string {
  const offsetMin = Math.round((wallAsUtc(instant, zone) - Math.floor(instant / 1000) * 1000) / 60_000);
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  const wall = new Date(instant + offsetMin * 60_000).toISOString().slice(0, 19);
  return `${wall}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}
