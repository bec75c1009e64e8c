import { describe, expect, it } from "vitest";
import { createCipheriv, randomBytes } from "node:crypto";
import { decrypt, encrypt, sealedFor, type SealBinding } from "../../server/config/crypto.js";

const key = Buffer.alloc(32, 9).toString("base64");
const tokenOf = (row: string): SealBinding => sealedFor("Portal", "accessTokenEnc", row);

describe("secrets at rest (AES-256-GCM bound to row and column)", () => {
  it("round-trips a value under its own row and column", () => {
    const sealed = encrypt("pat-na1-secret", key, tokenOf("111"));
    expect(sealed.startsWith("v2.")).toBe(true);
    expect(decrypt(sealed, key, tokenOf("111"))).toBe("pat-na1-secret");
  });

  it("refuses a ciphertext copied to another row", () => {
    const sealed = encrypt("portal A's token", key, tokenOf("111"));
    expect(() => decrypt(sealed, key, tokenOf("222"))).toThrow(/unreadable/);
  });

  it("refuses a ciphertext copied to another column of the same row", () => {
    const sealed = encrypt("refresh", key, sealedFor("Portal", "refreshTokenEnc", "111"));
    expect(() => decrypt(sealed, key, tokenOf("111"))).toThrow(/unreadable/);
  });

  it("refuses a truncated authentication tag (GCM would otherwise accept 4-byte tags)", () => {
    const sealed = encrypt("value", key, tokenOf("111"));
    const [version, iv, tag, data] = sealed.split(".");
    const short = Buffer.from(tag!, "base64url").subarray(0, 4).toString("base64url");
    expect(() => decrypt([version, iv, short, data].join("."), key, tokenOf("111"))).toThrow(/tag/);
  });

  it("refuses a short tag that a forger computed with GCM's own truncation", () => {
    // A 4-byte tag made by the real cipher: accepted by Node unless the length is enforced.
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", Buffer.from(key, "base64"), iv, { authTagLength: 4 });
    cipher.setAAD(Buffer.from("Portal.accessTokenEnc:111"));
    const data = Buffer.concat([cipher.update("forged", "utf8"), cipher.final()]);
    const sealed = ["v2", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), data.toString("base64url")].join(".");
    expect(() => decrypt(sealed, key, tokenOf("111"))).toThrow(/tag/);
  });

  it("does not read the unbound v1 format (it could be swapped between rows)", () => {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", Buffer.from(key, "base64"), iv);
    const data = Buffer.concat([cipher.update("old", "utf8"), cipher.final()]);
    const sealed = ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), data.toString("base64url")].join(".");
    expect(() => decrypt(sealed, key, tokenOf("111"))).toThrow(/reseal/);
  });
});
