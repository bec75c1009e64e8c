import type { IncomingHttpHeaders } from "node:http";

/** Request headers as vendors' and calendars' verifiers read them: lower-case names, one string each. */
export function flatHeaders(headers: IncomingHttpHeaders): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), Array.isArray(value) ? value.join(",") : value]));
}
