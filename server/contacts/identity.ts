import { createHmac, hkdfSync } from "node:crypto";
import type { CallRecord } from "../calls/record.js";
import { normaliseEmail, normalisePhone, type NormalisedPhone } from "./phone.js";

// Who the caller of a call is, and the key their calls are serialised under. Ingest (which stores the
// key on the call row), the sync worker, the Meeting worker and the privacy deletion all ask here, so
// one caller is one key everywhere: national numbers are read in the portal's region, never the
// deployment's default.

export interface CallerIdentity {
  phone: NormalisedPhone | null;
  email: string | null;
  firstName?: string | null;
  lastName?: string | null;
  zip?: string | null;
}

/** The caller's own number: the one that called in, or the one an outbound call rang. */
export function callerNumber(call: { direction?: "inbound" | "outbound" | null; fromNumber?: string | null; toNumber?: string | null }): string | null {
  return (call.direction === "outbound" ? call.toNumber : call.fromNumber) ?? null;
}

/** The caller of a call: their number (else the one they gave), email and name, normalised. */
export function callerIdentity(record: CallRecord, region: string): CallerIdentity {
  const split = record.caller.fullName?.trim().split(/\s+/) ?? [];
  return {
    phone: normalisePhone(callerNumber(record), region) ?? normalisePhone(record.caller.phone, region),
    email: normaliseEmail(record.caller.email),
    firstName: record.caller.firstName ?? (split.length > 1 ? split.slice(0, -1).join(" ") : split[0]),
    lastName: record.caller.lastName ?? (split.length > 1 ? split.at(-1) : null),
    zip: record.caller.zip,
  };
}

/** Every phone number in the record that is the caller's (the caller id and the one they gave), normalised. */
export function callerPhones(record: Pick<CallRecord, "direction" | "fromNumber" | "toNumber" | "caller">, region: string): NormalisedPhone[] {
  return [callerNumber(record), record.caller?.phone].map((raw) => normalisePhone(raw, region)).filter((p): p is NormalisedPhone => p !== null);
}

const derivedKeys = new Map<string, Buffer>();
function keyFor(encryptionKey: string): Buffer {
  let key = derivedKeys.get(encryptionKey);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", Buffer.from(encryptionKey, "base64"), Buffer.alloc(0), Buffer.from("caller-keys"), 32));
    derivedKeys.set(encryptionKey, key);
  }
  return key;
}

/**
 * The per-caller serialisation key (Call.callerKey, the Redis caller lock): phone first (the AI
 * always has it), then email; null when the call has neither. An HMAC keyed from ENCRYPTION_KEY and
 * scoped to the portal, so neither the database column nor Redis holds a readable number or address,
 * and one person's keys in two portals cannot be linked.
 */
export function callerKey(encryptionKey: string, portalId: string, caller: Pick<CallerIdentity, "phone" | "email">): string | null {
  if (caller.phone) return keyOf(encryptionKey, portalId, `phone:${caller.phone.e164}`);
  if (caller.email) return keyOf(encryptionKey, portalId, `email:${caller.email}`);
  return null;
}

/** Every key a caller with these numbers and addresses can have had (the privacy deletion looks calls up by them). */
export function callerKeys(encryptionKey: string, portalId: string, phones: Iterable<string>, emails: Iterable<string>): string[] {
  return [...[...phones].map((e164) => keyOf(encryptionKey, portalId, `phone:${e164}`)), ...[...emails].map((email) => keyOf(encryptionKey, portalId, `email:${email}`))];
}

const keyOf = (encryptionKey: string, portalId: string, text: string) => createHmac("sha256", keyFor(encryptionKey)).update(`${portalId}\n${text}`).digest("base64url");
