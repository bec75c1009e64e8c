import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient, Prisma } from "../generated/prisma/client.js";

export { Prisma };
export type Db = PrismaClient;

const pools = new WeakMap<PrismaClient, pg.Pool>();

// pg closes a connection idle for 10 s by default; the next query then pays a new PostgreSQL backend
// (connect, authenticate, empty catalog caches, every statement planned and prepared again): 90-170 ms
// for the first inbound call after a quiet spell against 6-9 ms warm (bench:context's machine, loaded).
// A live call arrives after quiet spells, so connections stay 10 minutes; TCP keepalive finds one the
// network dropped meanwhile, and idle connections never keep a process alive.
const IDLE_CONNECTION_MS = 10 * 60_000;

export function createDb(databaseUrl: string, poolSize = 10): PrismaClient {
  // Sessions in UTC: the plain SQL's now() and casts to TIMESTAMP then mean what Prisma's UTC columns hold
  // on a server whose own zone is not UTC.
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, idleTimeoutMillis: IDLE_CONNECTION_MS, keepAlive: true, allowExitOnIdle: true, options: "-c TimeZone=UTC" });
  pool.on("error", () => undefined); // a dropped idle connection is replaced; queries report their own errors
  const db = new PrismaClient({ adapter: new PrismaPg(pool) });
  pools.set(db, pool);
  // The pool is ours, not the adapter's: close it with the client, or idle sockets keep the process up.
  const disconnect = db.$disconnect.bind(db);
  Object.defineProperty(db, "$disconnect", { value: async () => {
    await disconnect();
    if (!(pool as { ended?: boolean }).ended) await pool.end().catch(() => undefined);
  } });
  return db;
}

/** P2002: a unique constraint said no (a concurrent insert of the same row won). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

// Prisma stores DateTime as TIMESTAMP(3) holding UTC. Read those as UTC whatever the process's zone.
const TIMESTAMP = 1114;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === TIMESTAMP ? (value: string) => new Date(`${value.replace(" ", "T")}Z`) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/**
 * Plain SQL on the same connection pool as Prisma, for the few queries on the live call's critical
 * path (booking tools), where Prisma's per-query CPU (about 2-3 ms here, against 0.3 ms for the same
 * query through pg; bench/booking.ts) is most of the answer time under load. Tables and migrations
 * stay Prisma's. Pass instants as ISO strings (`toISOString()`): a timestamp column ignores offsets.
 * `name` makes it a prepared statement, parsed and planned once per pooled connection (PostgreSQL keeps
 * a generic plan after five runs) rather than on every run: for a statement with many subqueries on the
 * hot path, planning costs more than running it (the caller-context lookup: 3-4 ms against under 1 ms,
 * docs/benchmarks.md). One name per text, never reused for another.
 */
export async function sql<T extends pg.QueryResultRow>(db: Db, text: string, values: unknown[] = [], options: { name?: string } = {}): Promise<T[]> {
  const pool = pools.get(db);
  if (!pool) throw new Error("sql() needs a client made by createDb");
  return (await pool.query<T>({ text, values, types, name: options.name })).rows;
}

/** A query on one connection, as `sql` runs them. */
export type SqlQuery = <T extends pg.QueryResultRow>(text: string, values?: unknown[]) => Promise<T[]>;

/**
 * Plain SQL in one transaction on one pooled connection (BEGIN, `work`, COMMIT; ROLLBACK when it
 * throws), for short critical sections on the live call's path that take a transaction-scoped lock
 * (`pg_advisory_xact_lock`): the lock goes with the transaction, also when the process dies.
 */
export async function sqlTransaction<R>(db: Db, work: (query: SqlQuery) => Promise<R>, options: { waitForDisk?: boolean } = {}): Promise<R> {
  const pool = pools.get(db);
  if (!pool) throw new Error("sqlTransaction() needs a client made by createDb");
  const client = await pool.connect();
  const query: SqlQuery = async <T extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await client.query<T>({ text, values, types })).rows;
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    // `waitForDisk: false`: COMMIT returns before its WAL reaches the disk (synchronous_commit off, this
    // transaction only). Only for rows a PostgreSQL crash may lose without harm (short-lived holds): the
    // database stays consistent, the last such commits are simply not there after its restart.
    if (options.waitForDisk === false) await client.query("SET LOCAL synchronous_commit = off");
    const result = await work(query);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    // A connection that cannot even roll back is not handed to the next caller.
    await client.query("ROLLBACK").catch((rollback: Error) => (broken = rollback));
    throw error;
  } finally {
    client.release(broken);
  }
}
