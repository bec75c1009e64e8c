import { randomUUID } from "node:crypto";
import type { Db } from "../db/client.js";
import { encrypt } from "../config/crypto.js";
import { logger } from "../config/logger.js";
import { connectionSecret, toolsUrlFor, webhookUrlFor } from "../connections/connections.js";
import { getVendor } from "../vendors/registry.js";
import type { VendorId } from "../calls/record.js";
import { LIVE_TOOL_DEFINITIONS } from "./tool-definitions.js";
import { VendorApiError, type SetupClient, type SetupResource, type SetupUrls, type VendorSetup } from "../vendors/setup.js";
import type { VendorChangeLine, VendorChangeView, VendorSetupResponse, VendorTargetResult, VendorTargetsResponse } from "../../hubspot-app/app/shared/api.js";
import { planApply, planUndo, type Change } from "./plan.js";
import { changeLine, conflictLine, openRecord, sealRecord } from "./records.js";
import { setupFor } from "./registry.js";
import { enteredVendorApiKey, vendorKeySeal } from "../connections/vendor-api-key.js";
import { vendorServesRecordings } from "../recordings/vendor-source.js";

// The settings page's vendor setup (docs/vendor-setup.md): for one connection of the portal, list the
// vendor's agents or assistants, point the chosen ones at the connection (webhook URL and live tools)
// through the vendor's API, keep one record per resource changed with the before and after value of each
// field and tool, and undo them on request. Every function takes the portal from the signed request and
// finds the connection only within it.

const log = logger("vendor-setup");

export interface VendorSetupDeps {
  db: Db;
  encryptionKey: string;
  publicBaseUrl: string;
  /** Each configurable vendor's API base URL (the real one, or a simulator). */
  apiBaseUrls: Partial<Record<string, string>>;
  timeoutMs: number;
}

export type SetupOutcome<T> =
  | { kind: "unknown_connection" }
  | { kind: "unsupported"; reason: string }
  | { kind: "needs_api_key"; reason: string }
  | { kind: "vendor_error"; error: VendorApiError }
  | ({ kind: "ok" } & T);

type ConnectionRow = NonNullable<Awaited<ReturnType<Db["connection"]["findFirst"]>>>;

export { vendorKeySeal };

const unsupported = (vendor: string) => `${getVendor(vendor as VendorId).label} connections cannot be set up from here: paste the webhook and tools URLs into the vendor by hand (docs/booking-tools.md).`;

async function connectionOf(db: Db, portalId: string, connectionId: string) {
  return db.connection.findFirst({ where: { id: connectionId, portalId } });
}

/** The vendor API key of the connection: its own secret (Retell) or the key the admin entered (Vapi), or null. */
async function apiKeyOf(deps: VendorSetupDeps, connection: ConnectionRow, setup: VendorSetup): Promise<string | null> {
  if (setup.apiKey === "connection_secret") return connectionSecret(connection, deps.encryptionKey);
  return enteredVendorApiKey(deps.db, deps.encryptionKey, connection.id);
}

type Ready = { connection: ConnectionRow; setup: VendorSetup; client: SetupClient };

async function ready(deps: VendorSetupDeps, portalId: string, connectionId: string): Promise<SetupOutcome<Ready>> {
  const connection = await connectionOf(deps.db, portalId, connectionId);
  if (!connection) return { kind: "unknown_connection" };
  const setup = setupFor(connection.vendor);
  const baseUrl = deps.apiBaseUrls[connection.vendor];
  if (!setup || !baseUrl) return { kind: "unsupported", reason: unsupported(connection.vendor) };
  const apiKey = await apiKeyOf(deps, connection, setup);
  if (!apiKey) return { kind: "needs_api_key", reason: `Enter the ${getVendor(connection.vendor as VendorId).label} private API key first: the app needs it to change your ${setup.targetNoun}s.` };
  return { kind: "ok", connection, setup, client: { apiKey, baseUrl, timeoutMs: deps.timeoutMs } };
}

/** Runs a vendor request, turning the vendor's refusal into an outcome (bugs still throw). */
async function vendor<T>(run: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: VendorApiError }> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (error instanceof VendorApiError) return { ok: false, error };
    throw error;
  }
}

function view(deps: VendorSetupDeps, row: Awaited<ReturnType<Db["vendorChange"]["findMany"]>>[number]): VendorChangeView {
  const record = openRecord("VendorChange", row.id, row.recordEnc, deps.encryptionKey);
  return {
    id: row.id,
    targetId: row.targetId,
    targetName: row.targetName,
    resource: row.resource,
    resourceId: row.resourceId,
    status: row.status as VendorChangeView["status"],
    appliedAt: row.createdAt.toISOString(),
    appliedBy: row.appliedBy,
    undoneAt: row.undoneAt?.toISOString() ?? null,
    changes: record.changes.map((c) => changeLine(row.resource, c)),
    conflicts: record.conflicts.map((c) => conflictLine(row.resource, c)),
  };
}

