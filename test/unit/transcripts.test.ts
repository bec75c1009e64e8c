import { describe, expect, it } from "vitest";
import { vendors } from "../../server/vendors/registry.js";
import { callRecordSchema, type CallRecord } from "../../server/calls/record.js";
import { languageTag, localeOf, splitTurns, timedTurns, transcriptTurns } from "../../server/calls/transcript.js";
import { hubspotUtterances } from "../../server/sync/call-extensions.js";
import { byteRange } from "../../server/recordings/range.js";
import { missingOptionalPermissions } from "../../server/hubspot/scopes.js";

// Each vendor's structured transcript as turns, text split by speaker, the language tag each turn
// carries to HubSpot, the times HubSpot requires, and the byte ranges HubSpot's player seeks with.

const parsed = (vendor: keyof typeof vendors, body: unknown): CallRecord => {
  const result = vendors[vendor].parse(body);
  if (result.kind !== "call") throw new Error(`${vendor}: ${result.kind}`);
  return callRecordSchema.parse(result.record);
};

describe("vendors' structured transcripts", () => {
  it("Retell transcript_object: roles and word times in seconds", () => {
    const r = parsed("retell", {
      event: "call_ended",
      call: {
        call_id: "call_t1",
        transcript_object: [
          { role: "agent", content: "Hello, Bayview Plumbing.", words: [{ word: "Hello,", start: 0.5, end: 0.8 }, { word: "Plumbing.", start: 1.2, end: 1.75 }] },
          { role: "user", content: "  ", words: [] },
          { role: "user", content: "My heater leaks.", words: [{ word: "My", start: 2, end: 2.1 }, { word: "leaks.", start: 3, end: 3.4 }] },
        ],
        retell_llm_dynamic_variables: { language: "es-mx" },
      },
    });
    expect(r.utterances).toEqual([
      { speaker: "agent", text: "Hello, Bayview Plumbing.", startMs: 500, endMs: 1750 },
      { speaker: "caller", text: "My heater leaks.", startMs: 2000, endMs: 3400 },
    ]);
    expect([r.language, r.locale]).toEqual(["es", "es-MX"]);
  });

  it("Vapi artifact.messages: the bot's and the user's turns, not system prompts or tool calls", () => {
    const r = parsed("vapi", {
      message: {
        type: "end-of-call-report",
        call: { id: "vapi_t1" },
        artifact: {
          messages: [
            { role: "system", message: "You are a receptionist.", time: 1, secondsFromStart: 0 },
            { role: "bot", message: "Hi, how can I help?", time: 1_795_190_400_500, endTime: 1_795_190_402_000, secondsFromStart: 0.5 },
            { role: "tool_calls", message: "", time: 1_795_190_402_500, secondsFromStart: 2.5 },
            { role: "user", message: "Move my appointment.", time: 1_795_190_403_000, endTime: 1_795_190_404_250, secondsFromStart: 3 },
          ],
        },
      },
    });
    expect(r.utterances).toEqual([
      { speaker: "agent", text: "Hi, how can I help?", startMs: 500, endMs: 2000 },
      { speaker: "caller", text: "Move my appointment.", startMs: 3000, endMs: 4250 },
    ]);
  });

  it("Bland transcripts: timed from the call's start, a turn ending where the next begins; actions left out", () => {
    const r = parsed("bland", {
      call_id: "bland_t1",
      started_at: "2026-11-20T16:00:00.000Z",
      end_at: "2026-11-20T16:00:09.000Z",
      transcripts: [
        { id: 1, user: "assistant", text: "Hello", created_at: "2026-11-20T16:00:01.000Z" },
        { id: 2, user: "agent-action", text: "transferring", created_at: "2026-11-20T16:00:02.000Z" },
        { id: 3, user: "user", text: "I want a manager.", created_at: "2026-11-20T16:00:04.000Z" },
      ],
    });
    expect(r.utterances).toEqual([
      { speaker: "agent", text: "Hello", startMs: 1000, endMs: 4000 },
      { speaker: "caller", text: "I want a manager.", startMs: 4000, endMs: 9000 },
    ]);
  });

  it("a vendor without a structured transcript has none; its text is split by speaker label at sync", () => {
    const r = parsed("synthflow", { status: "completed", call: { call_id: "sf_t1", transcript: "Bot: Booked you for Tuesday.\nHuman: Thanks!\nsee you" } });
    expect(r.utterances ?? null).toBeNull();
    expect(transcriptTurns(r)).toEqual([
      { speaker: "agent", text: "Booked you for Tuesday." },
      { speaker: "caller", text: "Thanks! see you" },
    ]);
  });
});

