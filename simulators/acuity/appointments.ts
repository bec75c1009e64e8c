import { invalid, invalidCalendar, invalidDatetime, invalidTimezone, notFound, required } from "./errors.js";
import { newId, type AppointmentType, type Busy, type Calendar, type Schedule } from "./schedule.js";
import { formatIso, humanDate, humanTime, isTimeZone, parseDatetime, parseDay } from "./time.js";

// Appointments of one account: booked, rescheduled and canceled as a client would, unless the request
// says admin=true, which (as in Acuity, developers.acuityscheduling.com/reference/post-appointments)
// skips availability and form validation, lets notes be set and may double-book; the app must not
// rely on it. The check and the write happen in one synchronous step, so of two bookings of one slot
// exactly one wins. Every change is reported to `changed` (the webhooks listen there).

export type ChangeKind = "scheduled" | "rescheduled" | "canceled" | "changed";

export interface Appointment extends Busy {
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  notes: string;
  fields: { id: number; value: string }[];
  /** The client's time zone. */
  timezone: string;
  createdAt: number;
  cancelNote: string | null;
  /** Who made it: the API, or a person in Acuity (the sim's *Direct methods). */
  source: "api" | "direct";
}

export interface AppointmentQuery {
  minDate?: string;
  maxDate?: string;
  calendarID?: string;
  appointmentTypeID?: string;
  canceled?: string;
  email?: string;
  max?: string;
  direction?: string;
}

