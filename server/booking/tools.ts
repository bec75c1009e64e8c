import { authenticateDelivery } from "../connections/authenticate.js";
import type { Queue } from "bullmq";
import { z } from "zod";
import { sha256Hex } from "../config/crypto.js";
import { sql, type Db } from "../db/client.js";
import { logger } from "../config/logger.js";
import type { VendorAdapter } from "../vendors/types.js";
import type { ToolCall } from "../vendors/tool-calls.js";
import type { MeetingJobData } from "../queue/queues.js";
import { normalisePhone } from "../contacts/phone.js";
import { describeIssues } from "../validation/issues.js";
import { answer, REMEMBERED, type BookingAnswer, type ToolAnswer } from "./answers.js";
import type { StaffCalendars } from "./calendars.js";
import { enqueueMeeting } from "./meetings.js";
import { Scheduler } from "./scheduler.js";
import type { CallerContext } from "./types.js";

// Live tool calls (each connection's toolsUrl), in each vendor's own format (vendors/<name>/tools.ts:
// Retell's custom functions, Vapi's tool-calls, the generic format); a vendor whose signature does not
// cover the body (Synthflow) is refused, see toolsDisabledReason. server/http/routes/tools.ts maps the
// outcome to HTTP. Every write is idempotent on the vendor's call id + tool call: a retried call gets
// the first answer.

const log = logger("booking.tools");

export const TOOL_NAMES = ["check_availability", "book_appointment", "reschedule_appointment", "cancel_appointment"] as const;
type ToolName = (typeof TOOL_NAMES)[number];

const argsSchemas = {
  check_availability: z.object({ service_type: z.string().optional(), date: z.string().optional(), time_window: z.string().optional(), timezone: z.string().optional() }),
  book_appointment: z.object({ service_type: z.string().optional(), start: z.string().optional(), name: z.string().optional(), email: z.string().optional() }),
  reschedule_appointment: z.object({ new_start: z.string().optional(), booking_id: z.string().optional() }),
  cancel_appointment: z.object({ booking_id: z.string().optional(), reason: z.string().optional() }),
} satisfies Record<ToolName, z.ZodType>;

const isToolName = (name: string): name is ToolName => (TOOL_NAMES as readonly string[]).includes(name);

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

/** What the tool runner needs: the database, the staff calendars and the Meeting queue. */
export interface ToolDeps {
  db: Db;
  encryptionKey: string;
  calendars: StaffCalendars;
  meetingQueue: Queue<MeetingJobData>;
  meetingAttempts: number;
  /** Live tools served beside the booking ones, by name (lookup_caller, server/context/): they take the caller, no arguments. */
  liveTools?: Record<string, (caller: CallerContext) => Promise<ToolAnswer>>;
}

export interface ToolDelivery {
  /** The connection's token from the tools URL. */
  token: string;
  rawBody: Buffer;
  headers: Record<string, string | undefined>;
  now: number;
}

/** What a request to the tools URL came to; the route alone turns it into HTTP. */
export type ToolRequestOutcome =
  | { kind: "unknown_connection" }
  | { kind: "disabled"; reason: string | null }
  | { kind: "unauthorized"; reason: string }
  | { kind: "invalid"; reason: string }
  /** Every call answered: `reply` is the vendor's response body, `tools` the tool of each call. */
  | { kind: "answered"; reply: unknown; tools: string[] };

export interface ToolRunner {
  handle(delivery: ToolDelivery): Promise<ToolRequestOutcome>;
}