describe("turns for HubSpot", () => {
  it("text with no speaker labels has no turns", () => {
    expect(splitTurns("Just a summary of the call.")).toEqual([]);
    expect(splitTurns(null)).toEqual([]);
  });

  it("every turn gets a start and a later end; untimed ones share out the call's length", () => {
    const timed = timedTurns([{ speaker: "agent", text: "aaaa" }, { speaker: "caller", text: "bbbbbbbbbbbb", startMs: 4_000, endMs: 4_000 }], 16_000);
    expect(timed).toEqual([
      { speaker: "agent", text: "aaaa", startMs: 0, endMs: 4_000 },
      { speaker: "caller", text: "bbbbbbbbbbbb", startMs: 4_000, endMs: 16_000 },
    ]);
    for (const t of timedTurns([{ speaker: "agent", text: "x" }], null)) expect(t.endMs).toBeGreaterThan(t.startMs);
  });

  it("the language tag: the vendor's region kept, a bare language given its usual region, unknown left to HubSpot's default", () => {
    expect(languageTag({ language: "es", locale: null })).toBe("es-ES");
    expect(languageTag({ language: "es", locale: "es-MX" })).toBe("es-MX");
    expect(languageTag({ language: "en", locale: "es-MX" })).toBe("en-US");
    expect(languageTag({ language: null, locale: null })).toBeNull();
    expect(localeOf("multi")).toBeUndefined();
    const record = callRecordSchema.parse({ vendor: "generic", vendorCallId: "g1", eventType: "x", stage: "analyzed", language: "fr", transcript: "Agent: Bonjour\nUser: Salut" });
    expect(hubspotUtterances(record, null).map((u) => [u.speaker.name, u.languageCode])).toEqual([["AI receptionist", "fr-FR"], ["Caller", "fr-FR"]]);
  });
});

describe("byte ranges", () => {
  it.each([
    [undefined, { kind: "whole" }],
    ["bytes=0-99", { kind: "partial", start: 0, end: 99 }],
    ["bytes=900-", { kind: "partial", start: 900, end: 999 }],
    ["bytes=990-5000", { kind: "partial", start: 990, end: 999 }],
    ["bytes=-10", { kind: "partial", start: 990, end: 999 }],
    ["bytes=-5000", { kind: "partial", start: 0, end: 999 }],
    ["bytes=1000-", { kind: "unsatisfiable" }],
    ["bytes=50-10", { kind: "unsatisfiable" }],
    ["bytes=0-1,5-9", { kind: "whole" }],
    ["items=0-5", { kind: "whole" }],
  ])("%s of 1000 bytes", (header, answer) => {
    expect(byteRange(header, 1000)).toEqual(answer);
  });
});

describe("optional permissions", () => {
  it("the missing ones, the two transcript scopes as one gain", () => {
    expect(missingOptionalPermissions(["scheduler.meetings.meeting-link.read", "crm.objects.leads.write"])).toEqual([
      { scopes: ["crm.extensions_calling_transcripts.read", "crm.extensions_calling_transcripts.write"], gain: expect.stringMatching(/HubSpot's own transcript viewer/) },
    ]);
    expect(missingOptionalPermissions(["scheduler.meetings.meeting-link.read", "crm.extensions_calling_transcripts.read", "crm.extensions_calling_transcripts.write"])).toEqual([
      { scopes: ["crm.objects.leads.write"], gain: expect.stringMatching(/Lead/) },
    ]);
    expect(missingOptionalPermissions(["scheduler.meetings.meeting-link.read", "crm.extensions_calling_transcripts.read", "crm.extensions_calling_transcripts.write", "crm.objects.leads.write"])).toEqual([]);
  });
});
