import { describe, expect, it } from "vitest";
import { classifyFailure } from "../../server/queue/failures.js";
import { PermanentSyncError, PortalNeedsReauthError, TransientSyncError } from "../../server/hubspot/errors.js";
import { HubSpotRequestError } from "../../server/hubspot/call.js";
import { Prisma } from "../../server/db/client.js";

// One failure policy for every worker: which error becomes which kind (docs/runbook.md).
describe("classifyFailure", () => {
  it("HubSpot's failures keep the kind they were thrown with, a 429's wait included", () => {
    expect(classifyFailure(new TransientSyncError("HubSpot 429 TEN_SECONDLY_ROLLING", 10_000))).toEqual({ kind: "retry", reason: "HubSpot 429 TEN_SECONDLY_ROLLING", delayMs: 10_000 });
    expect(classifyFailure(new TransientSyncError("HubSpot 502"))).toEqual({ kind: "retry", reason: "HubSpot 502" });
    expect(classifyFailure(new PermanentSyncError("HubSpot rejected the request (400)"))).toMatchObject({ kind: "permanent" });
    expect(classifyFailure(new PortalNeedsReauthError("123", "token refresh refused"))).toMatchObject({ kind: "wait_for_auth", reason: expect.stringMatching(/123/) });
  });

  it("a HubSpot answer the caller did not handle: a 401 is retried, a 404 or 409 is permanent", () => {
    expect(classifyFailure(new HubSpotRequestError({ kind: "unauthorized", status: 401, message: "expired" })).kind).toBe("retry");
    expect(classifyFailure(new HubSpotRequestError({ kind: "not_found", status: 404, message: "gone" })).kind).toBe("permanent");
    expect(classifyFailure(new HubSpotRequestError({ kind: "conflict", status: 409, message: "exists" })).kind).toBe("permanent");
  });

  it("the database failing is retried; a query our code built wrong is a bug", () => {
    const lost = new Prisma.PrismaClientKnownRequestError("Can't reach database server", { code: "P1001", clientVersion: Prisma.prismaVersion.client });
    expect(classifyFailure(lost)).toMatchObject({ kind: "retry", reason: expect.stringMatching(/database/) });
    expect(classifyFailure(new Prisma.PrismaClientValidationError("Unknown argument `nme`", { clientVersion: Prisma.prismaVersion.client })).kind).toBe("bug");
  });

  it("our own mistakes are bugs, but fetch's network failure (a TypeError with a cause) is transient", () => {
    expect(classifyFailure(new TypeError("Cannot read properties of undefined (reading 'id')")).kind).toBe("bug");
    expect(classifyFailure(new TypeError("fetch failed", { cause: new Error("ECONNRESET") })).kind).toBe("retry");
    expect(classifyFailure(new Error("lock not acquired")).kind).toBe("retry");
    expect(classifyFailure("a string").kind).toBe("retry");
  });
});
