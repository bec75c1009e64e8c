import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// Calendar providers sit behind one interface (server/booking/providers/types.ts), one folder each:
// only server/booking/providers/ may know a provider by its id. A comparison elsewhere compiles fine
// and quietly leaves the next provider out, so it is checked here.

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const IDS = "builtin|google|microsoft|acuity|calendly|hubspot";
// `x === "google"`, `"builtin" !== x`, `case "microsoft":`.
const COMPARISON = new RegExp(`[!=]==\\s*["'](?:${IDS})["']|["'](?:${IDS})["']\\s*[!=]==|\\bcase\\s+["'](?:${IDS})["']\\s*:`);

function comparisonsIn(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
    .filter((name) => /\.tsx?$/.test(name))
    .map((name) => join(folder, name).split(sep).join("/"))
    .filter((file) => !file.startsWith("server/booking/providers/"))
    .flatMap((file) =>
      readFileSync(join(root, file), "utf8")
        .split("\n")
        .flatMap((line, i) => (COMPARISON.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
}

describe("calendar provider ids", () => {
  it("the pattern finds the comparisons it is meant to find", () => {
    for (const line of ['if (staff.calendar === "builtin")', "x !== 'google'", '"microsoft" === p', 'case "google":']) expect(COMPARISON.test(line)).toBe(true);
    for (const line of ['calendar: z.enum(["builtin", "google", "microsoft"])', 'id: "google",', 'const id: ProviderId = "builtin";']) expect(COMPARISON.test(line)).toBe(false);
  });

  it("no code in server/ outside server/booking/providers/ branches on a provider id", () => {
    expect(comparisonsIn("server")).toEqual([]);
  });

  it("the scan reads the provider folders too (so the empty list above means something)", () => {
    const inside = readdirSync(join(root, "server/booking/providers"), { recursive: true, encoding: "utf8" }).filter((name) => /\.ts$/.test(name));
    expect(inside.length).toBeGreaterThan(5);
  });
});
