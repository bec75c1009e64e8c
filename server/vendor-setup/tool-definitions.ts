// The live tools the toolsUrl serves (server/booking/tools.ts, and lookup_caller from server/context/) as a voice platform is told about them: name, description and JSON Schema parameters,
// the same for every vendor (each vendor's setup wraps them in its own shape, server/vendors/<name>/
// setup.ts). docs/booking-tools.md shows them as the admin would paste them; the settings page's
// vendor setup adds them through the vendor's API.

import type { LiveToolDefinition } from "../vendors/setup.js";

const BOOKING_REFERENCE = { type: "string", description: "The booking reference the caller reads out, as letters and digits (K7M4QXR9); leave out if they have none" } as const;

export const LIVE_TOOL_DEFINITIONS: readonly LiveToolDefinition[] = [
  {
    name: "check_availability",
    description: "Find 2-3 open appointment slots for the service the caller wants. Call before offering times.",
    parameters: {
      type: "object",
      required: ["service_type"],
      properties: {
        service_type: { type: "string", description: "The service the caller asked for, in their words" },
        date: { type: "string", description: "YYYY-MM-DD, today or tomorrow" },
        time_window: { type: "string", description: "morning, afternoon, evening or HH:MM-HH:MM" },
        timezone: { type: "string", description: "The caller's IANA time zone if not the business's" },
      },
    },
  },
  {
    name: "book_appointment",
    description: "Book one of the offered slots once the caller picked it.",
    parameters: { type: "object", required: ["service_type", "start"], properties: { service_type: { type: "string" }, start: { type: "string", description: "The ISO start of the chosen slot" }, name: { type: "string" }, email: { type: "string" } } },
  },
  {
    name: "reschedule_appointment",
    description: "Move the caller's appointment to a new time.",
    parameters: { type: "object", required: ["new_start"], properties: { new_start: { type: "string", description: "ISO start of the new time" }, booking_id: BOOKING_REFERENCE } },
  },
  {
    name: "cancel_appointment",
    description: "Cancel the caller's appointment.",
    parameters: { type: "object", properties: { booking_id: BOOKING_REFERENCE, reason: { type: "string" } } },
  },
  {
    name: "lookup_caller",
    description: "Who is calling: their first name and upcoming booking, if we know them. Call at the start of the call.",
    parameters: { type: "object", properties: {} },
  },
];
