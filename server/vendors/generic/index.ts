import { randomUUID } from "node:crypto";
import { callRecordSchema } from "../../calls/record.js";
import type { ParseResult, SignedRequest, VendorAdapter, VerifyResult } from "../types.js";
import { describeIssues } from "../../validation/issues.js";
import { digestMatches, hmacSha256 } from "../hmac.js";
import { genericTools } from "./tools.js";

// Any other vendor, n8n, Make or Zapier: the canonical call record itself (docs/generic-webhook.md,
// docs/generic-webhook.schema.json), signed per the Standard Webhooks spec:
// webhook-signature: v1,<base64 HMAC-SHA256(secret, "{webhook-id}.{webhook-timestamp}.{body}")>.
// Implemented here rather than with the `standardwebhooks` package so the replay window uses the
// request time we pass in; test/unit/vendors checks both sign each other's messages.
const TOLERANCE_SECONDS = 5 * 60;

function key(secret: string): Buffer {
  return Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64");
}

export async function verifyGeneric(request: SignedRequest, secret: string): Promise<VerifyResult> {
  const id = request.headers["webhook-id"];
  const timestamp = request.headers["webhook-timestamp"];
  const signatures = request.headers["webhook-signature"];
  if (!id || !timestamp || !signatures) return { ok: false, reason: "missing webhook-id, webhook-timestamp or webhook-signature header" };
  if (!/^\d+$/.test(timestamp)) return { ok: false, reason: "malformed webhook-timestamp" };
  if (Math.abs(request.now / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return { ok: false, reason: "timestamp outside the 5-minute window" };
  const expected = hmacSha256(key(secret), Buffer.concat([Buffer.from(`${id}.${timestamp}.`), request.rawBody]));
  const matches = signatures.split(" ").some((entry) => {
    const [version, signature] = entry.split(",");
    return version === "v1" && digestMatches(expected, signature, "base64");
  });
  return matches ? { ok: true } : { ok: false, reason: "signature mismatch" };
}

export async function signGeneric(rawBody: Buffer, secret: string, now: number): Promise<Record<string, string>> {
  const id = `msg_${randomUUID()}`;
  const timestamp = String(Math.floor(now / 1000));
  const signature = hmacSha256(key(secret), Buffer.concat([Buffer.from(`${id}.${timestamp}.`), rawBody])).toString("base64");
  return { "webhook-id": id, "webhook-timestamp": timestamp, "webhook-signature": `v1,${signature}` };
}

export function parseGeneric(body: unknown): ParseResult {
  const parsed = callRecordSchema.safeParse(body);
  if (!parsed.success) return { kind: "invalid", reason: describeIssues(parsed.error.issues) };
  if (parsed.data.vendor !== "generic") return { kind: "invalid", reason: 'vendor: must be "generic" on a generic connection' };
  return { kind: "call", record: parsed.data };
}

export const generic = {
  id: "generic",
  label: "Generic (Standard Webhooks)",
  secretHelp: 'A Standard Webhooks secret ("whsec_" + base64). Sign each delivery as docs/generic-webhook.md shows.',
  signatureCovers: "body",
  secretProblem: (secret: string) => (/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/.test(secret) ? null : 'a generic connection takes a Standard Webhooks secret: "whsec_" followed by at least 24 random bytes in base64'),
  tools: genericTools,
  inbound: null, // the lookup_caller tool gives the context (docs/booking-tools.md)
  verify: verifyGeneric,
  parse: parseGeneric,
  sign: signGeneric,
} satisfies VendorAdapter;
