// Wall clocks of IANA time zones, with Intl alone and independently of the app's own helpers
// (server/booking/time.ts), so a bug there cannot hide behind the same bug here. Every simulator that
// reads or writes local times (Calendly, Acuity, Microsoft Graph) uses these.

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The (cached) formatter that reads a zone's wall clock, weekday included; throws on an unknown zone. */
export function zoneFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", weekday: "short", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    formatters.set(zone, f);
  }
  return f;
}

/** An IANA zone name Intl knows; offsets such as "+02:00" and abbreviations such as "EST" are refused. */
export function isIanaZone(zone: string): boolean {
  if (zone !== "UTC" && !/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+$/.test(zone)) return false;
  try {
    zoneFormatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The parts of the wall clock `zone` shows at `instant`. */
export function wallParts(instant: number, zone: string): Record<string, string> {
  return Object.fromEntries(zoneFormatter(zone).formatToParts(new Date(instant)).map((part) => [part.type, part.value]));
}
