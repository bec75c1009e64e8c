import { AsyncLocalStorage } from "node:async_hooks";
import http from "node:http";
import pg from "pg";

// How many SQL statements each vendor webhook made, counted inside the benchmark's web process (loaded
// there with `node --import`: preload.ts; the product knows nothing of it). Every request to
// /webhooks/* runs in its own async context; every pg.Pool query started in it (our sql() and Prisma's
// adapter both query through the pool) counts, and the count goes out with the answer's headers. A
// load-independent figure beside the times: round trips to PostgreSQL per answer.

export const SQL_COUNT_HEADER = "x-bench-sql-statements";

/** The header's value, or null when the web process did not count. */
export function readSqlCount(headers: { get(name: string): string | null }): number | null {
  const value = headers.get(SQL_COUNT_HEADER);
  return value === null ? null : Number(value);
}

export function installSqlCount(): void {
  const requests = new AsyncLocalStorage<{ statements: number }>();
  const query = pg.Pool.prototype.query;
  pg.Pool.prototype.query = function (this: pg.Pool, ...args: unknown[]) {
    const counting = requests.getStore();
    if (counting) counting.statements++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;

  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    const forward = () => emit.apply(this, [event, ...args] as Parameters<typeof emit>);
    const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
    if (event !== "request" || !req.url?.startsWith("/webhooks/")) return forward();
    const counting = { statements: 0 };
    const writeHead = res.writeHead;
    res.writeHead = function (this: http.ServerResponse, ...head: unknown[]) {
      if (!this.headersSent) this.setHeader(SQL_COUNT_HEADER, String(counting.statements));
      return (writeHead as (...a: unknown[]) => http.ServerResponse).apply(this, head);
    } as typeof res.writeHead;
    return requests.run(counting, forward);
  } as typeof http.Server.prototype.emit;
}
