import { describe, expect, it } from "vitest";
import { Webhook } from "standardwebhooks";
import { vendors } from "../../../server/vendors/registry.js";
import type { VendorId } from "../../../server/calls/record.js";
import { signRetell } from "../../../server/vendors/retell/verify.js";

// A sign -> verify round trip and a tampered body per vendor, on the raw bytes.

const SECRETS: Record<VendorId, string> = {
  retell: "key_retell_0123456789abcdef",
  vapi: "vapi-server-secret-0123",
  bland: "bland-webhook-secret-0123",
  synthflow: "synthflow-secret-0123",
  generic: `whsec_${Buffer.from("generic-secret-0123456789abcdef").toString("base64")}`,
};
const NOW = Date.parse("2026-11-20T16:00:00Z");
const body = (vendor: VendorId) => Buffer.from(JSON.stringify(vendor === "synthflow" ? { call: { call_id: "sf_1" }, lead: { phone_number: "+14155550134" } } : { call_id: "c1", note: "Dana called at 4 pm" }));
const lower = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

describe.each(Object.keys(vendors) as VendorId[])("%s signatures", (vendor) => {
  const adapter = vendors[vendor];

  it("verifies what it signs", async () => {
    const raw = body(vendor);
    const headers = lower(await adapter.sign(raw, SECRETS[vendor], NOW));
    expect(await adapter.verify({ rawBody: raw, headers, now: NOW + 1_000 }, SECRETS[vendor])).toEqual({ ok: true });
  });

  it("refuses a tampered body, a wrong secret and a missing signature", async () => {
    const raw = body(vendor);
    const headers = lower(await adapter.sign(raw, SECRETS[vendor], NOW));
    // Synthflow signs only the call id: tampering elsewhere is not detectable (documented weakness),
    // so its tamper test changes the call id.
    const tampered = Buffer.from(vendor === "synthflow" ? raw.toString().replace("sf_1", "sf_2") : raw.toString().replace("4 pm", "5 pm"));
    expect(await adapter.verify({ rawBody: tampered, headers, now: NOW }, SECRETS[vendor])).toMatchObject({ ok: false, reason: expect.stringMatching(/mismatch/) });
    const wrong = SECRETS[vendor].replace(/.$/, (c) => (c === "A" ? "B" : "A")).replace("_", "_Z");
    expect((await adapter.verify({ rawBody: raw, headers, now: NOW }, wrong)).ok).toBe(false);
    expect(await adapter.verify({ rawBody: raw, headers: {}, now: NOW }, SECRETS[vendor])).toMatchObject({ ok: false, reason: expect.stringMatching(/missing/) });
  });

  if (vendor === "retell" || vendor === "generic" || vendor === "vapi") {
    it("refuses a signature outside the 5-minute window", async () => {
      const raw = body(vendor);
      const headers = lower(await adapter.sign(raw, SECRETS[vendor], NOW));
      expect(await adapter.verify({ rawBody: raw, headers, now: NOW + 6 * 60_000 }, SECRETS[vendor])).toMatchObject({ ok: false, reason: expect.stringMatching(/window/) });
    });
  }
});

describe("vendor-specific schemes", () => {
  it("synthflow: the signature in the header its docs name (HTTP_SYNTHFLOW_SIGNATURE), under either spelling it can arrive with", async () => {
    const raw = body("synthflow");
    const signed = await vendors.synthflow.sign(raw, SECRETS.synthflow);
    expect(Object.keys(signed)).toEqual(["HTTP_SYNTHFLOW_SIGNATURE"]);
    const signature = Object.values(signed)[0]!;
    for (const name of ["http_synthflow_signature", "synthflow-signature", "x-synthflow-signature"]) {
      expect(await vendors.synthflow.verify({ rawBody: raw, headers: { [name]: signature }, now: NOW }, SECRETS.synthflow), name).toEqual({ ok: true });
    }
  });

  it("synthflow: an inbound-call webhook without a call id cannot be checked, and says so", async () => {
    const raw = Buffer.from(JSON.stringify({ event: "call_inbound", call_inbound: { model_id: "m_1", from_number: "+14155550134", to_number: "+14155550100" } }));
    expect(await vendors.synthflow.verify({ rawBody: raw, headers: { http_synthflow_signature: "c2lnbmF0dXJl" }, now: NOW }, SECRETS.synthflow)).toMatchObject({ ok: false, unverifiable: true });
    expect(await vendors.synthflow.verify({ rawBody: raw, headers: {}, now: NOW }, SECRETS.synthflow)).toMatchObject({ ok: false, unverifiable: true });
    // A post-call webhook without one is not a Synthflow delivery at all.
    expect(await vendors.synthflow.verify({ rawBody: Buffer.from("{}"), headers: { http_synthflow_signature: "c2lnbmF0dXJl" }, now: NOW }, SECRETS.synthflow)).toEqual({ ok: false, reason: expect.stringMatching(/call_id missing/) });
  });

  it("retell: our signature has the SDK's format v=<ms>,d=<hex>", async () => {
    const headers = await signRetell(Buffer.from("{}"), SECRETS.retell, NOW);
    expect(headers["x-retell-signature"]).toMatch(new RegExp(`^v=${NOW},d=[0-9a-f]{64}$`));
  });

  it("vapi: accepts a bearer token or the legacy X-Vapi-Secret, constant-time, and nothing else", async () => {
    const raw = Buffer.from("{}");
    expect(await vendors.vapi.verify({ rawBody: raw, headers: { authorization: `Bearer ${SECRETS.vapi}` }, now: NOW }, SECRETS.vapi)).toEqual({ ok: true });
    expect(await vendors.vapi.verify({ rawBody: raw, headers: { "x-vapi-secret": SECRETS.vapi }, now: NOW }, SECRETS.vapi)).toEqual({ ok: true });
    expect((await vendors.vapi.verify({ rawBody: raw, headers: { authorization: "Bearer guess" }, now: NOW }, SECRETS.vapi)).ok).toBe(false);
    expect((await vendors.vapi.verify({ rawBody: raw, headers: { "x-vapi-secret": SECRETS.vapi.slice(0, -1) }, now: NOW }, SECRETS.vapi)).ok).toBe(false);
  });

  it("generic: interoperates with the standardwebhooks package both ways", async () => {
    const raw = Buffer.from(JSON.stringify({ hello: "world" }));
    const wh = new Webhook(SECRETS.generic);
    const id = "msg_1";
    const date = new Date();
    const theirs = { "webhook-id": id, "webhook-timestamp": String(Math.floor(date.getTime() / 1000)), "webhook-signature": wh.sign(id, date, raw.toString()) };
    expect(await vendors.generic.verify({ rawBody: raw, headers: theirs, now: date.getTime() }, SECRETS.generic)).toEqual({ ok: true });
    const ours = await vendors.generic.sign(raw, SECRETS.generic, Date.now());
    expect(() => wh.verify(raw.toString(), ours)).not.toThrow();
  });
});
