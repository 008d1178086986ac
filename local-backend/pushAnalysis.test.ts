/** What start_push tells the CLI about the http and crons modules (module_versions.rs SerializedAnalyzedModule). */
import { cronJobs, httpActionGeneric, httpRouter, internalMutationGeneric, makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import { expect, test } from "vitest";
import { analyzeModules } from "./pushAnalysis";

test("the http module's routes and the crons module's jobs are analyzed; other modules have neither", () => {
  const http = httpRouter();
  const handler = httpActionGeneric(async () => new Response("ok"));
  http.route({ path: "/a", method: "GET", handler });
  http.route({ pathPrefix: "/files/", method: "POST", handler });
  const crons = cronJobs();
  const beat = internalMutationGeneric({ args: { n: v.number() }, handler: async () => null });
  crons.interval("beat", { minutes: 5 }, makeFunctionReference<"mutation", { n: number }>("jobs:beat"), { n: 1 });
  const analysis = analyzeModules(
    new Map<string, Record<string, unknown>>([
      ["http", { default: http }],
      ["crons", { default: crons }],
      ["jobs", { beat }],
    ]),
  );
  expect(analysis["http.js"].httpRoutes).toEqual([
    { route: { path: "/a", method: "GET" }, pos: null },
    { route: { path: "/files/*", method: "POST" }, pos: null },
  ]);
  expect(analysis["http.js"].cronSpecs).toBeNull();
  const [spec] = analysis["crons.js"].cronSpecs ?? [];
  expect(spec.identifier).toBe("beat");
  expect(spec.spec.udfPath).toBe("jobs:beat");
  expect(JSON.parse(new TextDecoder().decode(new Uint8Array(spec.spec.udfArgs)))).toEqual([{ n: 1 }]);
  expect(spec.spec.cronSchedule).toEqual({ type: "interval", seconds: 300 });
  expect(analysis["jobs.js"]).toMatchObject({ httpRoutes: null, cronSpecs: null, functions: [{ name: "beat", udfType: "Mutation" }] });
});
