// The npm registry mirror this project is built against does not serve the darwin/win32 builds of
// some optional native packages (msgpackr-extract), so `npm install` leaves them out of
// package-lock.json, and `npm ci` then refuses the lock as out of sync. This adds a lock entry for
// every optional platform package a locked package names but the lock lacks (never installed on a
// platform it does not match). Run after `npm install`:  node scripts/lockfile-platforms.mjs
import { readFileSync, writeFileSync } from "node:fs";

const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const packages = lock.packages;
let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (packages[key] || packages[`${path}/${key}`]) continue;
    const platform = /-(darwin|linux|win32|freebsd|android)-(arm64|x64|arm|ia32)(-|$)/.exec(name);
    if (!platform) continue;
    packages[key] = { version: version.replace(/^[\^~]/, ""), cpu: [platform[2]], license: entry.license ?? "MIT", optional: true, os: [platform[1]] };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
writeFileSync("package-lock.json", `${JSON.stringify(lock, null, 2)}\n`);
console.log(`lockfile-platforms: ${added} entr${added === 1 ? "y" : "ies"} added`);
