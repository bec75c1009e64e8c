import { addDays, weekdayOf, type Weekday } from "./time.js";
import type { Service, TimeWindow } from "./types.js";

// What the caller said, as the AI passes it on, turned into a day, a time window and a service. Pure:
// the day is read against "today" in the portal's zone, which the caller hands in. English and Spanish,
// 12 h and 24 h clocks; anything else is refused with a question, never guessed.

/** Lower case, accents off ("mañana" -> "manana", "Miércoles" -> "miercoles"). */
export const fold = (text: string) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();

/** Folded, without the dots of "p.m." or "3rd." and the commas of "December 3, 2027", spaces collapsed. */
const words = (text: string) => fold(text).replace(/[.,]/g, " ").replace(/\s+/g, " ").trim();

// --- The day ---------------------------------------------------------------------------------------

export type DayRequest = { ok: true; date?: string } | { ok: false; reason: "unreadable" | "past" };

const WEEKDAY_NAMES: Record<string, Weekday> = {
  sunday: "sun", sun: "sun", domingo: "sun",
  monday: "mon", mon: "mon", lunes: "mon",
  tuesday: "tue", tue: "tue", tues: "tue", martes: "tue",
  wednesday: "wed", wed: "wed", miercoles: "wed",
  thursday: "thu", thu: "thu", thur: "thu", thurs: "thu", jueves: "thu",
  friday: "fri", fri: "fri", viernes: "fri",
  saturday: "sat", sat: "sat", sabado: "sat",
};
const WEEK: Weekday[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const MONTH_NAMES: Record<string, number> = {
  january: 1, jan: 1, enero: 1,
  february: 2, feb: 2, febrero: 2,
  march: 3, mar: 3, marzo: 3,
  april: 4, apr: 4, abril: 4,
  may: 5, mayo: 5,
  june: 6, jun: 6, junio: 6,
  july: 7, jul: 7, julio: 7,
  august: 8, aug: 8, agosto: 8,
  september: 9, sep: 9, sept: 9, septiembre: 9, setiembre: 9,
  october: 10, oct: 10, octubre: 10,
  november: 11, nov: 11, noviembre: 11,
  december: 12, dec: 12, diciembre: 12,
};

/** Words around a weekday that do not change it ("on Tuesday", "el martes", "this Friday"). */
const DAY_FILLERS = new Set(["on", "el", "this", "este", "for", "para"]);
/** Words that make it the next one after today ("next Tuesday", "el próximo martes", "el martes que viene"). */
const NEXT = /\b(next|proximo|que viene)\b/g;

/** YYYY-MM-DD of a calendar date, or null when there is no such day (30 February). */
function calendarDate(year: number, month: number, day: number): string | null {
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}

/** "Tuesday" is the coming Tuesday, today included; "next Tuesday" the first one after today. */
function weekdayDate(text: string, today: string): string | null {
  const next = NEXT.test(text);
  NEXT.lastIndex = 0;
  const rest = text.replace(NEXT, " ").split(" ").filter((word) => word && !DAY_FILLERS.has(word));
  const weekday = rest.length === 1 ? WEEKDAY_NAMES[rest[0]!] : undefined;
  if (!weekday) return null;
  let ahead = (WEEK.indexOf(weekday) - WEEK.indexOf(weekdayOf(today)) + 7) % 7;
  if (ahead === 0 && next) ahead = 7;
  return addDays(today, ahead);
}

/**
 * "3 de diciembre", "el 3 de diciembre de 2027", "3 December", "December 3rd, 2027", "the 3rd of
 * December". Without a year: the next such day from today (this year's, else next year's).
 */
function monthDayDate(text: string, today: string): string | null | "past" {
  const month = Object.keys(MONTH_NAMES).join("|");
  const match =
    new RegExp(`^(?:el |on |the )?(\\d{1,2})(?:st|nd|rd|th)? (?:de |of )?(${month})(?: (?:de )?(\\d{4}))?$`).exec(text) ??
    new RegExp(`^(?:on )?(${month}) (?:the )?(\\d{1,2})(?:st|nd|rd|th)?(?: (\\d{4}))?$`).exec(text);
  if (!match) return null;
  const [dayText, monthText] = /^\d/.test(match[1]!) ? [match[1]!, match[2]!] : [match[2]!, match[1]!];
  const [day, monthNumber] = [Number(dayText), MONTH_NAMES[monthText]!];
  const thisYear = Number(today.slice(0, 4));
  if (match[3]) {
    const date = calendarDate(Number(match[3]), monthNumber, day);
    return date && date < today ? "past" : date;
  }
  const date = calendarDate(thisYear, monthNumber, day);
  if (!date) return calendarDate(thisYear + 1, monthNumber, day); // 29 February of a later year
  return date < today ? calendarDate(thisYear + 1, monthNumber, day) : date;
}

/** The day the caller asked for, from `today` (YYYY-MM-DD in the portal's zone). No day: from today on. */
export function parseDay(raw: string | undefined, today: string): DayRequest {
  if (!raw) return { ok: true };
  const text = words(raw);
  if (text === "today" || text === "hoy") return { ok: true, date: today };
  if (text === "tomorrow" || text === "manana") return { ok: true, date: addDays(today, 1) };
  if (text === "day after tomorrow" || text === "the day after tomorrow" || text === "pasado manana") return { ok: true, date: addDays(today, 2) };
  const iso = /^(\d{4}-\d{2}-\d{2})/.exec(raw.trim())?.[1];
  if (iso && !Number.isNaN(Date.parse(iso))) return iso < today ? { ok: false, reason: "past" } : { ok: true, date: iso };
  const weekday = weekdayDate(text, today);
  if (weekday) return { ok: true, date: weekday };
  const named = monthDayDate(text, today);
  if (named === "past") return { ok: false, reason: "past" };
  if (named) return { ok: true, date: named };
  return { ok: false, reason: "unreadable" };
}

// --- The time of day -------------------------------------------------------------------------------

export type WindowRequest = { ok: true; window?: TimeWindow } | { ok: false };

const NAMED_WINDOWS: [string[], TimeWindow][] = [
  [["morning", "manana", "am"], ["00:00", "12:00"]],
  [["afternoon", "tarde", "pm"], ["12:00", "17:00"]],
  [["evening", "noche"], ["17:00", "24:00"]],
];
/** "in the morning", "por la tarde", "this evening", "a las 3", "at 3pm", "from 2 to 4", "entre las 2 y las 4". */
const TIME_FILLERS = /^(?:in the|por la|en la|this|esta|at|around|a las|sobre las|hacia las|from|de|between|entre(?: las)?)\s+/;
/** A single time asks for slots starting within this hour. */
const SINGLE_TIME_MINUTES = 60;

const pad = (n: number) => String(n).padStart(2, "0");
const TIME = String.raw`(\d{1,2})(?:[:h](\d{2}))?\s*(am|a m|pm|p m|de la manana|de la tarde|de la noche)?`;

/** A clock time as minutes after midnight; `meridiem` from the word after it (or the range's other end). */
function minutesOf(hourText: string, minuteText: string | undefined, meridiem: string | undefined): number | null {
  const hour = Number(hourText);
  const minute = minuteText ? Number(minuteText) : 0;
  if (minute > 59) return null;
  if (!meridiem) return hour <= 24 ? hour * 60 + minute : null;
  if (hour < 1 || hour > 12) return null;
  const pm = meridiem.startsWith("p") || meridiem.endsWith("tarde") || meridiem.endsWith("noche");
  return ((hour % 12) + (pm ? 12 : 0)) * 60 + minute;
}

const clock = (minutes: number) => `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;

/** The window of the day the caller asked for: a part of the day, a range, or one time (12 h or 24 h). */
export function parseTimeWindow(raw: string | undefined): WindowRequest {
  if (!raw) return { ok: true };
  const exact = fold(raw);
  for (const [names, window] of NAMED_WINDOWS) if (names.includes(exact)) return { ok: true, window };
  // "9-12", "0900-1200", "9:00 - 12:30": hours as given.
  const range = /^(\d{1,2}):?(\d{2})?\s*-\s*(\d{1,2}):?(\d{2})?$/.exec(exact);
  if (range) return { ok: true, window: [`${range[1]!.padStart(2, "0")}:${range[2] ?? "00"}`, `${range[3]!.padStart(2, "0")}:${range[4] ?? "00"}`] };

  const text = words(raw).replace(/\bp m\b/g, "pm").replace(/\ba m\b/g, "am").replace(TIME_FILLERS, "");
  for (const [names, window] of NAMED_WINDOWS) if (names.includes(text)) return { ok: true, window };
  const between = new RegExp(`^${TIME}\\s*(?:-|to|until|till|and|a|hasta|y)\\s*(?:las\\s+)?${TIME}$`).exec(text);
  if (between) {
    // "2-4pm", "de 2 a 4 de la tarde": the meridiem said once covers both ends.
    const from = minutesOf(between[1]!, between[2], between[3] ?? between[6]);
    const to = minutesOf(between[4]!, between[5], between[6]);
    return from !== null && to !== null && from < to ? { ok: true, window: [clock(from), clock(to)] } : { ok: false };
  }
  const single = new RegExp(`^${TIME}$`).exec(text);
  // A bare "3" could be 3 am or 3 pm: asked again. "15", "15:00", "3pm", "3:30 p.m." are clear.
  if (single && (single[2] || single[3] || Number(single[1]) > 12)) {
    const at = minutesOf(single[1]!, single[2], single[3]);
    if (at !== null && at < 24 * 60) return { ok: true, window: [clock(at), clock(Math.min(at + SINGLE_TIME_MINUTES, 24 * 60))] };
  }
  return { ok: false };
}

// --- The service -----------------------------------------------------------------------------------

/** "consulta", "Consultation", "full service" -> the service type by name or alias, exactly first, else by containment. */
export function matchService<T extends Pick<Service, "name" | "aliases">>(services: T[], asked: string): T | null {
  const wanted = fold(asked);
  const names = (s: T) => [s.name, ...s.aliases].map(fold);
  return services.find((s) => names(s).some((n) => n === wanted)) ?? services.find((s) => names(s).some((n) => wanted.includes(n) || n.includes(wanted))) ?? null;
}
