import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { blandDialer } from "../../../server/vendors/bland/outbound.js";
import type { DialRequest } from "../../../server/vendors/outbound.js";

// What a dialer makes of answers the vendor simulators do not give on every run: a vendor that
// answers 200 and still refuses the call in its body (Bland: "status: success or error; call_id
// present only if status is success").

let server: Server;
let answer: { status: number; body: unknown };
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body)));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const request = (): DialRequest => ({
  settings: { apiKey: "sk-bland-test", fromNumber: null, agentId: null, phoneNumberId: null, task: "Call back about the quote." },
  baseUrl,
  toNumber: "+14155550123",
  variables: { first_name: "Robin" },
  metadata: { execution: "e1" },
  webhookUrl: "https://app.example.com/webhooks/t",
  timeoutMs: 5_000,
});

describe("bland dialer", () => {
  it("a 200 whose body says error is a refusal with Bland's message, not a retry", async () => {
    answer = { status: 200, body: { status: "error", message: "Insufficient balance to place the call." } };
    expect(await blandDialer.dial(request())).toEqual({ kind: "refused", status: 200, reason: "Insufficient balance to place the call." });
  });

  it("a 200 with success and a call id started the call", async () => {
    answer = { status: 200, body: { status: "success", message: "Call successfully queued.", call_id: "bl_1" } };
    expect(await blandDialer.dial(request())).toEqual({ kind: "started", vendorCallId: "bl_1" });
  });
});
