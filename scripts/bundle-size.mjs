#!/usr/bin/env node
// `npm run size`: the gzip size of the JavaScript each entry of the built SPA (dist/) loads before
// its page can render — the share route (src/shareMain.tsx) and the members' app (src/appMain.tsx).
// Reads Vite's manifest; run `npm run build` first. `--max-share <kB>` fails above a budget.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const manifest = JSON.parse(readFileSync(path.join(dist, ".vite", "manifest.json"), "utf8"));

/** The chunk files a manifest key pulls in through static imports (what must load before it runs). */
function closure(key, seen = new Set()) {
  const chunk = manifest[key];
  if (!chunk || seen.has(chunk.file)) return seen;
  seen.add(chunk.file);
  for (const dep of chunk.imports ?? []) closure(dep, seen);
  return seen;
}

const gz = (file) => gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
const kB = (bytes) => (bytes / 1024).toFixed(1);

function route(name, key) {
  const files = new Set([...closure("index.html"), ...closure(key)]);
  const js = [...files].filter((f) => f.endsWith(".js"));
  const total = js.reduce((sum, f) => sum + gz(f), 0);
  console.log(`${name}: ${kB(total)} kB gzip JS in ${js.length} files`);
  for (const f of js.sort((a, b) => gz(b) - gz(a))) console.log(`  ${kB(gz(f)).padStart(6)} kB  ${f}`);
  return total;
}

const share = route("share route (/share/<token>)", "src/shareMain.tsx");
route("members' app entry (before its route chunk)", "src/appMain.tsx");
const max = process.argv.indexOf("--max-share");
if (max !== -1 && share / 1024 > Number(process.argv[max + 1])) {
  console.error(`share route is over its budget of ${process.argv[max + 1]} kB`);
  process.exit(1);
}
