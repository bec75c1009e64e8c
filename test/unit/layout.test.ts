import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The layout is the architecture (STYLE.md): the simulators are tooling that tests, benchmarks and the
// demo share, so none of those reaches into test/, and the product itself never depends on a
// simulator; every HTTP route lives in server/http/. A move that breaks this compiles fine, so it is
// checked here.

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

// `import … from "x"`, `export … from "x"`, `import "x"` and `import("x")`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g;

interface Import {
  /** The importing file, relative to the repository root. */
  file: string;
  /** What it imports, resolved relative to the repository root. */
  target: string;
}

const toPosix = (path: string) => path.split(sep).join("/");

const sourcesIn = (folder: string) =>
  readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
    .filter((name) => /\.tsx?$/.test(name))
    .map((name) => toPosix(join(folder, name)));

function relativeImportsIn(folder: string): Import[] {
  return sourcesIn(folder).flatMap((file) => {
    return [...readFileSync(join(root, file), "utf8").matchAll(SPECIFIER)]
      .map((match) => match[1])
      // Bare specifiers are packages; only relative ones can cross our own folders.
      .filter((specifier) => specifier.startsWith("."))
      .map((specifier) => ({ file, target: toPosix(relative(root, resolve(root, dirname(file), specifier))) }));
  });
}

// An express router or app made, or a route registered on a literal path (`router.get("/x"`).
const ROUTE_CODE = /\bRouter\(|\bexpress\(\)|\.(?:get|post|put|patch|delete|all|use)\(\s*[`"']\//;

/** The files under `folder` that make a router or register a route, with the first such line. */
const routeFilesIn = (folder: string) =>
  sourcesIn(folder).flatMap((file) => {
    const line = readFileSync(join(root, file), "utf8").split("\n").find((text) => ROUTE_CODE.test(text));
    return line ? [`${file}: ${line.trim()}`] : [];
  });

const into = (folder: string) => (i: Import) => i.target === folder || i.target.startsWith(`${folder}/`);
const named = (i: Import) => `${i.file} imports ${i.target}`;

describe("layout", () => {
  it("nothing in server/, bench/ or simulators/ imports from test/", () => {
    const offenders = ["server", "bench", "simulators"].flatMap(relativeImportsIn).filter(into("test"));
    expect(offenders.map(named)).toEqual([]);
  });

  it("in server/, only the demo imports simulators/", () => {
    const fromServer = relativeImportsIn("server").filter(into("simulators"));
    expect(fromServer.filter((i) => !i.file.startsWith("server/demo/")).map(named)).toEqual([]);
    // The scanner sees the demo's own import, so the empty lists above mean something.
    expect(fromServer.map((i) => i.file)).toContain("server/demo/run.ts");
  });

  it("every HTTP route is in server/http/", () => {
    const outside = routeFilesIn("server").filter(
      (hit) =>
        !hit.startsWith("server/http/") &&
        !hit.startsWith("server/generated/"),
    );
    expect(outside).toEqual([]);
    // The scanner sees the routes that are where they belong, so the empty list above means something.
    expect(routeFilesIn("server/http").map((hit) => hit.split(":")[0])).toEqual(expect.arrayContaining(["server/http/routes/webhooks.ts", "server/http/routes/ui/mapping.ts", "server/http/app.ts"]));
  });

  it("server/queue/ sits below the layers that use it: it imports only the database and config", () => {
    const imports = relativeImportsIn("server/queue");
    const below = ["server/queue", "server/db", "server/config"].map(into);
    expect(imports.filter((i) => !below.some((allowed) => allowed(i))).map(named)).toEqual([]);
    // The scanner sees the queue's own imports, so the empty list above means something.
    expect(imports.map(named)).toContain("server/queue/failures.ts imports server/db/client.js");
  });
  it("no two folders of server/ import each other (madge checks files; this checks the layers)", () => {
    // The folder of a file under server/: server/booking/providers/x.ts -> booking; server/main.ts -> main.ts.
    const folderOf = (path: string) => path.split("/")[1]!.replace(/\.js$/, "");
    const edges = new Map<string, Set<string>>();
    for (const i of relativeImportsIn("server").filter((i) => !i.file.startsWith("server/generated/") && i.target.startsWith("server/"))) {
      const [from, to] = [folderOf(i.file), folderOf(i.target)];
      if (from !== to) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
    const both = [...edges].flatMap(([from, tos]) => [...tos].filter((to) => from < to && edges.get(to)?.has(from)).map((to) => `${from} <-> ${to}`));
    expect(both).toEqual([]);
    // The scanner sees the folders' imports, so the empty list above means something.
    expect(edges.get("sync")).toContain("contacts");
  });
  it("no file holds an unresolved merge conflict", () => {
    const files = ["README.md", ...["server", "hubspot-app", "simulators", "test", "bench", "docs", "scripts", "prisma"].flatMap((folder) =>
      readdirSync(join(root, folder), { recursive: true, encoding: "utf8" })
        .filter((name) => /\.(tsx?|md|json|sql|sh|prisma)$/.test(name) && !name.includes("generated") && !name.includes("node_modules"))
        .map((name) => toPosix(join(folder, name))),
    )];
    const marker = /^(<{7}|>{7}) |^={7}$/m;
    expect(files.filter((file) => marker.test(readFileSync(join(root, file), "utf8")))).toEqual([]);
    expect(files).toContain("docs/runbook.md");
  });
});