/** One per process: the scheduler behind it keeps in-process state (the portal set-up cache, the hold queue). */
export function createToolRunner(deps: ToolDeps): ToolRunner {
  const scheduler = new Scheduler(deps.db, { calendars: deps.calendars });

  const dispatch = (caller: CallerContext, name: ToolName, args: unknown): Promise<BookingAnswer> => {
    switch (name) {
      case "check_availability":
        return scheduler.checkAvailability(caller, args as z.infer<typeof argsSchemas.check_availability>);
      case "book_appointment":
        return scheduler.book(caller, args as z.infer<typeof argsSchemas.book_appointment>);
      case "reschedule_appointment":
        return scheduler.reschedule(caller, args as z.infer<typeof argsSchemas.reschedule_appointment>);
      case "cancel_appointment":
        return scheduler.cancel(caller, args as z.infer<typeof argsSchemas.cancel_appointment>);
      default: {
        const unreachable: never = name;
        throw new Error(`unhandled tool ${unreachable}`);
      }
    }
  };

  // Own properties only: a tool named "constructor" is not a tool.
  const liveTool = (name: string) => (deps.liveTools && Object.hasOwn(deps.liveTools, name) ? deps.liveTools[name] : undefined);

  const run = async (caller: CallerContext, call: ToolCall): Promise<ToolAnswer> => {
    const spoken = ({ message, data }: BookingAnswer): ToolAnswer => ({ message, ...(data ? { data } : {}) });
    const live = liveTool(call.name);
    if (live) {
      return live(caller).catch((error: Error) => {
        log.error({ portalId: caller.portalId, tool: call.name, err: error.message }, "tool failed");
        return spoken(answer({ kind: "internal" }, new Date()));
      });
    }
    if (!isToolName(call.name)) return spoken(answer({ kind: "unknown_tool", tools: [...TOOL_NAMES, ...Object.keys(deps.liveTools ?? {})] }, new Date()));
    const name = call.name;
    const parsed = argsSchemas[name].safeParse(call.args);
    if (!parsed.success) return spoken(answer({ kind: "bad_arguments", reason: describeIssues(parsed.error.issues, "(arguments)") }, new Date()));
    // Idempotency: Vapi names each tool call; Retell retries the same function with the same arguments.
    const key = `${caller.connectionId}:${caller.vendorCallId}:${call.id ?? sha256Hex(`${name}:${JSON.stringify(parsed.data)}`)}`;
    if (name !== "check_availability") {
      const [seen] = await sql<{ response: ToolAnswer }>(deps.db, `SELECT "response" FROM "ToolInvocation" WHERE "key" = $1`, [key]);
      if (seen) return seen.response;
    }
    let result: BookingAnswer;
    try {
      result = await dispatch(caller, name, parsed.data);
    } catch (error) {
      // The caller is on the line: a short answer, never a stack trace; nothing was confirmed to them.
      log.error({ portalId: caller.portalId, tool: name, err: (error as Error).message }, "tool failed");
      return spoken(answer({ kind: "internal" }, new Date()));
    }
    const { bookingId, meetingVersion } = result;
    const response = spoken(result);
    if (name !== "check_availability" && REMEMBERED[result.outcome]) {
      await sql(deps.db, `INSERT INTO "ToolInvocation" ("key", "response") VALUES ($1, $2::jsonb) ON CONFLICT DO NOTHING`, [key, JSON.stringify(response)]).catch(() => undefined);
    }
    // The Meeting on the HubSpot contact is written by the worker within seconds, with retries; if
    // Redis is down now, the upkeep sweep queues it from the booking row (the outbox).
    if (bookingId && meetingVersion) {
      await enqueueMeeting(deps.meetingQueue, { id: bookingId, meetingVersion }, deps.meetingAttempts).catch((error: Error) => log.warn({ portalId: caller.portalId, bookingId, err: error.message }, "meeting not queued; the sweep will"));
    }
    return response;
  };

  return {
    /** Find the connection, verify the vendor's signature over the body, read the calls, answer each in turn. */
    async handle(delivery) {
      const auth = await authenticateDelivery(deps.db, deps.encryptionKey, delivery);
      if (auth.kind === "unknown_connection") return auth;
      const { connection, vendor } = auth;
      // Off for this vendor whatever the signature says: the refusal names the reason, not the secret.
      const disabled = toolsDisabledReason(vendor);
      if (disabled || !vendor.tools) return { kind: "disabled", reason: disabled };
      if (auth.kind === "unauthorized") return { kind: "unauthorized", reason: auth.reason };
      let body: unknown;
      try {
        body = JSON.parse(delivery.rawBody.toString("utf8"));
      } catch {
        return { kind: "invalid", reason: "body is not JSON" };
      }
      const request = vendor.tools.parse(body);
      if (typeof request === "string") return { kind: "invalid", reason: request };
      if (!request.vendorCallId) return { kind: "invalid", reason: "the call id is missing" };
      // Read in the portal's region, as the sync reads the call, so a booking and its call name one caller.
      const phone = normalisePhone(request.phone, connection.defaultRegion)?.e164 ?? null;
      const caller: CallerContext = { portalId: connection.portalId, connectionId: connection.id, vendorCallId: request.vendorCallId, phone };
      const answers = [];
      for (const call of request.calls) answers.push({ call, answer: await run(caller, call) });
      return { kind: "answered", reply: vendor.tools.reply(answers), tools: answers.map(({ call }) => (isToolName(call.name) || liveTool(call.name) ? call.name : "unknown")) };
    },
  };
}
