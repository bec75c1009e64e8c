import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Redis } from "ioredis";

// What is left of a person after a deletion, searched where it would actually be: a full data dump
// of the test database and every Redis key and value under the stack's prefix.

const run = promisify(execFile);

/** `pg_dump --data-only` of the database, with bytea columns (recordings) decoded to text. */
export async function dumpDatabase(databaseUrl: string): Promise<string> {
  const { stdout } = await run("pg_dump", ["--data-only", "--no-owner", "--dbname", databaseUrl], { maxBuffer: 256 * 1024 * 1024 });
  return stdout.replace(/\\\\x([0-9a-f]+)/g, (_, hex: string) => Buffer.from(hex, "hex").toString("latin1"));
}

/** Rows per table in a data dump (COPY blocks). */
export function rowCounts(dump: string): Record<string, number> {
  const counts: Record<string, number> = {};
  let table: string | null = null;
  for (const line of dump.split("\n")) {
    if (table === null) {
      const copy = /^COPY public\."?([A-Za-z_]+)"? /.exec(line);
      if (copy) {
        table = copy[1]!;
        counts[table] = 0;
      }
    } else if (line === "\\.") table = null;
    else counts[table]! += 1;
  }
  return counts;
}

/** Every key under `prefix`, each with its value whatever its type, as one line of text. */
export async function dumpRedis(prefix: string): Promise<string> {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379");
  try {
    const lines: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        const value =
          type === "string" ? await redis.get(key)
          : type === "hash" ? await redis.hgetall(key)
          : type === "list" ? await redis.lrange(key, 0, -1)
          : type === "set" ? await redis.smembers(key)
          : type === "zset" ? await redis.zrange(key, 0, -1, "WITHSCORES")
          : type === "stream" ? await redis.xrange(key, "-", "+")
          : null;
        lines.push(`${key} ${type} ${JSON.stringify(value)}`);
      }
    } while (cursor !== "0");
    return lines.join("\n");
  } finally {
    redis.disconnect();
  }
}

/**
 * Which of a person's traces `text` still holds: digits of a phone number in any formatting (runs of
 * digits and separators, separators stripped), and words or addresses in any letter case.
 */
export function tracesIn(text: string, person: { phoneDigits: string[]; words: string[] }): string[] {
  const digitRuns = (text.match(/\d[\d ().+\-/]*\d/g) ?? []).map((run) => run.replace(/\D/g, ""));
  const lower = text.toLowerCase();
  return [...person.phoneDigits.filter((digits) => digitRuns.some((run) => run.includes(digits))), ...person.words.filter((word) => lower.includes(word.toLowerCase()))];
}

/** The lines of `text` that hold a trace, for a readable failure. */
export function linesWith(text: string, person: { phoneDigits: string[]; words: string[] }): string[] {
  return text.split("\n").filter((line) => tracesIn(line, person).length > 0).map((line) => line.slice(0, 300));
}
