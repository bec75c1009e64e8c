import { describe, expect, it } from "vitest";
import { classifyHubSpotError } from "../../server/hubspot/errors.js";
import { backoffDelay } from "../../server/queue/queues.js";
import { parseEnv } from "../../server/config/env.js";

describe("classifyHubSpotError", () => {
  it("reads 429 policies", () => {
    const ten = classifyHubSpotError({ code: 429, body: { policyName: "TEN_SECONDLY_ROLLING", message: "limit" } });
    expect(ten).toMatchObject({ kind: "rate_limited", policy: "TEN_SECONDLY_ROLLING", retryAfterMs: 10_000 });
    const sec = classifyHubSpotError({ code: 429, body: JSON.stringify({ policyName: "SECONDLY" }) });
    expect(sec).toMatchObject({ kind: "rate_limited", policy: "SECONDLY", retryAfterMs: 1_000 });
  });

  it("separates transient from permanent failures", () => {
    expect(classifyHubSpotError({ code: 502 }).kind).toBe("transient");
    expect(classifyHubSpotError(new Error("socket hang up")).kind).toBe("transient");
    expect(classifyHubSpotError({ code: 403, body: { category: "MISSING_SCOPES" } }).kind).toBe("missing_scope");
    expect(classifyHubSpotError({ code: 400, body: { category: "VALIDATION_ERROR", message: "bad" } })).toMatchObject({ kind: "invalid", category: "VALIDATION_ERROR" });
    expect(classifyHubSpotError({ code: 401 }).kind).toBe("unauthorized");
  });

  it("reads the existing id out of a 409", () => {
    expect(classifyHubSpotError({ code: 409, body: { message: "Contact already exists. Existing ID: 4512" } })).toMatchObject({ kind: "conflict", existingId: "4512" });
  });
});

describe("backoffDelay", () => {
  it("grows exponentially with jitter and honours a 429 minimum", () => {
    for (let attempt = 1; attempt <= 6; attempt++) {
      const ceiling = 2000 * 2 ** (attempt - 1);
      const d = backoffDelay(attempt, 2000);
      expect(d).toBeGreaterThanOrEqual(ceiling / 2);
      expect(d).toBeLessThanOrEqual(ceiling);
    }
    expect(backoffDelay(1, 100, 10_000)).toBe(10_000);
  });

  it("with the default settings, outlasts a two-minute HubSpot outage before the fallback", () => {
    const env = parseEnv({ DATABASE_URL: "postgresql://x@localhost/db", REDIS_URL: "redis://localhost", PUBLIC_BASE_URL: "https://app.example.com", HUBSPOT_CLIENT_ID: "id", HUBSPOT_CLIENT_SECRET: "s", HUBSPOT_APP_ID: "1", ENCRYPTION_KEY: Buffer.alloc(32).toString("base64") });
    // Worst case (every delay at the bottom of its jitter range) over the retries before the last attempt.
    let minimumTotal = 0;
    for (let attempt = 1; attempt < env.SYNC_MAX_ATTEMPTS; attempt++) minimumTotal += (env.SYNC_BACKOFF_MS * 2 ** (attempt - 1)) / 2;
    expect(minimumTotal).toBeGreaterThan(120_000);
  });
});

describe("parseEnv", () => {
  it("names every bad variable in one message", () => {
    expect(() => parseEnv({ DATABASE_URL: "mysql://x", PUBLIC_BASE_URL: "nope", ENCRYPTION_KEY: "short" })).toThrowError(
      /DATABASE_URL[\s\S]*REDIS_URL[\s\S]*PUBLIC_BASE_URL[\s\S]*HUBSPOT_CLIENT_ID[\s\S]*HUBSPOT_CLIENT_SECRET[\s\S]*ENCRYPTION_KEY/,
    );
  });
});
