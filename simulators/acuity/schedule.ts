import { invalidCalendar, notAvailable, tooFar, tooSoon, type AcuityError } from "./errors.js";
import { daysInMonth, formatIso, fromWallClock, humanDate, humanTime, isTimeZone, wallClock } from "./time.js";

// One Acuity account's calendars (staff), appointment types, blocks and the availability they leave.
// A slot is free when it lies on the type's time grid inside the calendar's working hours, is far
// enough ahead (min hours) and not too far (max days), and neither it nor the type's padding overlaps
// a live appointment or a block of that calendar. Each calendar takes one appointment at a time.

export type Weekday = "sun" | "mon" | "tue" | "wed" | "thu" | "fri" | "sat";
const WEEKDAYS: Weekday[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
/** Opening hours per weekday, as wall clock ranges in the calendar's zone: { mon: [["09:00", "17:00"]] }. */
export type WorkingHours = Partial<Record<Weekday, [string, string][]>>;

export const DEFAULT_HOURS: WorkingHours = Object.fromEntries(["mon", "tue", "wed", "thu", "fri"].map((d) => [d, [["09:00", "17:00"]]]));

export interface CalendarInput {
  id?: number;
  name: string;
  email?: string;
  timezone?: string;
  hours?: WorkingHours;
}

export interface FormField {
  id: number;
  name: string;
  required?: boolean;
}

export interface AppointmentTypeInput {
  id?: number;
  name: string;
  /** Minutes. */
  duration: number;
  /** Calendars that offer the type; default: every calendar of the account. */
  calendarIDs?: number[];
  active?: boolean;
  price?: string;
  /** Minutes kept free before and after each appointment of this type. */
  paddingBefore?: number;
  paddingAfter?: number;
  /** Minutes between slot starts; default the duration. */
  slotInterval?: number;
  /** Intake form fields appointments of this type may (or must) fill in. */
  fields?: FormField[];
}

export type Calendar = Required<CalendarInput>;
export type AppointmentType = Required<Omit<AppointmentTypeInput, "calendarIDs">> & { calendarIDs: number[] };

export interface Block {
  id: number;
  calendarID: number;
  start: number;
  end: number;
  notes: string;
}

/** What availability needs to know of an appointment. */
export interface Busy {
  id: number;
  calendarID: number;
  appointmentTypeID: number;
  start: number;
  end: number;
  canceled: boolean;
}

export interface ScheduleRules {
  minHoursInAdvance: number;
  maxDaysInAdvance: number;
}

let nextId = 1_000 + Math.floor(Math.random() * 9_000);
/** Acuity ids are integers shared by nothing else: one counter for the whole process. */
export const newId = () => ++nextId;

export class Schedule {
  readonly calendars = new Map<number, Calendar>();
  readonly types = new Map<number, AppointmentType>();
  readonly blocks = new Map<number, Block>();

  constructor(
    readonly timezone: string,
    readonly rules: ScheduleRules,
    private readonly busy: () => Iterable<Busy>,
  ) {}

  addCalendar(input: CalendarInput): Calendar {
    const timezone = input.timezone ?? this.timezone;
    if (!isTimeZone(timezone)) throw new Error(`acuity sim: unknown time zone ${timezone}`);
    const calendar: Calendar = { id: input.id ?? newId(), name: input.name, email: input.email ?? "", timezone, hours: input.hours ?? DEFAULT_HOURS };
    this.calendars.set(calendar.id, calendar);
    return calendar;
  }

  addType(input: AppointmentTypeInput): AppointmentType {
    const type: AppointmentType = {
      id: input.id ?? newId(),
      name: input.name,
      duration: input.duration,
      calendarIDs: input.calendarIDs ?? [...this.calendars.keys()],
      active: input.active ?? true,
      price: input.price ?? "0.00",
      paddingBefore: input.paddingBefore ?? 0,
      paddingAfter: input.paddingAfter ?? 0,
      slotInterval: input.slotInterval ?? input.duration,
      fields: input.fields ?? [],
    };
    this.types.set(type.id, type);
    return type;
  }

  calendar(id: unknown): Calendar {
    const calendar = this.calendars.get(Number(id));
    if (!calendar) throw invalidCalendar(id);
    return calendar;
  }

  addBlock(calendarID: number, start: number, end: number, notes = ""): Block {
    const block: Block = { id: newId(), calendarID, start, end, notes };
    this.blocks.set(block.id, block);
    return block;
  }

  /** Free slot starts of `type` on `calendar` during the calendar-zone day `day`. */
  slots(calendar: Calendar, type: AppointmentType, day: [number, number, number], ignore: readonly number[] = []): number[] {
    if (!type.active || !type.calendarIDs.includes(calendar.id)) return [];
    const [year, month, date] = day;
    const weekday = WEEKDAYS[new Date(Date.UTC(year, month - 1, date)).getUTCDay()]!;
    const now = Date.now();
    const earliest = now + this.rules.minHoursInAdvance * 3600_000;
    const latest = now + this.rules.maxDaysInAdvance * 86_400_000;
    const busy = this.busyRanges(calendar.id, ignore);
    const free: number[] = [];
    for (const [from, to] of calendar.hours[weekday] ?? []) {
      const open = this.at(year, month, date, from, calendar.timezone);
      const close = this.at(year, month, date, to, calendar.timezone);
      for (let start = open; start + type.duration * 60_000 <= close; start += type.slotInterval * 60_000) {
        if (start < earliest || start > latest) continue;
        const taken: [number, number] = [start - type.paddingBefore * 60_000, start + (type.duration + type.paddingAfter) * 60_000];
        if (!busy.some(([s, e]) => s < taken[1] && taken[0] < e)) free.push(start);
      }
    }
    return free;
  }

  /** null when `start` is a free slot of `type` on `calendar`; otherwise Acuity's error for it. */
  check(calendar: Calendar, type: AppointmentType, start: number, ignore: readonly number[] = []): AcuityError | null {
    const shown = formatIso(start, calendar.timezone);
    if (start < Date.now() + this.rules.minHoursInAdvance * 3600_000) return tooSoon(shown);
    if (start > Date.now() + this.rules.maxDaysInAdvance * 86_400_000) return tooFar(shown);
    const w = wallClock(start, calendar.timezone);
    return this.slots(calendar, type, [w.year, w.month, w.day], ignore).includes(start) ? null : notAvailable(shown);
  }

  /** The calendars a booking without calendarID could land on, in id order. */
  calendarsFor(type: AppointmentType): Calendar[] {
    return type.calendarIDs.map((id) => this.calendars.get(id)).filter((c): c is Calendar => !!c);
  }

  /** GET /availability/times: one entry per start time, `slotsAvailable` the calendars free at it. */
  times(type: AppointmentType, calendars: Calendar[], day: [number, number, number], zone: string | null, ignore: readonly number[]) {
    const counts = new Map<number, number>();
    for (const calendar of calendars) for (const start of this.slots(calendar, type, day, ignore)) counts.set(start, (counts.get(start) ?? 0) + 1);
    return [...counts.entries()].sort(([a], [b]) => a - b).map(([start, slotsAvailable]) => ({ time: formatIso(start, zone ?? calendars[0]!.timezone), slotsAvailable }));
  }

  /** GET /availability/dates: the days of the month with at least one free slot. */
  dates(type: AppointmentType, calendars: Calendar[], month: [number, number]) {
    const [year, m] = month;
    const days: { date: string }[] = [];
    for (let d = 1; d <= daysInMonth(year, m); d++) {
      if (calendars.some((c) => this.slots(c, type, [year, m, d]).length)) days.push({ date: `${year}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}` });
    }
    return days;
  }

  calendarJson(c: Calendar) {
    return { id: c.id, name: c.name, email: c.email, replyTo: c.email, description: "", location: "", timezone: c.timezone, thumbnail: "", image: "" };
  }

  typeJson(t: AppointmentType) {
    return {
      id: t.id,
      active: t.active,
      name: t.name,
      description: "",
      duration: t.duration,
      price: t.price,
      category: "",
      color: "#88ABD9",
      private: false,
      type: "service",
      classSize: null,
      paddingAfter: t.paddingAfter,
      paddingBefore: t.paddingBefore,
      calendarIDs: [...t.calendarIDs],
      formIDs: t.fields.length ? [t.id] : [],
      addonIDs: [],
      schedulingUrl: `https://app.acuityscheduling.com/schedule.php?appointmentType=${t.id}`,
    };
  }

  blockJson(b: Block) {
    const zone = this.calendars.get(b.calendarID)?.timezone ?? this.timezone;
    return {
      id: b.id,
      calendarID: b.calendarID,
      calendar: this.calendars.get(b.calendarID)?.name ?? "",
      start: formatIso(b.start, zone),
      end: formatIso(b.end, zone),
      notes: b.notes,
      description: `${humanDate(b.start, zone)} ${humanTime(b.start, zone)} - ${humanTime(b.end, zone)}`,
      recurring: null,
      until: null,
      managed: false,
    };
  }

  /** A `HH:MM` wall clock of a calendar-zone day, as an instant. */
  private at(year: number, month: number, day: number, hhmm: string, zone: string): number {
    const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
    if (!m) throw new Error(`acuity sim: working hours must be HH:MM, not ${hhmm}`);
    return fromWallClock(year, month, day, Number(m[1]), Number(m[2]), zone);
  }

  private busyRanges(calendarID: number, ignore: readonly number[]): [number, number][] {
    const ranges: [number, number][] = [];
    for (const a of this.busy()) {
      if (a.canceled || a.calendarID !== calendarID || ignore.includes(a.id)) continue;
      const type = this.types.get(a.appointmentTypeID);
      ranges.push([a.start - (type?.paddingBefore ?? 0) * 60_000, a.end + (type?.paddingAfter ?? 0) * 60_000]);
    }
    for (const b of this.blocks.values()) if (b.calendarID === calendarID) ranges.push([b.start, b.end]);
    return ranges;
  }
}
