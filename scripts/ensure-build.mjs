// Runs before `npm start`, `start:web` and `start:worker`: production runs compiled JavaScript
// (dist/), so a checkout that was never built, or whose sources or Prisma schema changed since, is
// built first (`npm run build`: prisma generate, then tsc). The order of the documented commands
// cannot fail: `npm ci && npm start` works.
import { execSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const built = join(root, "dist/server/main.js");

/** The newest modification time under a folder (generated code and the output left out). */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "generated" || entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const sources = Math.max(newest(join(root, "server")), newest(join(root, "prisma")), newest(join(root, "hubspot-app/app/shared")));
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
  console.error(existsSync(built) ? "sources changed since the last build: building" : "not built yet: building (npm run build)");
  execSync("npm run --silent build", { cwd: root, stdio: "inherit" });
}
