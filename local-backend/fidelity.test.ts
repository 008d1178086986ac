/**
 * Convex behaviours over the wire through the real `convex` client, each naming the Convex rule
 * and source it follows (issue 11).
 */
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FIXTURE_PROJECT, spawnBackend, type RunningBackend } from "./testing";

let backend: RunningBackend;
let http: ConvexHttpClient;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: FIXTURE_PROJECT });
  http = new ConvexHttpClient(backend.cloudUrl);
});
afterAll(async () => backend?.stop());

const call = <T>(kind: "query" | "mutation" | "action", name: string, args: object = {}) => (http[kind] as (n: never, a: never) => Promise<T>)(name as never, args as never);

describe("v.literal(5n) (convex/src/values/validator.ts VLiteral, bigint literal encoded as { $integer })", () => {
  test("accepts 5n", async () => {
    expect(await call("query", "fidelity:literalBig", { n: 5n })).toBe("bigint");
  });
  test.each([[null], [5], [6n]])("refuses %s", async (n) => {
    await expect(call("query", "fidelity:literalBig", { n })).rejects.toThrow(/ArgumentValidationError/);
  });
});

describe("index range bounds defined once (crates/common/src/query.rs IndexRange::split, already_defined_bound_error)", () => {
  test.each([
    ["twoEq", `Already defined equality bound in index range. Can't add "channel" == "a".`],
    ["twoLower", `Already defined lower bound in index range. Can't add "channel" >= "b".`],
    ["twoUpper", `Already defined upper bound in index range. Can't add "channel" <= "y".`],
    ["eqAndBound", `Already defined inequality bound in index range. Can't add "channel" == "a".`],
  ])("%s is refused", async (kind, message) => {
    await expect(call("query", "fidelity:duplicateBounds", { kind })).rejects.toThrow(message);
  });
  test("one lower and one upper bound are read", async () => {
    expect(await call("query", "fidelity:duplicateBounds", { kind: "ok" })).toBe(0);
  });
});
