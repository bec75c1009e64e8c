// Prisma 6.19.3 with the JS schema engine: migrations run from the wasm engine bundled in the npm
// package, so nothing is downloaded (see README, "Why Prisma 6.19.3"). Two adapter bugs are worked
// around here, for the migration adapter only:
// - prisma/orm#27403: `name` (19) and `"char"` (18) columns, which the engine reads from the catalog,
//   cannot be deserialised: report them (and their arrays) as text.
// - the shadow database is dropped before its pool is closed: close the pool first.
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { fileURLToPath } from "node:url";

const TEXT_OIDS: Record<number, number> = { 18: 25, 19: 25, 1002: 1009, 1003: 1009 };

class CatalogSafePool extends pg.Pool {
  // pg's Pool#query has many overloads; the adapter only uses the promise form with a config object.
  override query(...args: any[]): any {
    const result = (super.query as (...a: any[]) => any)(...args);
    if (!result || typeof result.then !== "function") return result;
    return result.then((res: pg.QueryResult) => {
      for (const field of res.fields ?? []) {
        const mapped = TEXT_OIDS[field.dataTypeID];
        if (mapped) field.dataTypeID = mapped;
      }
      return res;
    });
  }
}

// The client is generated with engineType "client" (no Rust query engine at run time), but the 6.19 CLI
// still looks for the query engine library before generating and tries to download it. Pointing it at
// any existing file skips that download, which this machine's network (npm registry only) cannot make.
process.env.PRISMA_QUERY_ENGINE_LIBRARY ??= fileURLToPath(import.meta.url);

try {
  process.loadEnvFile(".env");
} catch {
  // no .env: the environment is used as it is
}

function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set (see README: npm run setup sets it for you)");
  return url;
}

function poolConfig(database?: string): pg.PoolConfig {
  const url = new URL(databaseUrl());
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username) || undefined,
    password: decodeURIComponent(url.password) || undefined,
    database: database ?? url.pathname.slice(1),
    max: 4,
  };
}

function migrationAdapterFactory() {
  const connect = () => new PrismaPg(new CatalogSafePool(poolConfig()), { disposeExternalPool: true }).connect();
  return {
    provider: "postgres" as const,
    adapterName: "@prisma/adapter-pg",
    connect,
    async connectToShadowDb() {
      const admin = await connect();
      const database = `prisma_shadow_${crypto.randomUUID().replaceAll("-", "")}`;
      await admin.executeScript(`CREATE DATABASE "${database}"`);
      const shadowPool = new CatalogSafePool(poolConfig(database));
      const shadow = await new PrismaPg(shadowPool).connect();
      const dispose = async () => {
        await shadowPool.end();
        await admin.executeScript(`DROP DATABASE IF EXISTS "${database}"`);
        await admin.dispose();
      };
      return Object.assign(shadow, { dispose });
    },
  };
}

export default defineConfig({
  schema: "prisma/schema",
  migrations: { path: "prisma/migrations" },
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => migrationAdapterFactory(),
});
