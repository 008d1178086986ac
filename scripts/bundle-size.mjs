#!/usr/bin/env node
// `npm run size`: the gzip size of the JavaScript each page of the built SPA loads before it can
// be used — the share page (share.html, its own build: scripts/buildSpa.mjs) up to the video's
// first frame, i.e. with the video player's chunk it fetches on every video link, and the
// members' app (index.html) before its route chunk. Chunks loaded only on demand (comments, the
// collection player, the password form, the downloader, the app's routes) are not counted.
// Reads Vite's manifests; run `npm run build` first (or pass `--dist <dir>`).
// Exits 1 when the share page is over its budget (kB = 1000 bytes; `--max-share <kB>` to override).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

// Issue 15's target. React DOM alone is ~69.6 kB of it.
const SHARE_BUDGET_KB = 90;
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.resolve(arg("--dist") ?? path.join(root, "dist"));
const budget = Number(arg("--max-share") ?? SHARE_BUDGET_KB);
const readManifest = (name) => JSON.parse(readFileSync(path.join(dist, ".vite", name), "utf8"));

/** The chunk files a manifest key pulls in through static imports (what must load before it runs). */
function closure(manifest, key, seen = new Set()) {
  const chunk = manifest[key];
  if (!chunk) throw new Error(`${key} is not in the manifest of ${dist}`);
  if (seen.has(chunk.file)) return seen;
  seen.add(chunk.file);
  for (const dep of chunk.imports ?? []) closure(manifest, dep, seen);
  return seen;
}

const gz = (file) => gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
const kB = (bytes) => (bytes / 1000).toFixed(1);

function route(label, manifest, keys) {
  const files = new Set(keys.flatMap((key) => [...closure(manifest, key)]));
  const js = [...files].filter((f) => f.endsWith(".js"));
  const total = js.reduce((sum, f) => sum + gz(f), 0);
  console.log(`${label}: ${kB(total)} kB gzip JS (${total} bytes) in ${js.length} files`);
  for (const f of js.sort((a, b) => gz(b) - gz(a))) console.log(`  ${kB(gz(f)).padStart(6)} kB  ${f}`);
  return total;
}

const share = route("share route (/share/<token>, to the video's first frame)", readManifest("share-manifest.json"), [
  "share.html",
  "src/components/SharePlayer.tsx",
]);
route("members' app entry (before its route chunk)", readManifest("manifest.json"), ["index.html"]);
if (share / 1000 > budget) {
  console.error(`share route: ${kB(share)} kB is over its budget of ${budget} kB`);
  process.exit(1);
}
console.log(`share route within its budget of ${budget} kB`);
