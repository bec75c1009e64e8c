import { createHmac } from "node:crypto";
import { safeEqual } from "../config/crypto.js";

// HubSpot's v3 request signature (hubspot.fetch from UI extensions, and webhooks):
// base64(HMAC-SHA256(client secret, METHOD + URL + raw body + timestamp)), timestamp in ms, at most
// 5 minutes old. HubSpot decodes these percent-encoded characters in the URL before signing, so we do
// the same to the URL we rebuild. Compared in constant time (the SDK's Signature.isValid does not).

const MAX_AGE_MS = 5 * 60_000;
const DECODED: [RegExp, string][] = [
  [/%3A/gi, ":"], [/%2F/gi, "/"], [/%3F/gi, "?"], [/%40/gi, "@"], [/%21/gi, "!"], [/%24/gi, "$"],
  [/%27/gi, "'"], [/%28/gi, "("], [/%29/gi, ")"], [/%2A/gi, "*"], [/%2C/gi, ","], [/%3B/gi, ";"],
];

export function canonicalUrl(url: string): string {
  return DECODED.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), url);
}

export function signV3(secret: string, method: string, url: string, rawBody: string, timestamp: number | string): string {
  return createHmac("sha256", secret).update(`${method.toUpperCase()}${canonicalUrl(url)}${rawBody}${timestamp}`).digest("base64");
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifyV3(input: { secret: string; method: string; url: string; rawBody: string; signature?: string; timestamp?: string; now: number }): SignatureCheck {
  if (!input.signature || !input.timestamp) return { ok: false, reason: "missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp" };
  const timestamp = Number(input.timestamp);
  if (!Number.isFinite(timestamp) || input.now - timestamp > MAX_AGE_MS || timestamp - input.now > MAX_AGE_MS) return { ok: false, reason: "request timestamp older than 5 minutes" };
  const expected = signV3(input.secret, input.method, input.url, input.rawBody, input.timestamp);
  return safeEqual(expected, input.signature) ? { ok: true } : { ok: false, reason: "signature mismatch" };
}

/** The public URL HubSpot signed: our PUBLIC_BASE_URL origin plus the path and query as received. */
export function signedUrl(publicBaseUrl: string, originalUrl: string): string {
  return `${new URL(publicBaseUrl).origin}${originalUrl}`;
}

/** A request as received, in what the v3 signature covers; headers flat and lower-case (flatHeaders). */
export interface ReceivedRequest {
  method: string;
  /** The path and query as received. */
  originalUrl: string;
  rawBody: string;
  headers: Record<string, string | undefined>;
}

/**
 * The check every route HubSpot signs goes through (hubspot.fetch from the card and settings page,
 * and the app's webhook deliveries): the URL rebuilt over PUBLIC_BASE_URL, the signature and
 * timestamp from their headers.
 */
export function verifyHubSpotRequest(input: { secret: string; publicBaseUrl: string; request: ReceivedRequest; now: number }): SignatureCheck {
  const { request } = input;
  return verifyV3({
    secret: input.secret,
    method: request.method,
    url: signedUrl(input.publicBaseUrl, request.originalUrl),
    rawBody: request.rawBody,
    signature: request.headers["x-hubspot-signature-v3"],
    timestamp: request.headers["x-hubspot-request-timestamp"],
    now: input.now,
  });
}
