// One small interface per calendar provider (server/booking/providers/<name>/). The PostgreSQL table
// of bookings is always the source of truth and the double-booking guard; a provider mirrors each
// booking into the staff member's calendar and reports time that is busy for other reasons.

export interface BusyInterval {
  start: Date;
  end: Date;
}

export interface CalendarEvent {
  /** Our booking id: providers use it as their idempotency key (Google event id, Graph transactionId). */
  bookingId: string;
  title: string;
  start: Date;
  end: Date;
  organizerEmail: string;
  attendee: { name: string | null; email: string | null; phone: string | null };
  reminderMinutes: number[];
  timeZone: string;
}

export interface CalendarProvider {
  id: "builtin" | "google" | "microsoft";
  /** Busy time of the staff member's calendar between from and to, queried live. */
  freeBusy(staffEmail: string, from: Date, to: Date): Promise<BusyInterval[]>;
  /** Create the event; returns the provider's event id. */
  create(event: CalendarEvent): Promise<string>;
  /** Move the same event (never delete-and-recreate). */
  move(eventId: string, event: CalendarEvent): Promise<void>;
  /** Cancel, notifying the attendee the way the provider does. */
  cancel(eventId: string, event: CalendarEvent, reason: string | null): Promise<void>;
}
