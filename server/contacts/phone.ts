import { parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js";

export interface NormalisedPhone {
  /** +14155550134: the key of the app-side index and the per-caller lock. */
  e164: string;
  /** 4155550134: what HubSpot stores in hs_searchable_calculated_phone_number. */
  national: string;
}

/**
 * "(415) 555-0134", "+1 415-555-0134", "4155550134" and "415.555.0134 ext. 12" are one caller.
 * National numbers are read in the portal's default region; extensions are dropped; anything that is
 * not a possible number gives null (and is then not used for matching).
 */
export function normalisePhone(raw: string | null | undefined, defaultRegion: string): NormalisedPhone | null {
  if (!raw) return null;
  const trimmed = raw.trim();
  if (!/\d/.test(trimmed)) return null;
  const parsed = parsePhoneNumberFromString(trimmed, defaultRegion.toUpperCase() as CountryCode);
  if (!parsed || !parsed.isPossible()) return null;
  return { e164: parsed.number, national: String(parsed.nationalNumber) };
}

export function normaliseEmail(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const email = raw.trim().toLowerCase();
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? email : null;
}
