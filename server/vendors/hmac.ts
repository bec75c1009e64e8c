import { createHmac, timingSafeEqual } from "node:crypto";

export function hmacSha256(secret: string | Buffer, data: string | Buffer): Buffer {
  return createHmac("sha256", secret).update(data).digest();
}

/** Constant-time comparison of an expected digest with a received text encoding of one. */
export function digestMatches(expected: Buffer, received: string | undefined, encoding: "hex" | "base64"): boolean {
  if (!received) return false;
  const candidate = Buffer.from(received.trim(), encoding);
  return candidate.length === expected.length && timingSafeEqual(candidate, expected);
}
