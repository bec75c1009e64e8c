import express, { Router } from "express";
import { z } from "zod";
import type { Runtime } from "../runtime.js";
import type { VendorId } from "../calls/record.js";
import { sha256Hex } from "../config/crypto.js";
import { sql } from "../db/client.js";
import { logger } from "../config/logger.js";
import { flatHeaders } from "../http/headers.js";
import { getVendor } from "../vendors/registry.js";
import type { VendorAdapter } from "../vendors/types.js";
import type { ToolCall } from "../vendors/tool-calls.js";
import { normalisePhone } from "../contacts/phone.js";
import { Scheduler, type BookingAnswer, type CallerContext, type ToolAnswer } from "./scheduler.js";
import { enqueueMeeting } from "./meetings.js";
import { toolDuration } from "../metrics/metrics.js";
import { connectionByToken, connectionSecret } from "../connections/connections.js";
import { describeIssues } from "../validation/issues.js";

// Live tool endpoints (each connection's toolsUrl), in each vendor's own format (vendors/<name>/tools.ts:
// Retell's custom functions, Vapi's tool-calls, the generic format); a vendor whose signature does not
// cover the body (Synthflow) is refused, see toolsDisabledReason.
// Every write is idempotent on the vendor's call id + tool call: a retried call gets the first answer.

const log = logger("booking.tools");

export const TOOL_NAMES = ["check_availability", "book_appointment", "reschedule_appointment", "cancel_appointment"] as const;
type ToolName = (typeof TOOL_NAMES)[number];

const argsSchemas = {
  check_availability: z.object({ service_type: z.string().optional(), date: z.string().optional(), time_window: z.string().optional(), timezone: z.string().optional() }),
  book_appointment: z.object({ service_type: z.string().optional(), start: z.string().optional(), name: z.string().optional(), email: z.string().optional() }),
  reschedule_appointment: z.object({ new_start: z.string().optional(), booking_id: z.string().optional() }),
  cancel_appointment: z.object({ booking_id: z.string().optional(), reason: z.string().optional() }),
} satisfies Record<ToolName, z.ZodType>;

/**
 * Why live tools are off for a vendor's connections, or null when they are on. A tool call books or
 * cancels for whoever it names, so it must be signed over its body: with a signature over the call id
 * alone, one captured request could be replayed with any arguments and any caller for that call.
 */
export function toolsDisabledReason(vendor: Pick<VendorAdapter, "label" | "signatureCovers" | "tools">): string | null {
  switch (vendor.signatureCovers) {
    case "body":
      return vendor.tools ? null : `${vendor.label} has no live tool format here: use the generic format (docs/booking-tools.md).`;
    case "call_id":
      return `Live tools are off for ${vendor.label} connections: ${vendor.label} signs only the call id, so a captured request could book or cancel for any caller. Use a vendor or the generic format that signs the body.`;
    default: {
      const unreachable: never = vendor.signatureCovers;
      throw new Error(`unhandled signature coverage ${unreachable}`);
    }
  }
}

