#!/usr/bin/env node
// Regenerates convex/_generated offline.
// 1. `convex codegen --system-udfs` writes the module API (needs no deployment).
// 2. Offline, the CLI cannot evaluate convex.config.ts, so it leaves `components` out;
//    this script reads the `app.use(...)` calls and adds typed component references.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const generated = path.join(root, "convex", "_generated");
const require = createRequire(path.join(root, "package.json"));

// `--check`: regenerate and fail if the committed files differ (they must be reproducible offline).
const check = process.argv.includes("--check");
const snapshot = () => Object.fromEntries(readdirSync(generated).map((f) => [f, readFileSync(path.join(generated, f), "utf8")]));
const before = check ? snapshot() : null;

execFileSync(
  process.execPath,
  [path.join(root, "node_modules", "convex", "bin", "main.js"), "codegen", "--system-udfs", "--typecheck", "disable"],
  { cwd: root, stdio: "inherit" },
);

/** Components mounted by convex/convex.config.ts: [{ name, pkg }] */
export function discoverComponents(configSource) {
  const imports = new Map();
  for (const m of configSource.matchAll(/import\s+(\w+)\s+from\s+["']([^"']+)\/convex\.config(?:\.js)?["']/g)) {
    imports.set(m[1], m[2]);
  }
  const found = [];
  for (const m of configSource.matchAll(/\.use\(\s*(\w+)\s*(?:,\s*\{[^}]*name:\s*["'](\w+)["'][^}]*\})?\s*\)/g)) {
    const pkg = imports.get(m[1]);
    if (!pkg) continue;
    let name = m[2];
    if (!name) {
      const pkgConfig = readFileSync(require.resolve(`${pkg}/convex.config.js`), "utf8");
      name = /defineComponent\(\s*["'](\w+)["']/.exec(pkgConfig)?.[1];
    }
    if (!name) throw new Error(`Cannot tell the name of component ${pkg}`);
    found.push({ name, pkg });
  }
  return found;
}

const components = discoverComponents(readFileSync(path.join(root, "convex", "convex.config.ts"), "utf8"));
const typeLines = components
  .map(({ name, pkg }) => `  ${name}: import("${pkg}/_generated/component.js").ComponentApi<"${name}">;`)
  .join("\n");

const dts = path.join(generated, "api.d.ts");
writeFileSync(dts, readFileSync(dts, "utf8") + `\nexport declare const components: {\n${typeLines}\n};\n`);
const js = path.join(generated, "api.js");
writeFileSync(
  js,
  readFileSync(js, "utf8").replace(
    'import { anyApi } from "convex/server";',
    'import { anyApi, componentsGeneric } from "convex/server";',
  ) + "export const components = componentsGeneric();\n",
);
console.log(`codegen: module API written; components: ${components.map((c) => c.name).join(", ") || "none"}`);
if (before) {
  const after = snapshot();
  const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((f) => before[f] !== after[f]);
  if (changed.length > 0) {
    console.error(`convex/_generated was stale (${changed.join(", ")}): it is now regenerated; commit it.`);
    process.exit(1);
  }
}
