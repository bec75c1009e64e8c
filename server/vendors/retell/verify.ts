import { symmetric } from "retell-sdk/lib/webhook_auth";
import type { SignedRequest, VerifyResult } from "../types.js";

// Retell signs `raw body + timestamp` with the account's API key: `x-retell-signature: v=<ms>,d=<hex>`,
// 5-minute tolerance. retell-sdk's own helper does the HMAC (Web Crypto verify, constant time); we pass
// the request time so the replay window is testable. Since retell-sdk 5.60 it returns a Promise:
// forgetting the `await` would accept every request.
export async function verifyRetell(request: SignedRequest, apiKey: string): Promise<VerifyResult> {
  const signature = request.headers["x-retell-signature"];
  if (!signature) return { ok: false, reason: "missing x-retell-signature header" };
  const match = /^v=(\d+),d=[0-9a-f]+$/i.exec(signature);
  if (!match) return { ok: false, reason: "malformed x-retell-signature header" };
  if (Math.abs(request.now - Number(match[1])) > 5 * 60_000) return { ok: false, reason: "timestamp outside the 5-minute window" };
  const valid = await symmetric.verify(request.rawBody.toString("utf8"), apiKey, signature, { timestamp: request.now });
  return valid ? { ok: true } : { ok: false, reason: "signature mismatch" };
}

export async function signRetell(rawBody: Buffer, apiKey: string, now: number): Promise<Record<string, string>> {
  return { "x-retell-signature": await symmetric.sign(rawBody.toString("utf8"), apiKey, now) };
}
