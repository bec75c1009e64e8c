import { describe, expect, it } from "vitest";
import { parseEnv, EnvError } from "../../server/config/env.js";

// REDIS_PREFIX may start with a Redis Cluster hash tag; the whole app on a cluster with one is
// test/integration/redis-cluster.test.ts.

const base = {
  DATABASE_URL: "postgresql://app@db:5432/aira",
  REDIS_URL: "redis://redis:6379",
  PUBLIC_BASE_URL: "https://receptionist.example",
  HUBSPOT_CLIENT_ID: "client",
  HUBSPOT_CLIENT_SECRET: "secret",
  HUBSPOT_APP_ID: "1000001",
  ENCRYPTION_KEY: Buffer.alloc(32, 1).toString("base64"),
};

describe("REDIS_PREFIX", () => {
  it.each(["aira", "aira-prod_2", "{aira}", "{aira}-eu", "{aira-prod}"])("takes %s", (prefix) => {
    expect(parseEnv({ ...base, REDIS_PREFIX: prefix }).REDIS_PREFIX).toBe(prefix);
  });

  it.each(["", "{aira", "aira}", "{}", "a{ira}", "{aira}{b}", "aira:prod", "{a:b}"])("refuses %j, naming the variable", (prefix) => {
    expect(() => parseEnv({ ...base, REDIS_PREFIX: prefix })).toThrow(EnvError);
    expect(() => parseEnv({ ...base, REDIS_PREFIX: prefix })).toThrow(/REDIS_PREFIX/);
  });
});
