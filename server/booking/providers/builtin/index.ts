import type { CalendarProvider } from "../types.js";

/**
 * The built-in calendar: the bookings table itself. Nothing else holds busy time, so busy is empty
 * (our own bookings are already excluded by the availability query and the exclusion constraint) and
 * the event id is the booking id.
 */
export const builtinProvider: CalendarProvider = {
  id: "builtin",
  async busy() {
    return [];
  },
  async create(_account, event) {
    return event.bookingId;
  },
  async move() {},
  async cancel() {},
};
