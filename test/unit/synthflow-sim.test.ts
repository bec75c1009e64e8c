import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSynthflowSim, type SynthflowSim } from "../../simulators/vendors-api/synthflow.js";

// The Synthflow recordings simulator is as unkind as the service: links that expire, a forged one
// refused, another account's call not found, the same fresh link while it lasts.

const DAY_MS = 24 * 60 * 60_000;
let sim: SynthflowSim;
beforeAll(async () => {
  sim = await startSynthflowSim();
});
afterAll(async () => sim?.close());

const ask = (callId: string, apiKey?: string) => fetch(`${sim.url}/calls/${callId}/recording`, { redirect: "manual", headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });

describe("Synthflow recordings simulator", () => {
  it("a webhook link plays until 24 h after it was issued, then 400 ExpiredToken; a forged one 403", async () => {
    const { apiKey } = sim.addAccount();
    sim.addRecording(apiKey, "sf_sim_1", Buffer.from("RIFFaudio"));
    const link = sim.webhookLink("sf_sim_1");
    const fresh = await fetch(link);
    expect([fresh.status, fresh.headers.get("content-type"), await fresh.text()]).toEqual([200, "audio/wav", "RIFFaudio"]);
    sim.advance(DAY_MS + 1_000);
    const expired = await fetch(link);
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain("<Code>ExpiredToken</Code>");
    const forged = await fetch(link.replace(/X-Goog-Signature=[0-9a-f]+/, `X-Goog-Signature=${"0".repeat(64)}`));
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain("<Code>SignatureDoesNotMatch</Code>");
  });

  it("the API answers 302 to a fresh link (the same one while it lasts) for its own account only", async () => {
    const { apiKey } = sim.addAccount();
    const other = sim.addAccount();
    sim.addRecording(apiKey, "sf_sim_2", Buffer.from("RIFFmore"));
    expect((await ask("sf_sim_2")).status).toBe(401);
    expect(await (await ask("sf_sim_2", "sf_wrong")).json()).toEqual({ detail: "Invalid API key" });
    expect((await ask("sf_sim_2", other.apiKey)).status).toBe(404);
    expect((await ask("sf_nobody", apiKey)).status).toBe(404);
    const first = await ask("sf_sim_2", apiKey);
    expect(first.status).toBe(302);
    const location = first.headers.get("location")!;
    expect((await ask("sf_sim_2", apiKey)).headers.get("location")).toBe(location);
    expect(await (await fetch(location)).text()).toBe("RIFFmore");
    sim.advance(DAY_MS + 1_000);
    const renewed = (await ask("sf_sim_2", apiKey)).headers.get("location")!;
    expect(renewed).not.toBe(location);
    expect((await fetch(renewed)).status).toBe(200);
  });
});
