/** stackFrames: a bundle's source map is parsed only when an error's frames first need it, then maps them as before. */
import { transformSync } from "esbuild";
import { expect, test } from "vitest";
import { convexFrames, registerSourceMap, sourceMapParsed } from "./stackFrames";

test("a registered source map stays unparsed until a stack is mapped through it", () => {
  const code = ["export function shout(text: string) {", "  throw new Error(text.toUpperCase());", "}"].join("\n");
  const built = transformSync(code, { loader: "ts", sourcemap: "external", sourcefile: "../convex/shout.ts", format: "cjs" });
  const bundle = "/virtual/lazy-map-bundle.js";
  registerSourceMap(bundle, built.map);
  expect(sourceMapParsed(bundle)).toBe(false);
  // The `throw` of the built code, as V8 would name it in a stack.
  const lines = built.code.split("\n");
  const line = lines.findIndex((l) => l.includes("throw new Error"));
  const column = lines[line].indexOf("throw") + 1;
  const frames = convexFrames(`Error: HI\n    at shout (${bundle}:${line + 1}:${column})\n    at elsewhere (/not/mapped.js:1:1)`);
  expect(sourceMapParsed(bundle)).toBe(true);
  expect(frames).toBe("    at shout (../convex/shout.ts:2:3)\n");
});
