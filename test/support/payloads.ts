import { randomBytes } from "node:crypto";

// Vendor-native payloads for end-to-end tests, built from the vendors' documented shapes
// (shared/reference/vendors.md). Made-up people, 555 numbers, example.com addresses.

export const newCallId = (prefix = "call") => `${prefix}_${randomBytes(8).toString("hex")}`;

export interface RetellCallOptions {
  callId?: string;
  from?: string;
  to?: string;
  analysis?: Record<string, unknown> | null;
  summary?: string;
  sentiment?: "Positive" | "Negative" | "Neutral" | "Unknown";
  transcript?: string;
  disconnection?: string;
  transferTo?: string;
  startMs?: number;
  durationMs?: number;
  recordingUrl?: string;
}

export function retellCall(event: "call_started" | "call_ended" | "call_analyzed", o: RetellCallOptions = {}) {
  const start = o.startMs ?? Date.parse("2026-11-20T16:00:00Z");
  const duration = o.durationMs ?? 184_000;
  const call: Record<string, unknown> = {
    call_id: o.callId ?? newCallId(),
    call_type: "phone_call",
    agent_id: "agent_demo",
    call_status: event === "call_started" ? "ongoing" : "ended",
    direction: "inbound",
    from_number: o.from ?? "+14155550134",
    to_number: o.to ?? "+14155550100",
    start_timestamp: start,
    end_timestamp: start + duration,
    duration_ms: duration,
    transcript: o.transcript ?? "Agent: Thanks for calling Bayview Plumbing, how can I help?\nUser: My water heater is leaking.",
    recording_url: o.recordingUrl ?? "https://recordings.retell.example/rec_123.wav",
    disconnection_reason: o.disconnection ?? "user_hangup",
  };
  if (o.transferTo) call.transfer_destination = o.transferTo;
  if (event === "call_analyzed") {
    call.call_analysis = {
      call_summary: o.summary ?? "Caller reports a leaking water heater and wants a technician this week.",
      user_sentiment: o.sentiment ?? "Neutral",
      call_successful: true,
      in_voicemail: false,
      custom_analysis_data: o.analysis === null ? {} : (o.analysis ?? {}),
    };
  }
  return { event, call };
}

export function genericCall(overrides: Record<string, unknown> = {}) {
  return {
    vendor: "generic",
    vendorCallId: newCallId("gen"),
    eventType: "call.completed",
    stage: "analyzed",
    direction: "inbound",
    fromNumber: "+14155550199",
    toNumber: "+14155550100",
    startedAt: "2026-11-20T17:00:00Z",
    durationMs: 95_000,
    status: "completed",
    caller: {},
    qualification: {},
    ...overrides,
  };
}