type Body = Record<string, unknown>;
const MAX_DEFAULT = 100;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export class Appointments {
  readonly all = new Map<number, Appointment>();

  constructor(
    private readonly schedule: Schedule,
    private readonly changed: (kind: ChangeKind, appointment: Appointment) => void,
  ) {}

  /** POST /appointments */
  create(body: Body, options: { admin: boolean; source: Appointment["source"] }): Appointment {
    const type = this.type(body.appointmentTypeID);
    if (body.calendarID === undefined && options.admin) throw required("calendarID");
    const pinned = body.calendarID === undefined ? null : this.schedule.calendar(body.calendarID);
    const zone = pinned?.timezone ?? this.schedule.timezone;
    if (body.datetime === undefined || body.datetime === "") throw required("datetime");
    const start = parseDatetime(body.datetime, zone);
    if (start === null) throw invalidDatetime(body.datetime);
    const clientZone = body.timezone === undefined ? zone : String(body.timezone);
    if (!isTimeZone(clientZone)) throw invalidTimezone(clientZone);
    for (const name of ["firstName", "lastName", ...(options.admin ? [] : ["email"])]) if (!text(body[name])) throw required(name);
    if (text(body.email) && !EMAIL.test(text(body.email))) throw invalid("invalid_email", `The email address "${text(body.email)}" is invalid.`);
    const fields = this.fields(type, body.fields, options.admin);

    // Availability, as a client booking: the pinned calendar, or the first one of the type that is free.
    let calendar: Calendar;
    if (options.admin) calendar = pinned!;
    else {
      const candidates = pinned ? [pinned] : this.schedule.calendarsFor(type);
      const free = candidates.find((c) => this.schedule.check(c, type, start) === null);
      if (!free) throw (candidates[0] && this.schedule.check(candidates[0], type, start)) ?? invalidCalendar(body.calendarID);
      calendar = free;
    }
    const appointment: Appointment = {
      id: newId(),
      calendarID: calendar.id,
      appointmentTypeID: type.id,
      start,
      end: start + type.duration * 60_000,
      canceled: false,
      firstName: text(body.firstName),
      lastName: text(body.lastName),
      email: text(body.email),
      phone: text(body.phone),
      notes: options.admin ? text(body.notes) : "",
      fields,
      timezone: clientZone,
      createdAt: Date.now(),
      cancelNote: null,
      source: options.source,
    };
    this.all.set(appointment.id, appointment);
    this.changed("scheduled", appointment);
    return appointment;
  }

  /** PUT /appointments/:id/reschedule: the same id moves; its own time does not block the new one. */
  reschedule(id: unknown, body: Body, options: { admin: boolean }): Appointment {
    const appointment = this.get(id);
    if (appointment.canceled) throw invalid("reschedule_canceled", "Canceled appointments may not be rescheduled.");
    const calendar = body.calendarID === undefined ? this.schedule.calendar(appointment.calendarID) : this.schedule.calendar(body.calendarID);
    if (body.datetime === undefined || body.datetime === "") throw required("datetime");
    const start = parseDatetime(body.datetime, calendar.timezone);
    if (start === null) throw invalidDatetime(body.datetime);
    const type = this.type(appointment.appointmentTypeID);
    if (!options.admin) {
      const error = this.schedule.check(calendar, type, start, [appointment.id]);
      if (error) throw error;
    }
    Object.assign(appointment, { calendarID: calendar.id, start, end: start + type.duration * 60_000 });
    this.changed("rescheduled", appointment);
    return appointment;
  }

  /** PUT /appointments/:id/cancel: once canceled, for good; a second cancel is refused. */
  cancel(id: unknown, body: Body): Appointment {
    const appointment = this.get(id);
    if (appointment.canceled) throw invalid("already_canceled", "This appointment has already been canceled.");
    appointment.canceled = true;
    appointment.cancelNote = text(body.cancelNote) || null;
    this.changed("canceled", appointment);
    return appointment;
  }

  /** A person edited the appointment's details in Acuity: only `changed` subscribers hear of it. */
  update(id: number, patch: Partial<Pick<Appointment, "firstName" | "lastName" | "email" | "phone" | "notes">>): Appointment {
    const appointment = this.get(id);
    Object.assign(appointment, patch);
    this.changed("changed", appointment);
    return appointment;
  }

  get(id: unknown): Appointment {
    const appointment = this.all.get(Number(id));
    if (!appointment) throw notFound();
    return appointment;
  }

  /** GET /appointments: newest first unless direction=ASC, at most `max` (100 by default), canceled ones only with canceled=true. */
  list(query: AppointmentQuery): Appointment[] {
    const zone = this.schedule.timezone;
    const dayOf = (value: string | undefined) => {
      if (value === undefined) return null;
      if (!parseDay(value.slice(0, 10))) throw invalidDatetime(value);
      return value.slice(0, 10);
    };
    const minDay = dayOf(query.minDate);
    const maxDay = dayOf(query.maxDate);
    const from = minDay ? parseDatetime(`${minDay}T00:00`, zone)! : -Infinity;
    const to = maxDay ? parseDatetime(`${maxDay}T23:59:59`, zone)! : Infinity;
    const onlyCanceled = query.canceled === "true";
    const limit = query.max === undefined ? MAX_DEFAULT : Math.max(0, Number(query.max) || 0);
    const rows = [...this.all.values()].filter(
      (a) =>
        a.canceled === onlyCanceled &&
        a.start >= from &&
        a.start <= to &&
        (query.calendarID === undefined || a.calendarID === Number(query.calendarID)) &&
        (query.appointmentTypeID === undefined || a.appointmentTypeID === Number(query.appointmentTypeID)) &&
        (query.email === undefined || a.email.toLowerCase() === query.email.toLowerCase()),
    );
    const ascending = String(query.direction ?? "DESC").toUpperCase() === "ASC";
    rows.sort((a, b) => (ascending ? a.start - b.start : b.start - a.start));
    return rows.slice(0, limit);
  }

  /** The appointment as Acuity answers it: times in the calendar's zone, duration and price as strings. */
  json(a: Appointment) {
    const calendar = this.schedule.calendars.get(a.calendarID);
    const type = this.schedule.types.get(a.appointmentTypeID);
    const zone = calendar?.timezone ?? this.schedule.timezone;
    const values = a.fields.map((f) => ({ id: newId(), fieldID: f.id, value: f.value, name: type?.fields.find((x) => x.id === f.id)?.name ?? "" }));
    return {
      id: a.id,
      firstName: a.firstName,
      lastName: a.lastName,
      phone: a.phone,
      email: a.email,
      date: humanDate(a.start, zone),
      time: humanTime(a.start, zone),
      endTime: humanTime(a.end, zone),
      dateCreated: humanDate(a.createdAt, zone),
      datetimeCreated: formatIso(a.createdAt, zone),
      datetime: formatIso(a.start, zone),
      price: type?.price ?? "0.00",
      priceSold: type?.price ?? "0.00",
      paid: "no",
      amountPaid: "0.00",
      type: type?.name ?? "",
      appointmentTypeID: a.appointmentTypeID,
      classID: null,
      addonIDs: [],
      category: "",
      duration: String(Math.round((a.end - a.start) / 60_000)),
      calendar: calendar?.name ?? "",
      calendarID: a.calendarID,
      canClientCancel: !a.canceled,
      canClientReschedule: !a.canceled,
      location: "",
      certificate: null,
      confirmationPage: `https://app.acuityscheduling.com/schedule.php?owner=sim&action=appt&id%5B%5D=${a.id}`,
      formsText: values.map((v) => `${v.name}: ${v.value}`).join("\n"),
      notes: a.notes,
      timezone: a.timezone,
      forms: values.length ? [{ id: a.appointmentTypeID, name: "Intake Form", values }] : [],
      labels: null,
      // Acuity documents `noShow` as appearing once an appointment is canceled.
      ...(a.canceled ? { noShow: false } : {}),
    };
  }

  private type(id: unknown): AppointmentType {
    if (id === undefined || id === null || id === "") throw required("appointmentTypeID");
    const type = this.schedule.types.get(Number(id));
    if (!type) throw invalid("invalid_appointment_type", `The appointment type "${String(id)}" does not exist.`);
    return type;
  }

  /** `fields: [{id, value}]` against the type's intake form; admins skip the required ones. */
  private fields(type: AppointmentType, raw: unknown, admin: boolean): { id: number; value: string }[] {
    if (raw !== undefined && !Array.isArray(raw)) throw invalid("invalid_fields", "The fields must be an array of {id, value}.");
    const given = ((raw as unknown[] | undefined) ?? []).map((f) => {
      const field = f as { id?: unknown; value?: unknown };
      if (!type.fields.some((x) => x.id === Number(field.id))) throw invalid("invalid_fields", `The field "${String(field.id)}" does not exist on this appointment type.`);
      return { id: Number(field.id), value: field.value === undefined || field.value === null ? "" : String(field.value) };
    });
    if (!admin) {
      const missing = type.fields.find((x) => x.required && !given.some((g) => g.id === x.id && g.value !== ""));
      if (missing) throw invalid("required_field", `The field "${missing.name}" is required.`);
    }
    return given;
  }
}

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : value === undefined || value === null ? "" : String(value);
}
