// Time-zone arithmetic with Intl only: wall-clock times in a zone <-> UTC instants, DST included.

const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export type Weekday = (typeof WEEKDAYS)[number];

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: Weekday;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", weekday: "short" });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function wallClock(instant: Date, timeZone: string): WallClock {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(instant).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: parts.weekday!.toLowerCase().slice(0, 3) as Weekday,
  };
}

function offsetMs(instant: Date, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - Math.floor(instant.getTime() / 60_000) * 60_000;
}

/** The instant when the clock in `timeZone` shows `date` (YYYY-MM-DD) at `time` (HH:MM). */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const [y, m, d] = date.split("-").map(Number);
  const [hh, mm] = time.split(":").map(Number);
  const guess = Date.UTC(y!, m! - 1, d!, hh!, mm!);
  let instant = new Date(guess - offsetMs(new Date(guess), timeZone));
  // Across a DST change the offset at the result can differ from the guess's: correct once.
  instant = new Date(guess - offsetMs(instant, timeZone));
  return instant;
}

/** YYYY-MM-DD of an instant in a zone. */
export function localDate(instant: Date, timeZone: string): string {
  const w = wallClock(instant, timeZone);
  return `${w.year}-${String(w.month).padStart(2, "0")}-${String(w.day).padStart(2, "0")}`;
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + days)).toISOString().slice(0, 10);
}

export function weekdayOf(date: string): Weekday {
  const [y, m, d] = date.split("-").map(Number);
  return WEEKDAYS[new Date(Date.UTC(y!, m! - 1, d!)).getUTCDay()]!;
}

/** "Tuesday at 2 pm", "tomorrow at 9:30 am": what the AI says out loud. */
export function speakable(instant: Date, timeZone: string, now = new Date()): string {
  const day = localDate(instant, timeZone);
  const today = localDate(now, timeZone);
  const w = wallClock(instant, timeZone);
  const hour12 = w.hour % 12 === 0 ? 12 : w.hour % 12;
  const time = `${hour12}${w.minute ? `:${String(w.minute).padStart(2, "0")}` : ""} ${w.hour < 12 ? "am" : "pm"}`;
  const dayName =
    day === today
      ? "today"
      : day === addDays(today, 1)
        ? "tomorrow"
        : dayFormatter(timeZone, day > addDays(today, 6)).format(instant);
  return `${dayName} at ${time}`;
}

// Building an Intl.DateTimeFormat costs a fraction of a millisecond, formatting with one microseconds:
// one per zone and style, like formatter() above (a zone is one of a few hundred IANA names).
const dayFormatters = new Map<string, Intl.DateTimeFormat>();
function dayFormatter(timeZone: string, withDate: boolean): Intl.DateTimeFormat {
  const key = `${withDate ? "date" : "weekday"}:${timeZone}`;
  let f = dayFormatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, weekday: "long", ...(withDate ? { month: "long", day: "numeric" } : {}) });
    dayFormatters.set(key, f);
  }
  return f;
}
