import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { vendors } from "../../../server/vendors/registry.js";
import type { VendorId } from "../../../server/calls/record.js";
import { normaliseLanguage, normaliseSentiment, normaliseUrgency, questionKey, splitExtraction } from "../../../server/vendors/normalise.js";
import { callRecordSchema } from "../../../server/calls/record.js";

const fixture = (vendor: VendorId, name: string) => JSON.parse(readFileSync(`server/vendors/${vendor}/fixtures/${name}.json`, "utf8"));
const call = (vendor: VendorId, name: string) => {
  const result = vendors[vendor].parse(fixture(vendor, name));
  if (result.kind !== "call") throw new Error(`${vendor}/${name}: ${result.kind} ${"reason" in result ? result.reason : ""}`);
  // As ingest stores it: the vendor's record through the canonical schema.
  return callRecordSchema.parse(result.record);
};
const PLACEHOLDERS = ["", "unknown", "n/a", "desconocido"];
const noPlaceholders = (value: unknown): void => {
  if (typeof value === "string") expect(PLACEHOLDERS).not.toContain(value.toLowerCase());
  else if (value && typeof value === "object") Object.values(value).forEach(noPlaceholders);
};

describe("retell", () => {
  it("maps a full call_analyzed to canonical fields and qualification answers", () => {
    const r = call("retell", "call_analyzed_full");
    expect(r).toMatchObject({ vendorCallId: "call_f1a2b3", stage: "analyzed", fromNumber: "+14155550134", durationMs: 184000, startedAt: "2026-11-20T16:00:00.000Z", status: "completed", disposition: "info_only", intent: "water heater repair", urgency: "high", sentiment: { label: "positive" } });
    expect(r.caller).toMatchObject({ firstName: "Dana", lastName: "Whitfield", email: "Dana.Whitfield@example.com", zip: "94107" });
    expect(r.qualification).toEqual({ budget_range: "500-1000", property_type: "single family" });
    expect(r.summary).toContain("water heater");
  });

  it("call_ended carries no analysis and leaves absent what it does not know", () => {
    const r = call("retell", "call_ended_partial");
    expect(r.stage).toBe("ended");
    expect(r.durationMs).toBe(30000);
    expect(r.summary).toBeUndefined();
    expect(r.disposition).toBeUndefined();
    expect(r.caller).toEqual({});
  });

  it("a Spanish call fills the same language-neutral values", () => {
    const r = call("retell", "call_analyzed_spanish");
    expect(r).toMatchObject({ language: "es", urgency: "high", sentiment: { label: "negative" } });
    expect(r.caller).toMatchObject({ firstName: "María", lastName: "López", email: "maria.lopez@example.com", zip: "94110" });
    expect(r.qualification).toEqual({ tipo_de_servicio: "fuga de agua" });
    noPlaceholders(r);
  });

  it("a transferred call is escalated with the reason and destination", () => {
    expect(call("retell", "call_analyzed_transfer")).toMatchObject({ disposition: "escalated", escalation: { reason: "Disputes last month's invoice", transferredTo: "+14155550111" } });
  });

  it("voicemail, and an Unknown sentiment is absent", () => {
    const r = call("retell", "call_analyzed_voicemail");
    expect(r).toMatchObject({ status: "voicemail", disposition: "voicemail", direction: "outbound" });
    expect(r.sentiment).toBeUndefined();
  });

  it("ignores events with nothing to sync and explains a broken payload", () => {
    expect(vendors.retell.parse({ event: "call_started", call: { call_id: "x" } }).kind).toBe("ignored");
    expect(vendors.retell.parse({ event: "call_ended", call: {} })).toMatchObject({ kind: "invalid", reason: expect.stringContaining("call.call_id") });
    expect(vendors.retell.parse({ call: {} })).toMatchObject({ kind: "invalid", reason: expect.stringContaining("event") });
  });
});

describe("vapi", () => {
  it("maps an end-of-call-report", () => {
    const r = call("vapi", "end_of_call_report");
    expect(r).toMatchObject({ vendorCallId: "vapi_c1", fromNumber: "+14155550177", toNumber: "+14155550100", durationMs: 120000, recordingUrl: "https://storage.vapi.example/rec/c1-mono.wav", intent: "reschedule", urgency: "low" });
    expect(r.caller.firstName).toBe("Lee");
    expect(r.qualification).toEqual({ preferred_day: "Thursday" });
  });

  it("accepts the legacy top-level fields", () => {
    expect(call("vapi", "legacy_report")).toMatchObject({ fromNumber: "+14155550133", durationMs: 21500, summary: "Left a voicemail.", status: "voicemail", recordingUrl: "https://storage.vapi.example/rec/c2.wav" });
  });

  it("ignores other server messages", () => {
    expect(vendors.vapi.parse(fixture("vapi", "status_update")).kind).toBe("ignored");
  });
});