/** What the tab shows of a connection's setup: whether it can be done here, the key, every change made. */
export async function setupView(deps: VendorSetupDeps, portalId: string, connectionId: string): Promise<VendorSetupResponse | null> {
  const connection = await connectionOf(deps.db, portalId, connectionId);
  if (!connection) return null;
  const vendorLabel = getVendor(connection.vendor as VendorId).label;
  const setup = setupFor(connection.vendor);
  if (!setup || !deps.apiBaseUrls[connection.vendor]) return { supported: false, vendorLabel, reason: unsupported(connection.vendor) };
  const rows = await deps.db.vendorChange.findMany({ where: { connectionId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 200 });
  const apiKeySet = setup.apiKey === "connection_secret" || (await deps.db.vendorApiKey.count({ where: { connectionId } })) > 0;
  return { supported: true, vendorLabel, targetNoun: setup.targetNoun, needsApiKey: setup.apiKey === "entered", apiKeySet, changes: rows.map((row) => view(deps, row)) };
}

/** Stores (or replaces) the vendor API key a connection's setup (Vapi) or recordings (Synthflow) use, sealed to its row. */
export async function saveVendorApiKey(deps: VendorSetupDeps, portalId: string, connectionId: string, apiKey: string): Promise<SetupOutcome<{ vendor: string }>> {
  const connection = await connectionOf(deps.db, portalId, connectionId);
  if (!connection) return { kind: "unknown_connection" };
  const setup = setupFor(connection.vendor);
  // Synthflow's key is not for setup: it fetches recordings again once the webhook's link has expired.
  const entered = setup?.apiKey === "entered" || vendorServesRecordings(connection.vendor);
  if (!entered) return { kind: "unsupported", reason: setup ? "This connection's vendor API key is its signing secret: rotate that instead." : `${getVendor(connection.vendor as VendorId).label} connections take no API key: the app does not call its API.` };
  const apiKeyEnc = encrypt(apiKey.trim(), deps.encryptionKey, vendorKeySeal(connectionId));
  await deps.db.vendorApiKey.upsert({ where: { connectionId }, create: { connectionId, portalId, apiKeyEnc }, update: { apiKeyEnc } });
  return { kind: "ok", vendor: connection.vendor };
}

/** One page of the vendor's agents or assistants, each marked when our changes to it are in place. */
export async function listTargets(deps: VendorSetupDeps, portalId: string, connectionId: string, cursor: string | null): Promise<SetupOutcome<VendorTargetsResponse>> {
  const found = await ready(deps, portalId, connectionId);
  if (found.kind !== "ok") return found;
  const page = await vendor(() => found.setup.list(found.client, cursor));
  if (!page.ok) return { kind: "vendor_error", error: page.error };
  const applied = new Set((await deps.db.vendorChange.findMany({ where: { connectionId, status: "applied" }, select: { targetId: true } })).map((r) => r.targetId));
  return { kind: "ok", targets: page.value.targets.map((t) => ({ ...t, applied: applied.has(t.id) })), next: page.value.next };
}

function urlsOf(deps: VendorSetupDeps, connection: ConnectionRow): SetupUrls {
  return { webhookUrl: webhookUrlFor(deps.publicBaseUrl, connection.webhookToken), toolsUrl: toolsUrlFor(deps.publicBaseUrl, connection.webhookToken), signingSecret: connectionSecret(connection, deps.encryptionKey) };
}

/** Our after values as the vendor stores them (it may add defaults), so undo recognises them. */
function asStored(changes: Change[], fresh: SetupResource): Change[] {
  return changes.map((change) =>
    change.kind === "field" ? { ...change, after: fresh.state.fields[change.field] ?? null } : { ...change, after: fresh.state.tools?.find((t) => t.name === change.name)?.definition ?? change.after },
  );
}

/**
 * Points each chosen agent or assistant at the connection. Per resource: read it, plan, write, read it
 * again and record what changed (so a failure on the second resource of an agent leaves the first one
 * recorded and undoable). A resource that already holds our values is not changed and not recorded.
 */
export async function applySetup(deps: VendorSetupDeps, portalId: string, connectionId: string, targetIds: string[], appliedBy: string | null): Promise<SetupOutcome<{ vendor: string; results: VendorTargetResult[] }>> {
  const found = await ready(deps, portalId, connectionId);
  if (found.kind !== "ok") return found;
  const { connection, setup, client } = found;
  const urls = urlsOf(deps, connection);
  const results: VendorTargetResult[] = [];
  for (const targetId of targetIds) {
    const lines: VendorChangeLine[] = [];
    const read = await vendor(() => setup.read(client, targetId));
    if (!read.ok) {
      results.push({ targetId, name: targetId, outcome: "failed", changes: [], note: null, error: describeVendorError(connection.vendor, read.error) });
      continue;
    }
    let error: string | null = null;
    for (const resource of read.value.resources) {
      const plan = planApply(resource.state, setup.desired(resource, urls, LIVE_TOOL_DEFINITIONS));
      if (!plan.write) continue;
      const written = await vendor(async () => {
        await setup.write(client, resource, plan.write!);
        return setup.readResource(client, resource.kind, resource.id);
      });
      if (!written.ok) {
        error = describeVendorError(connection.vendor, written.error);
        break;
      }
      const changes = asStored(plan.changes, written.value);
      const id = randomUUID();
      await deps.db.vendorChange.create({ data: { id, portalId, connectionId, targetId, targetName: read.value.name, resource: resource.kind, resourceId: resource.id, recordEnc: sealRecord("VendorChange", id, { changes, conflicts: [] }, deps.encryptionKey), appliedBy } });
      lines.push(...changes.map((c) => changeLine(resource.kind, c)));
    }
    results.push({ targetId, name: read.value.name, outcome: error ? "failed" : lines.length ? "applied" : "unchanged", changes: lines, note: read.value.note, error });
  }
  log.info({ portalId, connectionId, vendor: connection.vendor, targets: targetIds.length }, "vendor setup applied");
  return { kind: "ok", vendor: connection.vendor, results };
}

/**
 * Undoes every change in place for one agent or assistant, newest first: the before values come back
 * where the vendor still holds ours, our tools are removed, and what the admin changed since is left
 * alone and reported. A resource the vendor no longer has is reported, not an error.
 */
export async function undoSetup(deps: VendorSetupDeps, portalId: string, connectionId: string, targetId: string): Promise<SetupOutcome<{ vendor: string; restored: VendorChangeLine[]; conflicts: VendorChangeLine[] }>> {
  const found = await ready(deps, portalId, connectionId);
  if (found.kind !== "ok") return found;
  const { connection, setup, client } = found;
  const rows = await deps.db.vendorChange.findMany({ where: { connectionId, targetId, status: "applied" }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
  const restored: VendorChangeLine[] = [];
  const conflicts: VendorChangeLine[] = [];
  for (const row of rows) {
    const record = openRecord("VendorChange", row.id, row.recordEnc, deps.encryptionKey);
    const undone = await vendor(() => undoResource(setup, client, row.resource, row.resourceId, record.changes));
    if (!undone.ok) {
      if (undone.error.code !== "not_found") return { kind: "vendor_error", error: undone.error };
      conflicts.push({ what: `${row.resource} ${row.resourceId}`, before: "our changes", after: "no longer exists at the vendor" });
      await deps.db.vendorChange.update({ where: { id: row.id }, data: { status: "undone_with_conflicts", undoneAt: new Date() } });
      continue;
    }
    const { plan } = undone.value;
    restored.push(...plan.restored.map((c) => changeLine(row.resource, c)));
    conflicts.push(...plan.conflicts.map((c) => conflictLine(row.resource, c)));
    await deps.db.vendorChange.update({
      where: { id: row.id },
      data: { status: plan.conflicts.length ? "undone_with_conflicts" : "undone", undoneAt: new Date(), recordEnc: sealRecord("VendorChange", row.id, { changes: record.changes, conflicts: plan.conflicts }, deps.encryptionKey) },
    });
  }
  log.info({ portalId, connectionId, vendor: connection.vendor, restored: restored.length, conflicts: conflicts.length }, "vendor setup undone");
  return { kind: "ok", vendor: connection.vendor, restored, conflicts };
}

/** Reads one resource, plans its undo and writes it: shared by the settings page's undo and the undo after uninstall. */
export async function undoResource(setup: VendorSetup, client: SetupClient, kind: string, id: string, changes: Change[]) {
  const resource = await setup.readResource(client, kind, id);
  const plan = planUndo(resource.state, changes);
  if (plan.write) await setup.write(client, resource, plan.write);
  return { plan };
}

/** The one sentence per vendor refusal the settings page shows. */
export function describeVendorError(vendorId: string, error: VendorApiError): string {
  const label = getVendor(vendorId as VendorId).label;
  switch (error.code) {
    case "unauthorized":
      return `${label} did not accept the API key (${error.reason}). Check the key on the connection.`;
    case "not_found":
      return `${label} has no such agent or assistant under this API key (${error.reason}).`;
    case "refused":
      return `${label} refused the change: ${error.reason}`;
    case "unavailable":
      return `${label} is not answering right now (${error.reason}); nothing more was changed. Try again in a minute.`;
    default: {
      const unreachable: never = error.code;
      throw new Error(`unhandled vendor error ${JSON.stringify(unreachable)}`);
    }
  }
}
