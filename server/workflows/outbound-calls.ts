import type { Db, Prisma } from "../db/client.js";
import { decrypt, encrypt, sealedFor } from "../config/crypto.js";
import type { DialSettings } from "../vendors/outbound.js";
import type { ActionOutcome } from "./answers.js";

// The lasting state of the workflow action: a connection's outbound settings, and one OutboundCall row
// per HubSpot execution (unique on its callbackId). The row is claimed before the vendor is asked and
// holds the answer HubSpot got, so a retry of the execution (HubSpot retries on 429, 5xx and timeouts)
// gets that answer and never a second call. Claiming also enforces the connection's cap on calls at
// once, under a row lock on its settings, so concurrent executions cannot all slip under it.

/** A call is counted against the cap until its post-call webhook is stored, or for this long at most. */
export const ACTIVE_WINDOW_MS = 30 * 60_000;

export const outboundKeySeal = (connectionId: string) => sealedFor("OutboundSettings", "apiKeyEnc", connectionId);

export interface OutboundSettingsInput {
  connectionId: string;
  apiKey?: string;
  fromNumber?: string | null;
  agentId?: string | null;
  phoneNumberId?: string | null;
  task?: string | null;
  maxConcurrent?: number;
}

/** Creates or changes a connection's outbound settings; the API key is needed the first time. */
export async function saveOutboundSettings(db: Db, encryptionKey: string, input: OutboundSettingsInput): Promise<void> {
  const connection = await db.connection.findUniqueOrThrow({ where: { id: input.connectionId } });
  const fields = {
    ...(input.fromNumber !== undefined ? { fromNumber: input.fromNumber } : {}),
    ...(input.agentId !== undefined ? { agentId: input.agentId } : {}),
    ...(input.phoneNumberId !== undefined ? { phoneNumberId: input.phoneNumberId } : {}),
    ...(input.task !== undefined ? { task: input.task } : {}),
    ...(input.maxConcurrent !== undefined ? { maxConcurrent: input.maxConcurrent } : {}),
    ...(input.apiKey ? { apiKeyEnc: encrypt(input.apiKey, encryptionKey, outboundKeySeal(connection.id)) } : {}),
  };
  const existing = await db.outboundSettings.findUnique({ where: { connectionId: connection.id } });
  if (existing) {
    await db.outboundSettings.update({ where: { connectionId: connection.id }, data: fields });
    return;
  }
  if (!fields.apiKeyEnc) throw new Error("the vendor's API key is needed to set up outbound calls");
  await db.outboundSettings.create({ data: { connectionId: connection.id, portalId: connection.portalId, apiKeyEnc: fields.apiKeyEnc, ...fields } });
}

type SettingsRow = NonNullable<Awaited<ReturnType<Db["outboundSettings"]["findUnique"]>>>;

export function dialSettings(row: SettingsRow, encryptionKey: string): DialSettings {
  return { apiKey: decrypt(row.apiKeyEnc, encryptionKey, outboundKeySeal(row.connectionId)), fromNumber: row.fromNumber, agentId: row.agentId, phoneNumberId: row.phoneNumberId, task: row.task };
}

export type Claim =
  | { kind: "claimed"; id: string; settings: SettingsRow }
  | { kind: "answered"; outcome: ActionOutcome }
  | { kind: "in_flight"; since: Date }
  | { kind: "not_configured" }
  | { kind: "at_capacity"; active: number; max: number };

export async function claimExecution(db: Db, execution: { callbackId: string; portalId: string; connectionId: string; contactId: string }, now = new Date()): Promise<Claim> {
  return db.$transaction(async (tx) => {
    // Executions of one connection take their turn here, so the count below cannot go stale.
    await tx.$queryRaw`SELECT 1 FROM "OutboundSettings" WHERE "connectionId" = ${execution.connectionId} FOR UPDATE`;
    const existing = await tx.outboundCall.findUnique({ where: { callbackId: execution.callbackId } });
    if (existing) return existing.answer ? { kind: "answered", outcome: existing.answer as unknown as ActionOutcome } : { kind: "in_flight", since: existing.createdAt };
    const settings = await tx.outboundSettings.findUnique({ where: { connectionId: execution.connectionId } });
    if (!settings) return { kind: "not_configured" };
    const cutoff = new Date(now.getTime() - ACTIVE_WINDOW_MS).toISOString();
    const [{ active }] = await tx.$queryRaw<{ active: number }[]>`
      SELECT count(*)::int AS active FROM "OutboundCall" o
       WHERE o."connectionId" = ${execution.connectionId} AND o."status" IN ('dialing', 'started') AND o."createdAt" > ${cutoff}::timestamp
         AND NOT EXISTS (SELECT 1 FROM "Call" c WHERE c."connectionId" = o."connectionId" AND c."vendorCallId" = o."vendorCallId")`;
    if (active >= settings.maxConcurrent) return { kind: "at_capacity", active, max: settings.maxConcurrent };
    const row = await tx.outboundCall.create({ data: { ...execution, status: "dialing" } });
    return { kind: "claimed", id: row.id, settings };
  });
}

/** The execution's final answer, kept for HubSpot's retries of it. */
export async function finishExecution(db: Db, id: string, outcome: Exclude<ActionOutcome, { kind: "retry_later" }>): Promise<void> {
  await db.outboundCall.update({
    where: { id },
    data: { status: outcome.kind === "started" ? "started" : "failed", vendorCallId: outcome.kind === "started" ? outcome.vendorCallId : null, answer: outcome as unknown as Prisma.InputJsonValue },
  });
}

/** Not placed and worth trying again: the claim goes, so HubSpot's retry starts afresh. */
export async function releaseExecution(db: Db, id: string): Promise<void> {
  await db.outboundCall.deleteMany({ where: { id, status: "dialing" } });
}

/** An answered execution whose claim was lost (a crash between the vendor's answer and ours). */
export async function answerExecution(db: Db, callbackId: string, outcome: Exclude<ActionOutcome, { kind: "retry_later" }>): Promise<void> {
  await db.outboundCall.updateMany({ where: { callbackId, status: "dialing" }, data: { status: "failed", answer: outcome as unknown as Prisma.InputJsonValue } });
}

/** The contact a call of ours rang, when the call is one the workflow action started. */
export async function outboundCallOf(db: Db, call: { connectionId: string; vendorCallId: string }): Promise<{ contactId: string } | null> {
  return db.outboundCall.findUnique({ where: { connectionId_vendorCallId: { connectionId: call.connectionId, vendorCallId: call.vendorCallId } }, select: { contactId: true } });
}
