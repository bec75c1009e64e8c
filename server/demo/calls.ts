import { randomBytes } from "node:crypto";
import type { VendorId } from "../calls/record.js";

// The demo's sample calls, one or more per vendor, in each vendor's native format. Made-up people,
// 555 numbers, example.com addresses.
const id = (prefix: string) => `${prefix}_${randomBytes(6).toString("hex")}`;
const at = (minutesAgo: number) => Date.now() - minutesAgo * 60_000;

export function demoCalls(): { vendor: VendorId; label: string; payload: unknown }[] {
  const retellId = id("call");
  const retellCall = (event: string, analysis: boolean) => ({
    event,
    call: {
      call_id: retellId,
      call_type: "phone_call",
      direction: "inbound",
      from_number: "+14155550134",
      to_number: "+14155550100",
      start_timestamp: at(30),
      end_timestamp: at(27),
      duration_ms: 184_000,
      transcript: "Agent: Bayview Plumbing, how can I help?\nUser: Hi, this is Dana Whitfield, my water heater is leaking.",
      recording_url: "https://recordings.retell.example/demo.wav",
      disconnection_reason: "user_hangup",
      ...(analysis
        ? { call_analysis: { call_summary: "Dana's water heater is leaking; wants a technician this week.", user_sentiment: "Positive", in_voicemail: false, custom_analysis_data: { first_name: "Dana", last_name: "Whitfield", email: "dana.whitfield@example.com", zip_code: "94107", intent: "water heater repair", urgency: "high", budget_range: "500-1000" } } }
        : {}),
    },
  });
  return [
    { vendor: "retell", label: "new caller, full info (call_ended)", payload: retellCall("call_ended", false) },
    { vendor: "retell", label: "same call, analysis arrives (call_analyzed)", payload: retellCall("call_analyzed", true) },
    {
      vendor: "retell",
      label: "Spanish-language caller",
      payload: { event: "call_analyzed", call: { call_id: id("call"), direction: "inbound", from_number: "+14155550166", to_number: "+14155550100", start_timestamp: at(25), end_timestamp: at(23), duration_ms: 120_000, transcript: "Agente: Gracias por llamar.\nUsuario: Necesito una cita urgente.", call_analysis: { call_summary: "María necesita una cita urgente por una fuga.", user_sentiment: "Negative", custom_analysis_data: { nombre: "María", apellido: "López", correo: "maria.lopez@example.com", urgencia: "alta", idioma: "español", tipo_de_servicio: "fuga de agua" } } } },
    },
    {
      vendor: "vapi",
      label: "existing caller by phone (Lee, different format)",
      payload: { message: { type: "end-of-call-report", endedReason: "customer-ended-call", call: { id: id("vapi"), type: "inboundPhoneCall" }, customer: { number: "+1 415-555-0177" }, phoneNumber: { number: "+14155550100" }, startedAt: new Date(at(20)).toISOString(), endedAt: new Date(at(18)).toISOString(), artifact: { transcript: "AI: Hello!\nUser: I'd like to move my appointment." }, analysis: { summary: "Lee wants to move next week's appointment.", structuredData: { first_name: "Leo", intent: "reschedule", urgency: "low" } } } },
    },
    {
      vendor: "bland",
      label: "escalated to a person",
      payload: { call_id: id("bland"), from: "+14155550122", to: "+14155550100", inbound: true, completed: true, status: "completed", call_length: 2.5, concatenated_transcript: "assistant: Hello\nuser: I want to talk to a manager about my bill.", summary: "Caller disputes an invoice and asked for a manager.", transferred_to: "+14155550111", variables: { first_name: "Sam" }, analysis: { escalation_reason: "Disputes last month's invoice", urgency: "high" }, started_at: new Date(at(15)).toISOString() },
    },
    {
      vendor: "synthflow",
      label: "new caller, partial info",
      payload: { status: "completed", lead: { name: "", phone_number: "+14155550145" }, call: { call_id: id("sf"), status: "completed", end_call_reason: "human_hangup", duration: 65, start_time: new Date(at(10)).toISOString(), transcript: "Bot: Hi!\nHuman: What are your opening hours?" }, analysis: { call_summary: "Asked for opening hours.", user_sentiment: "neutral" }, collected_variables: { intent: { value: "opening hours", collected: true }, email: { value: "", collected: false } } },
    },
    {
      vendor: "generic",
      label: "existing caller by email (Lee, from another number)",
      payload: { vendor: "generic", vendorCallId: id("gen"), eventType: "call.completed", stage: "analyzed", fromNumber: "+14155550199", startedAt: new Date(at(5)).toISOString(), durationMs: 90_000, caller: { email: "LEE.OKAFOR@example.com" }, summary: "Lee asked for a quote for a second bathroom.", intent: "quote", qualification: { project_type: "bathroom remodel" } },
    },
  ];
}
