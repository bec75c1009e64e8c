// One `Range: bytes=...` header against a body of known length (RFC 9110, section 14): HubSpot's
// player seeks with it and needs 206 Partial Content back. Several ranges at once are answered with
// the whole body (a server may ignore a Range it does not support); a range past the end is a 416.

export type RangeAnswer = { kind: "whole" } | { kind: "partial"; start: number; end: number } | { kind: "unsatisfiable" };

export function byteRange(header: string | undefined, length: number): RangeAnswer {
  if (!header) return { kind: "whole" };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return { kind: "whole" };
  const [, first, last] = match;
  if (first === "") {
    // A suffix: the last n bytes.
    const n = Number(last);
    if (n === 0 || length === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(length - n, 0), end: length - 1 };
  }
  const start = Number(first);
  const end = last === "" ? length - 1 : Math.min(Number(last), length - 1);
  if (start >= length || end < start) return { kind: "unsatisfiable" };
  return { kind: "partial", start, end };
}
