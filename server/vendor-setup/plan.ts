// What configuring a vendor resource changes, and what undoing it restores: pure, so every case is a
// unit test (test/unit/vendor-setup-plan.test.ts). A resource (a Retell agent, its Retell LLM, a Vapi
// assistant) is read as named fields and, where it has them, a list of tools by name. Applying records
// the before and after value of each field and tool the app touches, and nothing else; undoing puts
// back a before value only where the vendor still holds our after value, so a change the admin made
// since is left alone and reported as a conflict.

import type { Desired, NamedTool, ResourceState, Write } from "../vendors/setup.js";

export type { Desired, NamedTool, ResourceState, Write };

/** One thing the app changed, with the value before and after. A tool's `before` is null when the app added it. */
export type Change =
  | { kind: "field"; field: string; before: unknown; after: unknown }
  | { kind: "tool"; name: string; before: unknown; after: unknown };

export interface Conflict {
  change: Change;
  /** What the vendor holds now, where we expected our after value (null: the tool is gone). */
  found: unknown;
}

/** Equality of JSON values, key order ignored (vendors do not keep ours). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return (a ?? null) === (b ?? null);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((item, i) => sameJson(item, (b as unknown[])[i]));
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const toolNamed = (tools: NamedTool[], name: string) => tools.find((t) => t.name === name);

/**
 * The changes that bring `current` to `desired`, and the write that makes them. A field or tool that
 * already holds the wanted value is not a change (applying twice changes nothing). A tool of the same
 * name that differs is replaced, with the admin's version kept as its before value.
 */
export function planApply(current: ResourceState, desired: Desired): { changes: Change[]; write: Write | null } {
  const changes: Change[] = [];
  const fields: Record<string, unknown> = {};
  for (const [field, after] of Object.entries(desired.fields)) {
    const before = current.fields[field] ?? null;
    if (sameJson(before, after)) continue;
    changes.push({ kind: "field", field, before, after });
    fields[field] = after;
  }
  let tools: NamedTool[] | null = null;
  if (current.tools && desired.tools.length) {
    const next = [...current.tools];
    for (const tool of desired.tools) {
      const existing = toolNamed(next, tool.name);
      if (existing && sameJson(existing.definition, tool.definition)) continue;
      changes.push({ kind: "tool", name: tool.name, before: existing?.definition ?? null, after: tool.definition });
      if (existing) next[next.indexOf(existing)] = tool;
      else next.push(tool);
    }
    if (changes.some((c) => c.kind === "tool")) tools = next;
  }
  return { changes, write: changes.length ? { fields, tools } : null };
}

/**
 * Undoing `changes` on the resource as it is now: each field or tool that still holds our after value
 * gets its before value back (an added tool is removed, a replaced one restored); one that already
 * holds the before value needs nothing; anything else was changed since, and is a conflict left alone.
 */
export function planUndo(current: ResourceState, changes: Change[]): { write: Write | null; restored: Change[]; conflicts: Conflict[] } {
  const restored: Change[] = [];
  const conflicts: Conflict[] = [];
  const fields: Record<string, unknown> = {};
  let tools = current.tools ? [...current.tools] : null;
  let toolsChanged = false;
  for (const change of changes) {
    if (change.kind === "field") {
      const now = current.fields[change.field] ?? null;
      if (sameJson(now, change.after)) {
        fields[change.field] = change.before;
        restored.push(change);
      } else if (!sameJson(now, change.before)) conflicts.push({ change, found: now });
      continue;
    }
    const now = tools ? toolNamed(tools, change.name) : undefined;
    if (now && sameJson(now.definition, change.after)) {
      tools = change.before === null ? tools!.filter((t) => t !== now) : tools!.map((t) => (t === now ? { name: change.name, definition: change.before } : t));
      toolsChanged = true;
      restored.push(change);
    } else if (!(change.before === null ? !now : now && sameJson(now.definition, change.before))) {
      conflicts.push({ change, found: now?.definition ?? null });
    }
  }
  const write = Object.keys(fields).length || toolsChanged ? { fields, tools: toolsChanged ? tools : null } : null;
  return { write, restored, conflicts };
}
