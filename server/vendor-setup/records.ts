import { decrypt, encrypt, sealedFor } from "../config/crypto.js";
import type { VendorChangeLine } from "../../hubspot-app/app/shared/api.js";
import type { Change, Conflict } from "./plan.js";

// A change record's content, {changes, conflicts}, sealed to its row (a Vapi tool carries the
// connection's secret), and the lines the settings page shows of it, with no secret in them.

export interface ChangeRecord {
  changes: Change[];
  conflicts: Conflict[];
}

export const sealRecord = (table: "VendorChange" | "VendorUndoTask", id: string, record: ChangeRecord, key: string) => encrypt(JSON.stringify(record), key, sealedFor(table, "recordEnc", id));
export const openRecord = (table: "VendorChange" | "VendorUndoTask", id: string, sealed: string, key: string) => JSON.parse(decrypt(sealed, key, sealedFor(table, "recordEnc", id))) as ChangeRecord;

/** A value as one line of text: a URL as itself, a tool as its kind and where it calls, never a secret. */
export function describeValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value !== "object") return JSON.stringify(value);
  const tool = value as { type?: unknown; url?: unknown; server?: { url?: unknown } };
  if (typeof tool.type === "string") {
    const url = typeof tool.url === "string" ? tool.url : typeof tool.server?.url === "string" ? tool.server.url : null;
    return url ? `${tool.type} tool calling ${url}` : `${tool.type} tool`;
  }
  return "(changed)";
}

export function changeLine(resource: string, change: Change): VendorChangeLine {
  const what = change.kind === "field" ? `${resource} ${change.field}` : `${resource} tool ${change.name}`;
  return { what, before: describeValue(change.before), after: describeValue(change.after) };
}

/** A conflict: `before` is what we had set, `after` what the vendor holds now. */
export const conflictLine = (resource: string, conflict: Conflict): VendorChangeLine => ({ ...changeLine(resource, conflict.change), before: describeValue(conflict.change.after), after: describeValue(conflict.found) });
