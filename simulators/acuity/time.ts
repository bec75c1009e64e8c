import { wallParts } from "../shared/zones.js";
// Wall clocks and instants in an IANA zone, written with Intl alone and apart from the app's own time
// helpers (a bug there cannot hide behind the same bug here). Acuity writes times as ISO 8601 with a
// colon-less offset ("2016-02-04T13:00:00-0800") and reads a datetime without an offset in the
// business or calendar time zone, as PHP's strtotime does.

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday. */
  weekday: number;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

export { isIanaZone as isTimeZone } from "../shared/zones.js";

export function wallClock(instant: number, zone: string): WallClock {
  const p = wallParts(instant, zone);
  return { year: Number(p.year), month: Number(p.month), day: Number(p.day), hour: Number(p.hour), minute: Number(p.minute), weekday: WEEKDAYS.indexOf(String(p.weekday)) };
}

/** Minutes east of UTC that `zone` is at `instant`. */
export function offsetMinutes(instant: number, zone: string): number {
  const minute = instant - (((instant % 60_000) + 60_000) % 60_000);
  const w = wallClock(minute, zone);
  return Math.round((Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - minute) / 60_000);
}

/** The instant a wall clock in `zone` shows; in a DST gap, the later side, as strtotime does. */
export function fromWallClock(year: number, month: number, day: number, hour: number, minute: number, zone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let instant = wall - offsetMinutes(wall, zone) * 60_000;
  instant = wall - offsetMinutes(instant, zone) * 60_000;
  return instant;
}

/** "2016-02-04T13:00:00-0800" */
export function formatIso(instant: number, zone: string): string {
  const w = wallClock(instant, zone);
  const offset = offsetMinutes(instant, zone);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:00${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

/** "2016-02-04" in `zone`. */
export function formatDate(instant: number, zone: string): string {
  const w = wallClock(instant, zone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** "July 2, 2013", as appointments carry it. */
export function humanDate(instant: number, zone: string): string {
  const w = wallClock(instant, zone);
  return `${MONTHS[w.month - 1]} ${w.day}, ${w.year}`;
}

/** "10:15am" */
export function humanTime(instant: number, zone: string): string {
  const w = wallClock(instant, zone);
  return `${w.hour % 12 || 12}:${pad(w.minute)}${w.hour < 12 ? "am" : "pm"}`;
}

/**
 * A datetime as Acuity's API takes it: ISO 8601 with an offset (Z, +hh:mm or +hhmm) is an instant;
 * without one it is a wall clock in `zone`. Anything else (strtotime's "next tuesday" included) is null.
 */
export function parseDatetime(value: unknown, zone: string): number | null {
  if (typeof value !== "string") return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = "0", offset] = m;
  const [year, month, day, hour, minute] = [y, mo, d, h, mi].map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return null;
  const seconds = Number(s) * 1000;
  if (!offset) return fromWallClock(year, month, day, hour, minute, zone) + seconds;
  if (offset === "Z") return Date.UTC(year, month - 1, day, hour, minute) + seconds;
  const sign = offset.startsWith("-") ? -1 : 1;
  const digits = offset.slice(1).replace(":", "");
  const minutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
  return Date.UTC(year, month - 1, day, hour, minute) - minutes * 60_000 + seconds;
}

/** "2026-03-10" -> [2026, 3, 10], or null. */
export function parseDay(value: unknown): [number, number, number] | null {
  const m = typeof value === "string" ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : null;
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

/** "2026-03" -> [2026, 3], or null. */
export function parseMonth(value: unknown): [number, number] | null {
  const m = typeof value === "string" ? /^(\d{4})-(\d{2})(?:-\d{2})?$/.exec(value) : null;
  return m && Number(m[2]) >= 1 && Number(m[2]) <= 12 ? [Number(m[1]), Number(m[2])] : null;
}

export const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

function pad(n: number): string {
  return String(n).padStart(2, "0");
}
