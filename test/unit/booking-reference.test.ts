import { describe, expect, it } from "vitest";
import { REFERENCE_ALPHABET, REFERENCE_LENGTH, isReference, newReference, normaliseReference, speakReference } from "../../server/booking/reference.js";

describe("booking references", () => {
  it("are 8 characters from an alphabet without look-alikes or sound-alikes, about 430 million per portal", () => {
    for (const c of "0O1IL5S2Z8BDPTVEGC3AJFNU") expect(REFERENCE_ALPHABET).not.toContain(c);
    expect(REFERENCE_ALPHABET.length ** REFERENCE_LENGTH).toBeGreaterThan(400_000_000);
    const drawn = Array.from({ length: 500 }, newReference);
    for (const reference of drawn) expect(isReference(reference)).toBe(true);
    expect(new Set(drawn.join(""))).toEqual(new Set(REFERENCE_ALPHABET));
  });

  it("read back with spaces, dashes, dots or in lower case is the same reference; nothing else is", () => {
    for (const heard of ["k7m4qxr9", "K 7 M 4 Q X R 9", "K7M4-QXR9", "k.7.m.4 – q.x.r.9", " K7M4 QXR9 "]) expect(normaliseReference(heard)).toBe("K7M4QXR9");
    for (const odd of ["%", "_", "K7M4QXR", "K7M4QXR9K", "K7M4QXR_", "K7M4QXR%", "K7M4QXRS"]) expect(isReference(normaliseReference(odd))).toBe(false);
  });

  it("is spoken one character at a time, in two groups", () => {
    expect(speakReference("K7M4QXR9")).toBe("K 7 M 4, Q X R 9");
  });
});
