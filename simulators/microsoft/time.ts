import { invalidRequest, graphError } from "./errors.js";

// Graph's dateTimeTimeZone: a wall-clock time without an offset plus a zone, either a Windows zone name
// ("Pacific Standard Time") or an IANA one. Written with Intl alone and independently of the app's
// own time helpers, so a bug there cannot hide behind the same bug here.

/** The Windows zone names the simulator knows, and the IANA zone each stands for. */
const WINDOWS_ZONES: Record<string, string> = {
  "UTC": "UTC",
  "Pacific Standard Time": "America/Los_Angeles",
  "Mountain Standard Time": "America/Denver",
  "Central Standard Time": "America/Chicago",
  "Eastern Standard Time": "America/New_York",
  "GMT Standard Time": "Europe/London",
  "W. Europe Standard Time": "Europe/Berlin",
  "Romance Standard Time": "Europe/Paris",
  "AUS Eastern Standard Time": "Australia/Sydney",
};

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The IANA zone for a Graph time zone name, or null when Graph would not know it. */
export function ianaZone(timeZone: string): string | null {
  const mapped = WINDOWS_ZONES[timeZone] ?? timeZone;
  // Intl accepts a few things Graph does not (offsets such as "+02:00"): only names with a slash or UTC.
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+$/.test(mapped) && mapped !== "UTC") return null;
  try {
    zoneFormatter(mapped);
    return mapped;
  } catch {
    return null;
  }
}

function zoneFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    formatters.set(zone, f);
  }
  return f;
}

/** Milliseconds since the epoch of the wall clock `zone` shows at `instant`, read as if it were UTC. */
function wallAsUtc(instant: number, zone: string): number {
  const p = Object.fromEntries(zoneFormatter(zone).formatToParts(new Date(instant)).map((part) => [part.type, part.value]));
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) + (instant % 1000 + 1000) % 1000;
}

export function unsupportedTimeZone(timeZone: string) {
  return graphError(400, "TimeZoneNotSupportedException", `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${timeZone}'.`);
}

/**
 * `{dateTime, timeZone}` -> instant. Stricter than Graph on one point: a dateTime carrying its own
 * offset ("...Z", "+02:00") is refused, since Graph does not document which of the two it believes.
 */
export function toInstant(value: unknown, field: string): { instant: Date; timeZone: string } {
  const v = value as { dateTime?: unknown; timeZone?: unknown } | null;
  if (!v || typeof v !== "object" || typeof v.dateTime !== "string") throw invalidRequest(`${field} must be a dateTimeTimeZone with a dateTime.`);
  const timeZone = typeof v.timeZone === "string" && v.timeZone ? v.timeZone : null;
  if (!timeZone) throw invalidRequest(`${field}.timeZone is required.`);
  const zone = ianaZone(timeZone);
  if (!zone) throw unsupportedTimeZone(timeZone);
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?$/.exec(v.dateTime);
  if (!m) throw invalidRequest(`Cannot convert the literal '${v.dateTime}' to the expected type 'Edm.String' as a local date and time (${field}.dateTime, no offset).`);
  const [, y, mo, d, h, mi, s = "0", frac = "0"] = m;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Math.floor(Number(`0.${frac}`) * 1000));
  let instant = wall - (wallAsUtc(wall, zone) - wall);
  // Across a DST change the offset at the first guess can differ: correct once.
  instant = wall - (wallAsUtc(instant, zone) - instant);
  return { instant: new Date(instant), timeZone };
}

/** instant -> `{dateTime: "2026-01-05T14:00:00.0000000", timeZone}` as Graph writes it. */
export function fromInstant(instant: Date, timeZone: string): { dateTime: string; timeZone: string } {
  const zone = ianaZone(timeZone) ?? "UTC";
  const wall = new Date(wallAsUtc(instant.getTime(), zone));
  return { dateTime: `${wall.toISOString().slice(0, 23)}0000`, timeZone };
}
