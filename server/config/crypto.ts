import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual, createHash } from "node:crypto";

// AES-256-GCM for tokens and vendor secrets at rest: "v2.<iv>.<tag>.<ciphertext>" (base64url).
// Each ciphertext is bound to its table, column and row through GCM's associated data, so a value
// copied into another row or column (by anyone who can write the database but not read the key) does
// not decrypt. Tags are always 16 bytes: Node's GCM accepts shorter tags unless told otherwise, and a
// 4-byte tag can be forged by trial.
// "v1" (no binding) was the first format; it is only read by `cli secrets reseal`, which rewrites it.

const TAG_BYTES = 16;

/** Where a ciphertext lives: it decrypts only there. */
export interface SealBinding {
  readonly aad: Buffer;
}

export function sealedFor(table: string, column: string, rowId: string): SealBinding {
  if (!rowId) throw new Error(`a sealed ${table}.${column} needs its row id`);
  return { aad: Buffer.from(`${table}.${column}:${rowId}`, "utf8") };
}

export function encrypt(plain: string, keyBase64: string, binding: SealBinding): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", Buffer.from(keyBase64, "base64"), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(binding.aad);
  const data = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return ["v2", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), data.toString("base64url")].join(".");
}

export function decrypt(sealed: string, keyBase64: string, binding: SealBinding): string {
  const [version, iv, tag, data] = sealed.split(".");
  if (version === "v1") throw new Error("unbound v1 ciphertext: run `npm run cli -- secrets reseal` once to rewrite it");
  if (version !== "v2" || !iv || !tag || data === undefined) throw new Error("unreadable ciphertext");
  return open(Buffer.from(iv, "base64url"), Buffer.from(tag, "base64url"), Buffer.from(data, "base64url"), keyBase64, binding.aad);
}

/** Only for `secrets reseal`: reads the unbound v1 format so it can be written again as v2. */
export function decryptLegacyV1(sealed: string, keyBase64: string): string {
  const [version, iv, tag, data] = sealed.split(".");
  if (version !== "v1" || !iv || !tag || data === undefined) throw new Error("not a v1 ciphertext");
  return open(Buffer.from(iv, "base64url"), Buffer.from(tag, "base64url"), Buffer.from(data, "base64url"), keyBase64, null);
}

export const isLegacyCiphertext = (sealed: string) => sealed.startsWith("v1.");

function open(iv: Buffer, tag: Buffer, data: Buffer, keyBase64: string, aad: Buffer | null): string {
  if (tag.length !== TAG_BYTES) throw new Error(`unreadable ciphertext: authentication tag of ${tag.length} bytes, ${TAG_BYTES} required`);
  const decipher = createDecipheriv("aes-256-gcm", Buffer.from(keyBase64, "base64"), iv, { authTagLength: TAG_BYTES });
  if (aad) decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(data), decipher.final()]).toString("utf8");
  } catch {
    throw new Error("unreadable ciphertext: it does not belong to this row and column, or the key is wrong");
  }
}

/** Constant-time comparison of two strings of possibly different length. */
export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb) && Buffer.byteLength(a) === Buffer.byteLength(b);
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString("base64url");
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
