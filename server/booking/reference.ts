import { randomInt } from "node:crypto";

// Booking references are said to the caller by the AI and said back by the caller on a later call,
// over a phone line, to a speech recogniser. The alphabet keeps one of each group of letters and
// digits that sound or look alike: no 0/O, 1/I/L, 5/S, 2/Z, 8/B, none of the "ee" rhymes
// (B C D E G P T V Z 3), one of A/J/K (K), one of F/S/X (X), one of M/N (M), one of Q/U (Q), and
// Y without I. What is left: H K M Q R W X Y 4 6 7 9.
//
// 12 symbols, 8 of them: 12^8 = 429,981,696 references per portal. A reference opens a booking made
// from a known number only on a call from that number (docs/booking-tools.md), and a call gets 3
// failed lookups: hitting one of 10,000 bookings made from withheld numbers by guessing takes about
// 14,000 calls on average (429,981,696 / 10,000 / 3), each a real call on the business's line.

export const REFERENCE_ALPHABET = "HKMQRWXY4679";
export const REFERENCE_LENGTH = 8;
const SHAPE = new RegExp(`^[${REFERENCE_ALPHABET}]{${REFERENCE_LENGTH}}$`);

export function newReference(): string {
  let reference = "";
  for (let i = 0; i < REFERENCE_LENGTH; i++) reference += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return reference;
}

/**
 * What the caller read out, as the AI passed it, to the form references are stored in: upper case,
 * without the spaces, dashes and dots a transcription puts between characters ("k 7 m 4-q x.r 9").
 * Nothing else is changed: spoken words ("seven") are the AI's to turn into characters (the tool
 * description asks for characters), and anything that is then not a reference finds nothing.
 */
export function normaliseReference(raw: string): string {
  return raw.normalize("NFKC").toUpperCase().replace(/[\s.\-\u2010-\u2015]/g, "");
}

export const isReference = (text: string) => SHAPE.test(text);

/** "K7M4QXR9" -> "K 7 M 4, Q X R 9": one character at a time, in two groups, for text-to-speech. */
export function speakReference(reference: string): string {
  const spaced = (part: string) => part.split("").join(" ");
  return reference.length > 4 ? `${spaced(reference.slice(0, 4))}, ${spaced(reference.slice(4))}` : spaced(reference);
}
