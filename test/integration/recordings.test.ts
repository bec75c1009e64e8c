import { afterAll, beforeAll, describe, expect, it } from "vitest";
import express from "express";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { startStack, TEST_PUBLIC_BASE_URL, type Connection, type Stack } from "../support/harness.js";
import { newCallId, retellCall } from "../support/payloads.js";
import { audioUrl, playerUrl } from "../../server/recordings/links.js";

// Recording URLs come from vendor payloads, so they are not ours to trust: a URL pointing at our own
// network must not be fetched, and whatever answers must not end up served from our origin as a page.
// One stack behaves as production (ALLOW_PRIVATE_NETWORK_FETCH=false), one as tests and local
// development (true, so the 127.0.0.1 host below can be reached at all).

let production: Stack;
let local: Stack;
let host: Server;
let hostBase: string;
const hostHits: string[] = [];
const connections = new Map<Stack, Connection>();

const WAV = Buffer.concat([Buffer.from("RIFF"), Buffer.alloc(40, 1)]);
const SCRIPT_PAGE = "<!doctype html><script>fetch('/ui/v1/status').then(r => r.text()).then(alert)</script>";

beforeAll(async () => {
  const app = express()
    .get("/page.wav", (req, res) => {
      hostHits.push(req.path);
      res.type("text/html").send(SCRIPT_PAGE);
    })
    .get("/tone.wav", (req, res) => {
      hostHits.push(req.path);
      res.type("audio/wav").send(WAV);
    });
  host = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  hostBase = `127.0.0.1:${(host.address() as AddressInfo).port}`;
  [production, local] = await Promise.all([startStack({ env: { ALLOW_PRIVATE_NETWORK_FETCH: "false" } }), startStack({ env: { ALLOW_PRIVATE_NETWORK_FETCH: "true" } })]);
  for (const stack of [production, local]) connections.set(stack, await stack.connect(await stack.install(), "retell"));
});

afterAll(async () => {
  await Promise.all([production?.stop(), local?.stop()]);
  host?.close();
});

/** Delivers a vendor-signed call whose recording is at `recordingUrl`; returns our call id. */
async function callWithRecording(stack: Stack, recordingUrl: string): Promise<string> {
  const payload = retellCall("call_analyzed", { callId: newCallId(), recordingUrl });
  expect((await stack.deliver(connections.get(stack)!, payload)).status).toBe(202);
  const row = await stack.waitFor(() => stack.app.runtime.db.call.findFirst({ where: { vendorCallId: payload.call.call_id as string } }), { what: "call stored" });
  return row.id;
}

/** The stable link HubSpot keeps on the Call, asked over our local listener. */
const stableLink = (stack: Stack, callId: string) => audioUrl(stack.env.PUBLIC_BASE_URL, stack.env.ENCRYPTION_KEY, callId, "wav").replace(TEST_PUBLIC_BASE_URL, stack.url);

describe("recording URLs from vendor payloads", () => {
  it("a URL on our own network is not fetched, stored or served (production setting)", async () => {
    for (const url of [`http://${hostBase}/page.wav`, `https://${hostBase}/page.wav`, `https://localhost:${hostBase.split(":")[1]}/page.wav`, `http://[::ffff:127.0.0.1]:${hostBase.split(":")[1]}/page.wav`]) {
      const callId = await callWithRecording(production, url);
      const response = await fetch(stableLink(production, callId));
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).not.toMatch(/html/);
      expect(await production.app.runtime.db.recording.count({ where: { callId } })).toBe(0);
    }
    expect(hostHits).toEqual([]);
  });

  it("an answer that is not audio is not stored, even from a host we may reach", async () => {
    const callId = await callWithRecording(local, `http://${hostBase}/page.wav`);
    const response = await fetch(stableLink(local, callId));
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain("<script>");
    expect(hostHits).toContain("/page.wav");
    expect(await local.app.runtime.db.recording.count({ where: { callId } })).toBe(0);
  });
});

describe("serving stored recordings", () => {
  it("audio is served inert: nosniff, a sandboxing CSP, a download name, and embeddable by HubSpot's player", async () => {
    const callId = await callWithRecording(local, `http://${hostBase}/tone.wav`);
    const player = playerUrl(local.env.PUBLIC_BASE_URL, local.env.ENCRYPTION_KEY, callId).replace(TEST_PUBLIC_BASE_URL, local.url);
    for (const link of [stableLink(local, callId), player.replace("/player?", "/stream?")]) {
      const response = await fetch(link);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(WAV)).toBe(true);
      expect(response.headers.get("content-type")).toBe("audio/wav");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
      expect(response.headers.get("content-disposition")).toBe(`inline; filename="call-${callId}.wav"`);
      // HubSpot's own call player loads the stable link from its origin.
      expect(response.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    }
  });

  it("a stored copy whose type is not audio (kept from before this check) is served as bytes, not as a page", async () => {
    const callId = await callWithRecording(local, "https://recordings.retell.example/none.wav");
    await local.app.runtime.db.recording.create({ data: { callId, portalId: (await local.app.runtime.db.call.findUniqueOrThrow({ where: { id: callId } })).portalId, contentType: "text/html", audio: Buffer.from(SCRIPT_PAGE) } });
    const response = await fetch(stableLink(local, callId));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(response.headers.get("content-disposition")).toBe(`inline; filename="call-${callId}.bin"`);
  });

  it("the player page keeps its own CSP and can be framed by HubSpot", async () => {
    const callId = await callWithRecording(local, `http://${hostBase}/tone.wav`);
    const response = await fetch(playerUrl(local.env.PUBLIC_BASE_URL, local.env.ENCRYPTION_KEY, callId).replace(TEST_PUBLIC_BASE_URL, local.url));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; frame-ancestors https://*.hubspot.com https://*.hubspotqa.com");
    expect(response.headers.get("x-frame-options")).toBeNull();
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
  });
});

describe("security headers", () => {
  it("every response carries them (helmet's defaults for the JSON API)", async () => {
    for (const path of ["/healthz", "/no-such-route", "/webhooks/unknown-token"]) {
      const response = await fetch(`${production.url}${path}`, path.startsWith("/webhooks") ? { method: "POST", body: "{}" } : {});
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(response.headers.get("x-frame-options"), path).toBe("SAMEORIGIN");
      expect(response.headers.get("strict-transport-security"), path).toMatch(/max-age=\d+/);
      // Express's own 404 page replaces helmet's CSP with a stricter one (default-src 'none').
      expect(response.headers.get("content-security-policy"), path).toMatch(/^default-src '(self|none)'/);
      expect(response.headers.get("referrer-policy"), path).toBe("no-referrer");
    }
  });
});
