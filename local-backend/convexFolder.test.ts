/**
 * The app's convex/ folder keeps to Convex's default runtime: no Node-only names in deployed
 * modules (no "use node" there), and convex/tsconfig.json without Node's types so
 * `npm run typecheck` refuses them (Convex's runtime: udf-runtime/src/setup.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";
import { APP_PROJECT } from "./testing";
import { hasUseNodeDirective } from "./loader";

const convexDir = path.join(APP_PROJECT, "convex");
const deployed = (readdirSync(convexDir, { recursive: true }) as string[]).filter(
  (f) => /\.(ts|js)$/.test(f) && !f.endsWith(".d.ts") && !f.startsWith("_generated") && path.basename(f).split(".").length === 2,
);

test("convex/tsconfig.json type-checks without Node's types", () => {
  const config = JSON.parse(readFileSync(path.join(convexDir, "tsconfig.json"), "utf8")) as { compilerOptions: { types?: string[] } };
  expect(config.compilerOptions.types).toEqual([]);
});

test('deployed convex/ modules use no Node-only globals or node: imports outside "use node"', () => {
  const offenders: string[] = [];
  for (const file of deployed) {
    const source = readFileSync(path.join(convexDir, file), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "");
    if (hasUseNodeDirective(source)) continue;
    for (const pattern of [
      /\bBuffer\b/,
      /\brequire\(/,
      /\bsetImmediate\b/,
      /\bglobal\./,
      /process\.(?!env\b)\w+/,
      /from\s+["']node:/,
      /__dirname/,
    ]) {
      if (pattern.test(source)) offenders.push(`${file}: ${pattern}`);
    }
  }
  expect(deployed.length).toBeGreaterThan(10);
  expect(offenders).toEqual([]);
});
