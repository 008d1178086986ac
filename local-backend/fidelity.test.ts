/**
 * Convex behaviours over the wire through the real `convex` client, each naming the Convex rule
 * and source it follows (issue 11).
 */
import { ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { FIXTURE_PROJECT, spawnBackend, tempDataDir, type RunningBackend } from "./testing";

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

describe("functions see deployment variables only (crates/udf/src/environment.rs system_env_vars; udf-runtime setup.ts process.env)", () => {
  let isolated: RunningBackend;
  beforeAll(async () => {
    const dataDir = tempDataDir();
    // What `npx convex env set FIXTURE_DEPLOYED deployed` stores (deploymentEnv.ts).
    writeFileSync(path.join(dataDir, "env.json"), JSON.stringify({ FIXTURE_DEPLOYED: "deployed" }));
    isolated = await spawnBackend({ projectDir: FIXTURE_PROJECT, dataDir, env: { FIXTURE_SERVER_ONLY: "server", SITE_URL: "http://app.example" } });
  });
  afterAll(async () => isolated?.stop());

  test.each([
    ["a default-runtime query", "query", "fidelity:envSeen"],
    ["a \"use node\" action", "action", "nodeActions:nodeEnvSeen"],
  ] as const)("%s: no HOME, PATH or server variables; deployment variables, SITE_URL and CONVEX_*_URL; read-only", async (_what, kind, name) => {
    const client = new ConvexHttpClient(isolated.cloudUrl);
    const seen = await (client[kind] as (n: never, a: never) => Promise<{ values: Record<string, string | null>; write: string; keys?: boolean }>)(name as never, {} as never);
    expect(seen.values).toEqual({
      HOME: null,
      PATH: null,
      FIXTURE_SERVER_ONLY: null,
      LOCAL_BACKEND_SECRET: null,
      FIXTURE_DEPLOYED: "deployed",
      SITE_URL: "http://app.example",
      CONVEX_CLOUD_URL: isolated.cloudUrl,
      CONVEX_SITE_URL: isolated.siteUrl,
    });
    expect(seen.write).toContain("process.env is read-only");
    if (kind === "action") expect(seen.keys).toBe(false);
  });
});