export function bookingToolRoutes(rt: Runtime): Router {
  const router = Router();
  const scheduler = new Scheduler(rt.db, { calendars: rt.calendars });

  const run = async (caller: CallerContext, call: ToolCall): Promise<ToolAnswer> => {
    if (!(TOOL_NAMES as readonly string[]).includes(call.name)) return { message: "Sorry, I can't do that on this line.", data: { error: "unknown_tool", tools: TOOL_NAMES } };
    const name = call.name as ToolName;
    const parsed = argsSchemas[name].safeParse(call.args);
    if (!parsed.success) return { message: "Sorry, I didn't catch that. Could you say it again?", data: { error: "bad_arguments", reason: describeIssues(parsed.error.issues, "(arguments)") } };
    // Idempotency: Vapi names each tool call; Retell retries the same function with the same arguments.
    const key = `${caller.connectionId}:${caller.vendorCallId}:${call.id ?? sha256Hex(`${name}:${JSON.stringify(parsed.data)}`)}`;
    if (name !== "check_availability") {
      const [seen] = await sql<{ response: ToolAnswer }>(rt.db, `SELECT "response" FROM "ToolInvocation" WHERE "key" = $1`, [key]);
      if (seen) return seen.response;
    }
    let answer: BookingAnswer;
    try {
      answer = await dispatch(caller, name, parsed.data);
    } catch (error) {
      // The caller is on the line: a short answer, never a stack trace; nothing was confirmed to them.
      log.error({ portalId: caller.portalId, tool: name, err: (error as Error).message }, "tool failed");
      return { message: "Sorry, I'm having trouble with the schedule right now. Someone from the team will call you back to sort it out.", data: { error: "internal" } };
    }
    const { bookingId, meetingVersion, ...response } = answer;
    // A calendar outage is not remembered: the vendor's retry should try the calendar again.
    if (name !== "check_availability" && response.data?.error !== "calendar_unavailable") {
      await sql(rt.db, `INSERT INTO "ToolInvocation" ("key", "response") VALUES ($1, $2::jsonb) ON CONFLICT DO NOTHING`, [key, JSON.stringify(response)]).catch(() => undefined);
    }
    // The Meeting on the HubSpot contact is written by the worker within seconds, with retries; if
    // Redis is down now, the upkeep sweep queues it from the booking row (the outbox).
    if (bookingId && meetingVersion) {
      await enqueueMeeting(rt.meetingQueue, { id: bookingId, meetingVersion }, rt.env.SYNC_MAX_ATTEMPTS).catch((error: Error) => log.warn({ portalId: caller.portalId, bookingId, err: error.message }, "meeting not queued; the sweep will"));
    }
    return response;
  };

  const dispatch = async (caller: CallerContext, name: ToolName, args: unknown): Promise<BookingAnswer> => {
    let answer: BookingAnswer;
    switch (name) {
      case "check_availability":
        answer = await scheduler.checkAvailability(caller, args as z.infer<typeof argsSchemas.check_availability>);
        break;
      case "book_appointment":
        answer = await scheduler.book(caller, args as z.infer<typeof argsSchemas.book_appointment>);
        break;
      case "reschedule_appointment":
        answer = await scheduler.reschedule(caller, args as z.infer<typeof argsSchemas.reschedule_appointment>);
        break;
      case "cancel_appointment":
        answer = await scheduler.cancel(caller, args as z.infer<typeof argsSchemas.cancel_appointment>);
        break;
      default: {
        const unreachable: never = name;
        throw new Error(`unhandled tool ${unreachable}`);
      }
    }
    return answer;
  };

  router.post("/tools/:token", express.raw({ type: () => true, limit: "256kb" }), async (req, res) => {
    const started = performance.now();
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const connection = await connectionByToken(rt.db, String(req.params.token));
    if (!connection) return void res.status(404).json({ error: "unknown connection: check the tools URL" });
    const vendor = getVendor(connection.vendor as VendorId);
    const disabled = toolsDisabledReason(vendor);
    if (disabled || !vendor.tools) return void res.status(403).json({ error: disabled });
    const headers = flatHeaders(req.headers);
    const verified = await vendor.verify({ rawBody, headers, now: Date.now() }, connectionSecret(connection, rt.env.ENCRYPTION_KEY));
    if (!verified.ok) return void res.status(401).json({ error: `signature rejected: ${verified.reason}` });
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString("utf8"));
    } catch {
      return void res.status(400).json({ error: "body is not JSON" });
    }
    const request = vendor.tools.parse(body);
    if (typeof request === "string") return void res.status(400).json({ error: request });
    if (!request.vendorCallId) return void res.status(400).json({ error: "the call id is missing" });
    // Read in the portal's region, as the sync reads the call, so a booking and its call name one caller.
    const phone = normalisePhone(request.phone, connection.defaultRegion)?.e164 ?? null;
    const caller: CallerContext = { portalId: connection.portalId, connectionId: connection.id, vendorCallId: request.vendorCallId, phone };
    const answers = [];
    for (const call of request.calls) answers.push({ call, answer: await run(caller, call) });
    // Our own time, for the vendor's logs and ours (Server-Timing) and for /metrics.
    const seconds = (performance.now() - started) / 1000;
    for (const { call } of answers) toolDuration.observe({ tool: (TOOL_NAMES as readonly string[]).includes(call.name) ? call.name : "unknown" }, seconds / answers.length);
    res.setHeader("server-timing", `app;dur=${(seconds * 1000).toFixed(1)}`);
    res.json(vendor.tools.reply(answers));
  });
  return router;
}
