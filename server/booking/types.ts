// The booking domain's own shapes: what the scheduler reads of a portal's set-up, and who is calling.

import type { CalendarEvent, ExternalType } from "./providers/types.js";
import type { Weekday } from "./time.js";

export interface CallerContext {
  portalId: string;
  connectionId: string;
  vendorCallId: string;
  phone: string | null;
  name?: string | null;
  email?: string | null;
}

export type Settings = { timezone: string; holdMinutes: number; slotStepMinutes: number; leadMinutes: number };
export type Service = { id: string; name: string; durationMinutes: number; bufferMinutes: number; aliases: string[]; reminderMinutes: number[] };
export type Staff = {
  id: string;
  portalId: string;
  name: string;
  email: string;
  calendar: string;
  timezone: string;
  hours: unknown;
  /** Breaks per weekday within the working hours (Breaks); none when absent. */
  breaks?: unknown;
  /** Local dates (YYYY-MM-DD) off work. */
  daysOff?: string[];
  hubspotOwnerId: string | null;
};

/** Working hours per weekday, "HH:MM" wall-clock times in the staff member's zone (setup.ts checks them). */
export type WorkingHours = Partial<Record<Weekday, [string, string]>>;

/** Breaks per weekday, within that day's working hours ("HH:MM", same zone). */
export type Breaks = Partial<Record<Weekday, [string, string][]>>;

/** A start time one staff member can take. */
export interface Slot {
  start: Date;
  staff: Staff;
}

/** Time in which a staff member cannot take a slot: a booking or hold (with its buffer), or a calendar event. */
export interface BusyTime {
  staffId: string;
  startAt: Date;
  blockEndAt: Date;
}

/** A time window of the day, ["HH:MM", "HH:MM"), start included, end excluded. */
export type TimeWindow = [string, string];

/** The calendar event that mirrors a booking. */
export function eventOf(bookingId: string, service: Service, staff: Pick<Staff, "email" | "timezone">, start: Date, end: Date, caller: { name: string | null; email: string | null; phone: string | null }, type?: ExternalType): CalendarEvent {
  return { bookingId, title: `${service.name}${caller.name ? ` with ${caller.name}` : ""}`, start, end, organizerEmail: staff.email, attendee: caller, reminderMinutes: service.reminderMinutes, timeZone: staff.timezone, ...(type ? { type } : {}) };
}
