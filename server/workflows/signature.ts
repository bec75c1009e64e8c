import { createHash } from "node:crypto";
import { safeEqual } from "../config/crypto.js";
import { signedUrl, verifyHubSpotRequest, type ReceivedRequest, type SignatureCheck } from "../hubspot/signature.js";

// HubSpot signs custom workflow action requests with the app's client secret. Its custom action guide
// names the v2 signature (X-HubSpot-Signature = hex SHA-256 of secret + method + URI + body, with
// X-HubSpot-Signature-Version: v2); its request-validation guide says requests carry the v3 signature
// too (base64 HMAC-SHA256 over method + URL + body + timestamp, X-HubSpot-Request-Timestamp). v3 is
// checked whenever it is there, with its 5-minute window, so an old request is refused and a valid v2
// beside a bad v3 is no way in. A request with v2 alone has no timestamp to judge its age by: it is
// accepted when it matches, and a replay of it finds its callbackId already answered (call-contact.ts),
// so it cannot dial twice.

export function signV2(secret: string, method: string, url: string, rawBody: string): string {
  return createHash("sha256").update(`${secret}${method.toUpperCase()}${url}${rawBody}`, "utf8").digest("hex");
}

export function verifyActionRequest(input: { secret: string; publicBaseUrl: string; request: ReceivedRequest; now: number }): SignatureCheck {
  const { headers } = input.request;
  if (headers["x-hubspot-signature-v3"] || headers["x-hubspot-request-timestamp"]) return verifyHubSpotRequest(input);
  const signature = headers["x-hubspot-signature"];
  if (!signature) return { ok: false, reason: "missing X-HubSpot-Signature-v3 (or X-HubSpot-Signature v2)" };
  if ((headers["x-hubspot-signature-version"] ?? "v2").toLowerCase() !== "v2") return { ok: false, reason: `unsupported X-HubSpot-Signature-Version ${headers["x-hubspot-signature-version"]}` };
  const expected = signV2(input.secret, input.request.method, signedUrl(input.publicBaseUrl, input.request.originalUrl), input.request.rawBody);
  return safeEqual(expected, signature.trim().toLowerCase()) ? { ok: true } : { ok: false, reason: "signature mismatch" };
}
