import type { CalendarAccount, CalendarProvider } from "../types.js";

/**
 * The built-in calendar: the bookings table itself. Nothing else holds busy time, so busy is empty
 * (our own bookings are already excluded by the availability query and the exclusion constraint) and
 * the event id is the booking id.
 */
export const builtinProvider: CalendarProvider = {
  id: "builtin",
  label: "built-in",
  events: "bookings",
  async busy() {
    return [];
  },
  async create(_account, event) {
    return event.bookingId;
  },
  async move() {},
  async cancel() {},
};

/** The account of a calendar that lives in our database: no grant, no token. */
export const localAccount = (staff: { email: string }): CalendarAccount => ({ email: staff.email, accessToken: async () => "" });
