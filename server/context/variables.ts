import { speakReference } from "../booking/reference.js";
import { speakable } from "../booking/time.js";
import type { CallerContextShared } from "../../hubspot-app/app/shared/api.js";
import type { PromptVariables } from "../vendors/inbound.js";
import type { CallerFacts } from "./lookup.js";

// What the AI is told, in one place: the caller's facts cut to what the portal shares, as flat strings
// (the vendors substitute them into the prompt, {{caller_first_name}}), and the same as one sentence
// for the lookup_caller tool. A field the portal does not share is absent, not empty; for a caller we
// do not know every shared field is "" and `known` is "false". The names are what prompts rely on
// (docs/booking-tools.md): change them knowingly.

export function promptVariables(facts: CallerFacts, shared: CallerContextShared, now: Date): PromptVariables {
  const variables: PromptVariables = { known: String(facts.known) };
  const booking = facts.known ? facts.booking : null;
  if (shared.firstName) variables.caller_first_name = (facts.known && facts.firstName) || "";
  if (shared.upcomingBooking) {
    variables.has_upcoming_booking = String(!!booking);
    variables.upcoming_booking_service = booking?.service ?? "";
    variables.upcoming_booking_time = booking ? speakable(booking.start, booking.timeZone, now) : "";
    variables.upcoming_booking_reference = booking?.reference ? speakReference(booking.reference) : "";
  }
  if (shared.lastCall) {
    variables.last_call_intent = (facts.known && facts.lastCall?.intent) || "";
    variables.last_call_summary = (facts.known && facts.lastCall?.summary) || "";
  }
  if (shared.ownerName) variables.owner_first_name = (facts.known && facts.ownerFirstName) || "";
  return variables;
}

/** The lookup_caller tool's answer: one sentence for the AI, and the variables as its data. */
export function spokenContext(variables: PromptVariables): { message: string; data: PromptVariables } {
  if (variables.known !== "true") return { message: "This caller is not known to us: treat them as a new caller.", data: variables };
  const parts = [variables.caller_first_name ? `Returning caller, first name ${variables.caller_first_name}.` : "Returning caller."];
  if (variables.has_upcoming_booking === "true") {
    const reference = variables.upcoming_booking_reference ? `, reference ${variables.upcoming_booking_reference}` : "";
    parts.push(`They have a ${variables.upcoming_booking_service} booked ${variables.upcoming_booking_time}${reference}.`);
  } else if (variables.has_upcoming_booking === "false") {
    parts.push("They have no upcoming booking.");
  }
  if (variables.last_call_intent || variables.last_call_summary) parts.push(`Last call: ${[variables.last_call_intent, variables.last_call_summary].filter(Boolean).join(": ")}`);
  if (variables.owner_first_name) parts.push(`Their contact at the business is ${variables.owner_first_name}.`);
  return { message: parts.join(" "), data: variables };
}