describe("bland", () => {
  it("maps a transferred call; Bland's own variables are not answers", () => {
    const r = call("bland", "completed_transfer");
    expect(r).toMatchObject({ durationMs: 150000, disposition: "escalated", urgency: "high", escalation: { reason: "Disputes last month's invoice", transferredTo: "+14155550111" } });
    expect(r.qualification).toEqual({ account_type: "residential" });
    expect(r.caller.firstName).toBe("Sam");
  });

  it("voicemail on an outbound call", () => {
    expect(call("bland", "voicemail")).toMatchObject({ status: "voicemail", disposition: "voicemail", direction: "outbound", toNumber: "+14155550190" });
  });
});

describe("synthflow", () => {
  it("only collected variables count, and placeholders are dropped", () => {
    const r = call("synthflow", "completed_partial");
    expect(r).toMatchObject({ fromNumber: "+14155550145", durationMs: 65000, intent: "opening hours", sentiment: { label: "neutral" } });
    expect(r.caller).toEqual({});
    noPlaceholders(r);
  });

  it("an appointment booked on the call is disposition booked", () => {
    expect(call("synthflow", "booked")).toMatchObject({ disposition: "booked", caller: { fullName: "Avery Chen" }, qualification: { service: "consultation" } });
  });

  it("a call that was not answered keeps its status although Synthflow also sends an end reason", () => {
    // call.status says what happened to the call (no-answer, busy, failed); end_call_reason how a
    // conversation ended, and it is there on nearly every call (docs.synthflow.ai, post-call webhook).
    for (const [status, expected] of [["no-answer", "no_answer"], ["busy", "busy"], ["failed", "failed"], ["completed", "completed"]] as const) {
      const body = fixture("synthflow", "completed_partial");
      body.call = { ...body.call, status, end_call_reason: "undefined" };
      expect((vendors.synthflow.parse(body) as { record: { status: string } }).record.status, status).toBe(expected);
    }
    const voicemail = fixture("synthflow", "completed_partial");
    voicemail.call = { ...voicemail.call, status: "completed", end_call_reason: "voicemail" };
    expect((vendors.synthflow.parse(voicemail) as { record: { status: string } }).record.status).toBe("voicemail");
  });
});

describe("generic", () => {
  it("takes the canonical record as it is, and refuses what does not fit it with the field named", () => {
    expect(call("generic", "full")).toMatchObject({ vendorCallId: "gen_c1", qualification: { project_type: "bathroom remodel" } });
    const broken = { ...fixture("generic", "full"), urgency: "whenever", recordingUrl: "ftp:/x" };
    expect(vendors.generic.parse(broken)).toMatchObject({ kind: "invalid", reason: expect.stringMatching(/urgency[\s\S]*recordingUrl|recordingUrl[\s\S]*urgency/) });
  });
});

describe("normalisers", () => {
  it("urgency in English, Spanish and numbers", () => {
    expect(["urgent", "Alta", "ASAP", "hoy"].map(normaliseUrgency)).toEqual(["high", "high", "high", "high"]);
    expect(["Emergencia", "critical", 10].map(normaliseUrgency)).toEqual(["emergency", "emergency", "emergency"]);
    expect(["baja", "not urgent", 2].map(normaliseUrgency)).toEqual(["low", "low", "low"]);
    expect(normaliseUrgency("sometime maybe")).toBeUndefined();
  });

  it("sentiment labels and scores", () => {
    expect(normaliseSentiment("Positivo")).toEqual({ label: "positive" });
    expect(normaliseSentiment(-0.7)).toEqual({ label: "negative", score: -0.7 });
    expect(normaliseSentiment(80)).toEqual({ label: "positive", score: 0.8 });
    expect(normaliseSentiment("Unknown")).toBeUndefined();
  });

  it("languages", () => {
    expect(["Spanish", "español", "es-MX", "es", "ENGLISH"].map(normaliseLanguage)).toEqual(["es", "es", "es", "es", "en"]);
    expect(normaliseLanguage("Klingon")).toBeUndefined();
  });

  it("question keys", () => {
    expect(["Budget Range", "tipoDeProyecto", "¿Tipo de servicio?", "2nd opinion"].map(questionKey)).toEqual(["budget_range", "tipo_de_proyecto", "tipo_de_servicio", "q_2nd_opinion"]);
  });

  it("splits canonical fields from answers and drops placeholders", () => {
    const e = splitExtraction({ Name: "Dana Whitfield", correo: "dana@example.com", urgencia: "alta", budget: "N/A", roof_age: 12, nested: { a: 1 } });
    expect(e.caller).toEqual({ fullName: "Dana Whitfield", email: "dana@example.com" });
    expect(e.urgency).toBe("high");
    expect(e.qualification).toEqual({ roof_age: 12 });
  });
});
