import { afterAll, beforeAll, describe, expect, it } from "vitest";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { delivered, Notifier, type FallbackNotice } from "../../server/notify/notifier.js";
import { createOutboundFetch } from "../../server/net/outbound.js";

// The fallback alert's webhook URL is typed by a portal admin (or the operator): it goes through the
// guarded fetch like any outside URL, so it cannot be pointed at our own network.

let hook: http.Server;
let port: number;
const received: string[] = [];

beforeAll(async () => {
  hook = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk)).on("end", () => {
      received.push(body);
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
  port = (hook.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => hook.close(() => resolve())));

const notice: FallbackNotice = { portalId: "123", fallbackId: "fb_1", vendor: "retell", reason: "HubSpot answered 403", caller: "+1415555****" };

describe("fallback webhook notifications", () => {
  it("a webhook URL on our own network is not called (production setting)", async () => {
    const notifier = new Notifier({ from: "ai@example.com", outbound: createOutboundFetch({ allowPrivateNetwork: false }) });
    for (const url of [`http://127.0.0.1:${port}/hook`, `https://127.0.0.1:${port}/hook`, `https://localhost:${port}/hook`, "https://169.254.169.254/latest/meta-data/"]) {
      expect(delivered(await notifier.fallback(notice, { slackWebhookUrl: url })), url).toBe(false);
    }
    expect(received).toEqual([]);
  });

  it("with private network fetches allowed (tests, local development) the local hook gets the alert", async () => {
    const notifier = new Notifier({ from: "ai@example.com", outbound: createOutboundFetch({ allowPrivateNetwork: true }) });
    expect(delivered(await notifier.fallback(notice, { slackWebhookUrl: `http://127.0.0.1:${port}/hook` }))).toBe(true);
    expect(JSON.parse(received[0]).text).toContain("fallback replay --id fb_1");
  });
});
