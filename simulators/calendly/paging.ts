import { createHash } from "node:crypto";
import { invalidParameter } from "./errors.js";

// Calendly's keyset-style pagination: `?count=` (default 20, at most 100) and an opaque
// `page_token`; every list answers `{ collection, pagination: { count, next_page, previous_page,
// next_page_token, previous_page_token } }` with next_page a full URL. A token belongs to the query
// it came from: replaying it with other filters is a 400, as it is on Calendly.

const DEFAULT_COUNT = 20;
const MAX_COUNT = 100;

export function paginate<T, J>(items: readonly T[], query: Record<string, string | undefined>, pageUrl: string, toJson: (item: T) => J) {
  const count = query.count === undefined ? DEFAULT_COUNT : Number(query.count);
  if (!Number.isInteger(count) || count < 1) throw invalidParameter("count", "must be an integer greater than 0");
  if (count > MAX_COUNT) throw invalidParameter("count", `must be less than or equal to ${MAX_COUNT}`);
  const key = queryKey(query);
  let offset = 0;
  if (query.page_token !== undefined) {
    const token = readToken(query.page_token);
    if (!token || token.k !== key || token.o > items.length) throw invalidParameter("page_token", "is invalid");
    offset = token.o;
  }
  const link = (o: number) => {
    const url = new URL(pageUrl);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && k !== "page_token") url.searchParams.set(k, v);
    const token = writeToken(o, key);
    url.searchParams.set("page_token", token);
    return { url: url.toString(), token };
  };
  const next = offset + count < items.length ? link(offset + count) : null;
  const previous = offset > 0 ? link(Math.max(0, offset - count)) : null;
  return {
    collection: items.slice(offset, offset + count).map(toJson),
    pagination: {
      count: Math.min(count, Math.max(0, items.length - offset)),
      next_page: next?.url ?? null,
      previous_page: previous?.url ?? null,
      next_page_token: next?.token ?? null,
      previous_page_token: previous?.token ?? null,
    },
  };
}

/** The filters a token is bound to: everything but the paging parameters themselves. */
function queryKey(query: Record<string, string | undefined>): string {
  const filters = Object.entries(query).filter(([k, v]) => v !== undefined && k !== "page_token" && k !== "count").sort(([a], [b]) => a.localeCompare(b));
  return createHash("sha256").update(JSON.stringify(filters)).digest("base64url").slice(0, 12);
}

const writeToken = (o: number, k: string) => Buffer.from(JSON.stringify({ o, k })).toString("base64url");

function readToken(token: string): { o: number; k: string } | null {
  try {
    const value = JSON.parse(Buffer.from(token, "base64url").toString()) as { o?: unknown; k?: unknown };
    return Number.isInteger(value.o) && (value.o as number) >= 0 && typeof value.k === "string" ? { o: value.o as number, k: value.k } : null;
  } catch {
    return null;
  }
}
