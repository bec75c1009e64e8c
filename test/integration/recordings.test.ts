import { afterAll, beforeAll, describe, expect, it } from "vitest";
import express from "express";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { startStack, TEST_PUBLIC_BASE_URL, type Connection, type Stack } from "../support/harness.js";
import { newCallId, retellCall } from "../support/payloads.js";
import { hubspotAudioUrl, playerUrl } from "../../server/recordings/links.js";

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

/** The short-lived audio link our retrieval endpoint hands HubSpot's player, asked over our local listener. */
const hubspotLink = (stack: Stack, callId: string) => hubspotAudioUrl(stack.env.PUBLIC_BASE_URL, stack.env.ENCRYPTION_KEY, callId).replace(TEST_PUBLIC_BASE_URL, stack.url);
/** The card's player audio (a player link's stream), over our local listener. */
const streamLink = (stack: Stack, callId: string) => playerUrl(stack.env.PUBLIC_BASE_URL, stack.env.ENCRYPTION_KEY, callId).replace(TEST_PUBLIC_BASE_URL, stack.url).replace("/player?", "/stream?");

describe("recording URLs from vendor payloads", () => {
  it("a URL on our own network is not fetched, stored or served (production setting)", async () => {
    for (const url of [`http://${hostBase}/page.wav`, `https://${hostBase}/page.wav`, `https://localhost:${hostBase.split(":")[1]}/page.wav`, `http://[::ffff:127.0.0.1]:${hostBase.split(":")[1]}/page.wav`]) {
      const callId = await callWithRecording(production, url);
      const response = await fetch(hubspotLink(production, callId));
      expect(response.status).toBe(404);
      expect(response.headers.get("content-type")).not.toMatch(/html/);
      expect(await production.app.runtime.db.recording.count({ where: { callId } })).toBe(0);
    }
    expect(hostHits).toEqual([]);
  });

  it("an answer that is not audio is not stored, even from a host we may reach", async () => {
    const callId = await callWithRecording(local, `http://${hostBase}/page.wav`);
    const response = await fetch(hubspotLink(local, callId));
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain("<script>");
    expect(hostHits).toContain("/page.wav");
    expect(await local.app.runtime.db.recording.count({ where: { callId } })).toBe(0);
  });
});

describe("copying recordings while the vendor's link lasts", () => {
  it("a portal waiting for re-authorisation still gets its calls' recordings copied (the vendor's link expires in 24 h)", async () => {
    const portalId = await local.install();
    const connection = await local.connect(portalId, "retell");
    await local.app.runtime.db.portal.update({ where: { id: portalId }, data: { status: "needs_reauth" } });
    const payload = retellCall("call_analyzed", { callId: newCallId(), recordingUrl: `http://${hostBase}/tone.wav` });
    expect((await local.deliver(connection, payload)).status).toBe(202);
    const row = await local.waitFor(() => local.app.runtime.db.call.findFirst({ where: { vendorCallId: payload.call.call_id as string, status: "waiting_auth" } }), { what: "call waiting for the new install" });
    const copy = await local.app.runtime.db.recording.findUnique({ where: { callId: row.id } });
    expect(copy && Buffer.from(copy.audio).equals(WAV)).toBe(true);
    expect(local.sim.portal(portalId).calls()).toHaveLength(0);
  });
});

describe("serving stored recordings", () => {
  it("audio is served inert: nosniff, a sandboxing CSP, a download name, and embeddable by HubSpot's player", async () => {
    const callId = await callWithRecording(local, `http://${hostBase}/tone.wav`);
    for (const [link, type, disposition] of [
      [streamLink(local, callId), "audio/wav", "inline"],
      // HubSpot wants the file downloadable as an octet-stream.
      [hubspotLink(local, callId), "application/octet-stream", "attachment"],
    ] as const) {
      const response = await fetch(link);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(WAV)).toBe(true);
      expect(response.headers.get("content-type")).toBe(type);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
      expect(response.headers.get("content-disposition")).toBe(`${disposition}; filename="call-${callId}.wav"`);
      // HubSpot's own call player loads the audio link from its origin.
      expect(response.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
      // Both players seek: HubSpot's (the attachment) and the card's (inline).
      expect(response.headers.get("accept-ranges")).toBe("bytes");
    }
  });

  it("HubSpot's audio link: a Range request gets 206 Partial Content with the bytes asked for (seeking), a range past the end 416", async () => {
    const callId = await callWithRecording(local, `http://${hostBase}/tone.wav`);
    for (const link of [hubspotLink(local, callId)]) {
      const middle = await fetch(link, { headers: { range: "bytes=10-19" } });
      expect(middle.status).toBe(206);
      expect(middle.headers.get("content-range")).toBe(`bytes 10-19/${WAV.length}`);
      expect(Buffer.from(await middle.arrayBuffer()).equals(WAV.subarray(10, 20))).toBe(true);
      const tail = await fetch(link, { headers: { range: "bytes=-4" } });
      expect(tail.status).toBe(206);
      expect(Buffer.from(await tail.arrayBuffer()).equals(WAV.subarray(WAV.length - 4))).toBe(true);
      const past = await fetch(link, { headers: { range: `bytes=${WAV.length}-` } });
      expect(past.status).toBe(416);
      expect(past.headers.get("content-range")).toBe(`bytes */${WAV.length}`);
    }
  });

  it("HubSpot's audio link is signed and short-lived, and the old never-expiring link is gone", async () => {
    const callId = await callWithRecording(local, `http://${hostBase}/tone.wav`);
    const forged = hubspotLink(local, callId).replace(/sig=[^&]+/, "sig=forged");
    expect((await fetch(forged)).status).toBe(403);
    const expired = hubspotAudioUrl(local.env.PUBLIC_BASE_URL, local.env.ENCRYPTION_KEY, callId, Date.now() - 2 * 60 * 60_000).replace(TEST_PUBLIC_BASE_URL, local.url);
    expect((await fetch(expired)).status).toBe(403);
    // The stable link of earlier versions: /recordings/<callId>/<token>.wav answers nothing any more.
    const old = await fetch(`${local.url}/recordings/${callId}/${"A".repeat(43)}.wav`);
    expect(old.status).toBe(404);
    expect(old.headers.get("content-type")).not.toMatch(/audio|octet/);
  });

  it("a stored copy whose type is not audio (kept from before this check) is served as bytes, not as a page", async () => {
    const callId = await callWithRecording(local, "https://recordings.retell.example/none.wav");
    await local.app.runtime.db.recording.create({ data: { callId, portalId: (await local.app.runtime.db.call.findUniqueOrThrow({ where: { id: callId } })).portalId, contentType: "text/html", audio: Buffer.from(SCRIPT_PAGE) } });
    const response = await fetch(hubspotLink(local, callId));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="call-${callId}.bin"`);
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
