import { randomUUID } from "node:crypto";
import type { Db } from "../db/client.js";
import type { Env } from "../config/env.js";
import { decrypt, encrypt, sealedFor } from "../config/crypto.js";
import { logger } from "../config/logger.js";
import { connectionSecret } from "../connections/connections.js";
import { VendorApiError } from "../vendors/setup.js";
import { openRecord, sealRecord } from "./records.js";
import { setupFor } from "./registry.js";
import { undoResource, vendorKeySeal } from "./setup.js";

// The undo owed to the vendors when a portal uninstalls. The uninstall deletes the portal's connections,
// keys and change records, and must not wait for a vendor: so, in the uninstall's own transaction, each
// change still in place becomes a VendorUndoTask holding what its undo needs (the vendor, its API key
// and the changes, sealed to the task's row, and no portal id). The worker's sweep then works through
// them, newest change first, retrying a vendor that fails with backoff; a task is deleted once undone,
// once the vendor says the key or the resource is gone, or after MAX_ATTEMPTS.

const log = logger("vendor-setup.undo");

export const MAX_ATTEMPTS = 12;
const keySeal = (taskId: string) => sealedFor("VendorUndoTask", "apiKeyEnc", taskId);

/** The writes that turn a portal's changes in place into undo tasks: run them in the uninstall's transaction. */
export async function vendorUndoTasks(db: Db, encryptionKey: string, portalId: string) {
  const changes = await db.vendorChange.findMany({ where: { portalId, status: "applied" }, include: { connection: { include: { vendorApiKey: true } } } });
  return changes.flatMap((change) => {
    const setup = setupFor(change.connection.vendor);
    const key = !setup ? null : setup.apiKey === "connection_secret" ? connectionSecret(change.connection, encryptionKey) : change.connection.vendorApiKey ? decrypt(change.connection.vendorApiKey.apiKeyEnc, encryptionKey, vendorKeySeal(change.connectionId)) : null;
    if (!key) return [];
    const id = randomUUID();
    const record = openRecord("VendorChange", change.id, change.recordEnc, encryptionKey);
    return [
      db.vendorUndoTask.create({
        data: { id, vendor: change.connection.vendor, resource: change.resource, resourceId: change.resourceId, changedAt: change.createdAt, apiKeyEnc: encrypt(key, encryptionKey, keySeal(id)), recordEnc: sealRecord("VendorUndoTask", id, { changes: record.changes, conflicts: [] }, encryptionKey) },
      }),
    ];
  });
}

export interface VendorUndoDeps {
  db: Db;
  encryptionKey: string;
  apiBaseUrls: Partial<Record<string, string>>;
  timeoutMs: number;
  backoffMs: number;
}

/** The undo's deps from the environment (the web process starts it on uninstall, the worker's sweep retries). */
export function vendorUndoDeps(db: Db, env: Pick<Env, "ENCRYPTION_KEY" | "RETELL_API_BASE_URL" | "VAPI_API_BASE_URL" | "VENDOR_SETUP_TIMEOUT_MS" | "VENDOR_UNDO_BACKOFF_MS">): VendorUndoDeps {
  return { db, encryptionKey: env.ENCRYPTION_KEY, apiBaseUrls: { retell: env.RETELL_API_BASE_URL, vapi: env.VAPI_API_BASE_URL }, timeoutMs: env.VENDOR_SETUP_TIMEOUT_MS, backoffMs: env.VENDOR_UNDO_BACKOFF_MS };
}

/** One pass over the undo tasks due now; returns how many were finished (undone or given up). */
export async function sweepVendorUndo(deps: VendorUndoDeps, now = new Date()): Promise<number> {
  const due = await deps.db.vendorUndoTask.findMany({ where: { nextAttemptAt: { lte: now } }, orderBy: [{ changedAt: "desc" }, { id: "asc" }], take: 20 });
  let finished = 0;
  for (const task of due) {
    // Claimed by moving its next attempt out: another worker's sweep skips it meanwhile.
    const claimed = await deps.db.vendorUndoTask.updateMany({ where: { id: task.id, nextAttemptAt: task.nextAttemptAt }, data: { nextAttemptAt: new Date(now.getTime() + 10 * 60_000), attempts: { increment: 1 } } });
    if (claimed.count !== 1) continue;
    const setup = setupFor(task.vendor);
    const baseUrl = deps.apiBaseUrls[task.vendor];
    if (!setup || !baseUrl) {
      await deps.db.vendorUndoTask.delete({ where: { id: task.id } });
      finished++;
      continue;
    }
    const client = { apiKey: decrypt(task.apiKeyEnc, deps.encryptionKey, keySeal(task.id)), baseUrl, timeoutMs: deps.timeoutMs };
    const { changes } = openRecord("VendorUndoTask", task.id, task.recordEnc, deps.encryptionKey);
    try {
      const { plan } = await undoResource(setup, client, task.resource, task.resourceId, changes);
      log.info({ vendor: task.vendor, resource: task.resource, restored: plan.restored.length, conflicts: plan.conflicts.length }, "vendor setup undone after uninstall");
    } catch (error) {
      if (!(error instanceof VendorApiError)) throw error;
      const attempts = task.attempts + 1;
      if (error.code === "unavailable" && attempts < MAX_ATTEMPTS) {
        const wait = Math.min(deps.backoffMs * 2 ** (attempts - 1), 3_600_000);
        await deps.db.vendorUndoTask.update({ where: { id: task.id }, data: { nextAttemptAt: new Date(now.getTime() + wait), lastError: error.message.slice(0, 500) } });
        log.warn({ vendor: task.vendor, resource: task.resource, attempts, err: error.message }, "vendor undo after uninstall failed; will retry");
        continue;
      }
      log.warn({ vendor: task.vendor, resource: task.resource, attempts, err: error.message }, "vendor undo after uninstall given up");
    }
    await deps.db.vendorUndoTask.delete({ where: { id: task.id } });
    finished++;
  }
  return finished;
}
