import { afterAll, beforeAll, describe, expect, it } from "vitest";
import express from "express";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { chromium, type Browser } from "playwright-core";
import { startStack, TEST_PUBLIC_BASE_URL, type Stack } from "../support/harness.js";
import { playerUrl } from "../../server/recordings/links.js";

// The recording player page in a real browser (Debian's Chromium, installed by
// scripts/ensure-chromium.sh): it loads over a short-lived signed link and plays the audio, which
// the backend copied from the vendor; expired and forged links are refused.

/** One second of a 440 Hz tone, 8 kHz mono 16-bit PCM WAV. */
function toneWav(seconds = 1, rate = 8000): Buffer {
  const samples = seconds * rate;
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 12000), i * 2);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

let stack: Stack;
let browser: Browser;
let vendor: Server;
let vendorHits = 0;
let callId: string;

beforeAll(async () => {
  // The vendor's recording host: serves the file once, then "expires" it like Retell's signed links.
  const app = express().get("/rec.wav", (_req, res) => {
    vendorHits++;
    if (vendorHits > 1) return void res.status(403).send("expired");
    res.type("audio/wav").send(toneWav());
  });
  vendor = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  stack = await startStack({ role: "web" });
  const portalId = await stack.install();
  const connection = await stack.connect(portalId, "generic");
  const row = await stack.app.runtime.db.call.create({
    data: {
      portalId,
      connectionId: connection.id,
      vendor: "generic",
      vendorCallId: "rec-test",
      record: { vendor: "generic", vendorCallId: "rec-test", eventType: "call.completed", stage: "analyzed", caller: {}, qualification: {}, startedAt: "2026-11-20T16:00:00.000Z", recordingUrl: `http://127.0.0.1:${(vendor.address() as AddressInfo).port}/rec.wav` },
    },
  });
  callId = row.id;
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  vendor?.close();
});

const local = (url: string) => url.replace(TEST_PUBLIC_BASE_URL, stack.url);

describe("recording player", () => {
  it("plays the recording, also after the vendor's link has expired", async () => {
    for (let round = 0; round < 2; round++) {
      const page = await browser.newPage();
      const response = await page.goto(local(playerUrl(stack.env.PUBLIC_BASE_URL, stack.env.ENCRYPTION_KEY, callId)));
      expect(response?.status()).toBe(200);
      const played = await page.evaluate(async () => {
        const audio = document.querySelector("audio")!;
        await audio.play();
        // Until the playback clock has moved past 0.1 s (or given up): on a busy machine it starts late.
        const deadline = Date.now() + 10_000;
        while (audio.currentTime <= 0.1 && !audio.ended && !audio.error && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        return { duration: audio.duration, currentTime: audio.currentTime, error: audio.error?.message ?? null };
      });
      expect(played.error).toBeNull();
      expect(played.duration).toBeCloseTo(1, 1);
      expect(played.currentTime).toBeGreaterThan(0.1);
      await page.close();
    }
    // The vendor was asked once; the second playback came from our copy.
    expect(vendorHits).toBe(1);
  });

  it("seeks: the audio element's range requests are answered 206, and a jump lands where asked", async () => {
    const page = await browser.newPage();
    const ranges: { status: number; range: string | null; contentRange: string | null }[] = [];
    page.on("response", (response) => {
      if (response.url().includes("/stream")) ranges.push({ status: response.status(), range: response.request().headers().range ?? null, contentRange: response.headers()["content-range"] ?? null });
    });
    await page.goto(local(playerUrl(stack.env.PUBLIC_BASE_URL, stack.env.ENCRYPTION_KEY, callId)));
    const seeked = await page.evaluate(async () => {
      const audio = document.querySelector("audio")!;
      await audio.play();
      audio.pause();
      audio.currentTime = 0.8;
      await new Promise((resolve) => audio.addEventListener("seeked", resolve, { once: true }));
      return { currentTime: audio.currentTime, error: audio.error?.message ?? null };
    });
    expect(seeked.error).toBeNull();
    expect(seeked.currentTime).toBeGreaterThanOrEqual(0.79);
    // Chromium asks for the audio by range; every such answer is a 206 with the bytes it names.
    const ranged = ranges.filter((r) => r.range);
    expect(ranged.length).toBeGreaterThan(0);
    for (const r of ranged) {
      expect(r.status).toBe(206);
      expect(r.contentRange).toMatch(/^bytes \d+-\d+\/16044$/);
    }
    // A range asked by hand: exactly those bytes.
    const partial = await fetch(local(playerUrl(stack.env.PUBLIC_BASE_URL, stack.env.ENCRYPTION_KEY, callId)).replace("/player", "/stream"), { headers: { range: "bytes=100-199" } });
    await page.close();
    expect(partial.status).toBe(206);
    expect(partial.headers.get("content-range")).toBe("bytes 100-199/16044");
    expect((await partial.arrayBuffer()).byteLength).toBe(100);
  }, 30_000);

  it("refuses an expired or forged link", async () => {
    const page = await browser.newPage();
    const expired = await page.goto(local(playerUrl(stack.env.PUBLIC_BASE_URL, stack.env.ENCRYPTION_KEY, callId, Date.now() - 11 * 60_000)));
    expect(expired?.status()).toBe(403);
    expect(await page.textContent("h1")).toContain("expired");
    const forged = await page.goto(local(playerUrl(stack.env.PUBLIC_BASE_URL, stack.env.ENCRYPTION_KEY, callId)).replace(/sig=[^&]+/, "sig=AAAA"));
    expect(forged?.status()).toBe(403);
    await page.close();
  });
});
