import { describe, expect, it } from "vitest";
import { planApply, planUndo, sameJson, type Desired, type ResourceState } from "../../server/vendor-setup/plan.js";

// The diff and undo of a vendor resource the app configures (server/vendor-setup/plan.ts).

const ours = (name: string, url = "https://app.example/tools/tok") => ({ name, definition: { type: "custom", name, url } });
const desired: Desired = { fields: { webhook_url: "https://app.example/webhooks/tok" }, tools: [ours("check_availability"), ours("lookup_caller")] };
const endCall = { name: "end_call", definition: { type: "end_call", name: "end_call" } };

describe("planApply", () => {
  it("records the before and after of each field and tool it touches, and nothing else", () => {
    const current: ResourceState = { fields: { webhook_url: null }, tools: [endCall] };
    const { changes, write } = planApply(current, desired);
    expect(changes).toEqual([
      { kind: "field", field: "webhook_url", before: null, after: "https://app.example/webhooks/tok" },
      { kind: "tool", name: "check_availability", before: null, after: ours("check_availability").definition },
      { kind: "tool", name: "lookup_caller", before: null, after: ours("lookup_caller").definition },
    ]);
    expect(write).toEqual({ fields: { webhook_url: "https://app.example/webhooks/tok" }, tools: [endCall, ours("check_availability"), ours("lookup_caller")] });
  });

  it("changes nothing when the resource already holds what we want (applying twice)", () => {
    const current: ResourceState = { fields: { webhook_url: "https://app.example/webhooks/tok" }, tools: [endCall, ours("lookup_caller"), ours("check_availability")] };
    expect(planApply(current, desired)).toEqual({ changes: [], write: null });
  });

  it("replaces a tool of the same name that differs, keeping the admin's version as its before value", () => {
    const theirs = { name: "check_availability", definition: { type: "custom", name: "check_availability", url: "https://old.example/x" } };
    const { changes, write } = planApply({ fields: {}, tools: [theirs] }, { fields: {}, tools: [ours("check_availability")] });
    expect(changes).toEqual([{ kind: "tool", name: "check_availability", before: theirs.definition, after: ours("check_availability").definition }]);
    expect(write!.tools).toEqual([ours("check_availability")]);
  });

  it("sets only fields where the resource has no tool list", () => {
    const { changes, write } = planApply({ fields: { webhook_url: "https://other.example" }, tools: null }, desired);
    expect(changes.map((c) => c.kind)).toEqual(["field"]);
    expect(write).toEqual({ fields: { webhook_url: "https://app.example/webhooks/tok" }, tools: null });
  });
});

describe("planUndo", () => {
  const before: ResourceState = { fields: { webhook_url: "https://theirs.example/hook" }, tools: [endCall] };
  const applied = planApply(before, desired);
  const after: ResourceState = { fields: { ...before.fields, ...applied.write!.fields }, tools: applied.write!.tools };

  it("restores the resource exactly: before values back, only our tools removed", () => {
    const { write, restored, conflicts } = planUndo(after, applied.changes);
    expect(conflicts).toEqual([]);
    expect(restored).toEqual(applied.changes);
    expect(write).toEqual({ fields: { webhook_url: "https://theirs.example/hook" }, tools: [endCall] });
  });

  it("puts a replaced tool back as it was", () => {
    const theirs = { name: "check_availability", definition: { type: "custom", name: "check_availability", url: "https://old.example/x" } };
    const apply = planApply({ fields: {}, tools: [theirs, endCall] }, { fields: {}, tools: [ours("check_availability")] });
    expect(planUndo({ fields: {}, tools: apply.write!.tools }, apply.changes).write!.tools).toEqual([theirs, endCall]);
  });

  it("leaves alone what the admin changed since, and reports it", () => {
    const edited: ResourceState = {
      fields: { webhook_url: "https://admin-moved-it.example" },
      tools: [endCall, { name: "check_availability", definition: { type: "custom", name: "check_availability", url: "https://admin.example" } }, ours("lookup_caller"), { name: "their_new_tool", definition: { type: "custom" } }],
    };
    const { write, restored, conflicts } = planUndo(edited, applied.changes);
    expect(conflicts).toEqual([
      { change: applied.changes[0], found: "https://admin-moved-it.example" },
      { change: applied.changes[1], found: { type: "custom", name: "check_availability", url: "https://admin.example" } },
    ]);
    expect(restored).toEqual([applied.changes[2]]);
    expect(write).toEqual({ fields: {}, tools: [endCall, edited.tools![1], edited.tools![3]] });
  });

  it("needs nothing where the before value is back already (the admin undid it by hand)", () => {
    expect(planUndo(before, applied.changes)).toEqual({ write: null, restored: [], conflicts: [] });
  });

  it("reports a tool we replaced that the admin then deleted", () => {
    const change = { kind: "tool" as const, name: "x", before: { a: 1 }, after: { a: 2 } };
    expect(planUndo({ fields: {}, tools: [] }, [change])).toEqual({ write: null, restored: [], conflicts: [{ change, found: null }] });
  });
});

describe("sameJson", () => {
  it("ignores key order and undefined keys, not values", () => {
    expect(sameJson({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, d: undefined })).toBe(true);
    expect(sameJson({ a: 1 }, { a: "1" })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson(undefined, null)).toBe(true);
  });
});

describe("the live tools the vendor setup adds", () => {
  it("are the tools the tools URL serves, each with an object schema", async () => {
    const { LIVE_TOOL_DEFINITIONS } = await import("../../server/vendor-setup/tool-definitions.js");
    const { TOOL_NAMES } = await import("../../server/booking/tools.js");
    expect(LIVE_TOOL_DEFINITIONS.map((t) => t.name)).toEqual([...TOOL_NAMES, "lookup_caller"]);
    for (const tool of LIVE_TOOL_DEFINITIONS) expect(Object.keys(tool.parameters.properties)).toEqual(expect.arrayContaining(tool.parameters.required ?? []));
  });
});
