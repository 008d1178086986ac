/** Component environment variables: the push's type check and a child's `process.env` (componentEnv.ts, after type_checking.rs and udf/phase.rs). */
import { expect, test } from "vitest";
import { childEnv, envBindings, envDeclarations, resolveChildEnv, type ComponentEnvBinding } from "./componentEnv";

const declared = (spec: Record<string, [unknown, boolean?]>) =>
  envDeclarations(
    Object.entries(spec).map(([name, [validator, optional]]) => [name, { type: "value", value: JSON.stringify(validator), optional }]),
  );
const str = { type: "string" };
const literal = (value: string) => ({ type: "literal", value });
const bindings = (spec: Record<string, string | { ref: string }>) =>
  envBindings(
    Object.entries(spec).map(([k, v]) => [k, typeof v === "string" ? { type: "value", value: v } : { type: "envVar", name: v.ref }]),
  );
const app = { declarations: declared({ KEY: [str], MAYBE: [str, true], COLOR: [literal("red")] }), resolved: null };

test("what a parent passes is checked against the child's declarations, with Convex's messages", () => {
  const child = declared({ KEY: [str], MODE: [{ type: "union", value: [literal("a"), literal("b")] }], EXTRA: [str, true] });
  expect(resolveChildEnv("c", child, bindings({ KEY: { ref: "KEY" }, MODE: "a" }), app)).toEqual(
    new Map<string, ComponentEnvBinding>([
      ["KEY", { type: "envVar", name: "KEY" }],
      ["MODE", { type: "value", value: "a" }],
    ]),
  );
  const refused =
    (b: ReturnType<typeof bindings>, decls = child) =>
    () =>
      resolveChildEnv("c/d", decls, b, app);
  const who = 'Component [ComponentName(Identifier("c")), ComponentName(Identifier("d"))]';
  expect(refused(bindings({ MODE: "a" }))).toThrow(`${who} is missing required env var Identifier("KEY")`);
  expect(refused(bindings({ KEY: "k", MODE: "c" }))).toThrow(`${who} has an invalid value for env var Identifier("MODE")`);
  expect(refused(bindings({ KEY: "k", MODE: "a", NOPE: "x" }))).toThrow(`${who} has no env var named Identifier("NOPE")`);
  expect(refused(bindings({ KEY: { ref: "UNDECLARED" }, MODE: "a" }))).toThrow("references undeclared parent env var UNDECLARED");
  expect(refused(bindings({ KEY: { ref: "MAYBE" }, MODE: "a" }))).toThrow("is required, but parent env var MAYBE is optional");
  // A parent's literal satisfies a child's string; a parent's string does not satisfy a child's literal union.
  expect(() => resolveChildEnv("c", declared({ K: [str] }), bindings({ K: { ref: "COLOR" } }), app)).not.toThrow();
  expect(refused(bindings({ KEY: "k", MODE: { ref: "KEY" } }))).toThrow("validator is not satisfied by parent env var KEY validator");
});

test("below the app, a reference to the parent's variable becomes the parent's own binding (or nothing)", () => {
  const parent = {
    declarations: declared({ P: [str], Q: [str, true] }),
    resolved: new Map<string, ComponentEnvBinding>([["P", { type: "envVar", name: "ROOT_P" }]]),
  };
  const resolved = resolveChildEnv("a/b", declared({ X: [str], Y: [str, true] }), bindings({ X: { ref: "P" }, Y: { ref: "Q" } }), parent);
  expect(resolved).toEqual(new Map([["X", { type: "envVar", name: "ROOT_P" }]]));
});

test("a child's process.env: its bindings read now, the system variables (CONVEX_SITE_URL at its mount), nothing else of the app", () => {
  const deployment: Record<string, string> = {
    ROOT_P: "one",
    SECRET: "s",
    CONVEX_SITE_URL: "http://site/",
    CONVEX_CLOUD_URL: "http://cloud",
  };
  const root = { get: (n: string) => deployment[n], names: () => Object.keys(deployment) };
  const env = childEnv(
    new Map<string, ComponentEnvBinding>([
      ["X", { type: "envVar", name: "ROOT_P" }],
      ["V", { type: "value", value: "fixed" }],
    ]),
    "/hello/inner/",
    root,
  );
  expect([env.get("X"), env.get("V"), env.get("SECRET"), env.get("CONVEX_CLOUD_URL")]).toEqual(["one", "fixed", undefined, "http://cloud"]);
  expect(env.get("CONVEX_SITE_URL")).toBe("http://site/hello/inner");
  deployment.ROOT_P = "two";
  expect(env.get("X")).toBe("two");
  expect(env.names().sort()).toEqual(["CONVEX_CLOUD_URL", "CONVEX_SITE_URL", "V", "X"]);
  expect(childEnv(new Map(), undefined, root).get("CONVEX_SITE_URL")).toBe("http://site/");
});
