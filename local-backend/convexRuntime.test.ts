/**
 * Functions run as Convex's runtime runs them, over the wire through the real `convex` client:
 * the default runtime's globals (udf-runtime/src/setup.ts), the CLI's bundling rules for
 * "use node" (convex/src/bundler/index.ts, crates/node_executor/src/executor.rs), determinism in
 * queries and mutations (crates/isolate/src/environment/udf/mod.rs) and the log limits.
 */
import { ConvexHttpClient } from "convex/browser";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { APP_PROJECT, FIXTURE_PROJECT, spawnBackend, type RunningBackend } from "./testing";

let backend: RunningBackend;
let http: ConvexHttpClient;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: FIXTURE_PROJECT });
  http = new ConvexHttpClient(backend.cloudUrl);
});
afterAll(async () => backend?.stop());

const call = <T>(kind: "query" | "mutation" | "action", name: string, args: object = {}) =>
  (http[kind] as (n: never, a: never) => Promise<T>)(name as never, args as never);

type Seen = {
  types: Record<string, string>;
  cwd: string;
  siteUrl: string | null;
  envWrite: string;
  afterWrite: string | null;
  self: boolean;
  bytes: string;
  uuid: boolean;
};

/** A project of its own holding only `files` (plus the `convex` package), for load-time rules. */
function projectWith(files: Record<string, string>) {
  const project = mkdtempSync(path.join(tmpdir(), "reelgate-runtime-"));
  mkdirSync(path.join(project, "convex"));
  for (const [name, source] of Object.entries(files)) writeFileSync(path.join(project, "convex", name), source);
  mkdirSync(path.join(project, "node_modules"));
  symlinkSync(path.join(APP_PROJECT, "node_modules", "convex"), path.join(project, "node_modules", "convex"));
  return project;
}
const loadFailure = async (files: Record<string, string>) => {
  const failed = await spawnBackend({ projectDir: projectWith(files) }).then(
    async (running) => {
      await running.stop();
      return "";
    },
    (error: { output?: string }) => error.output ?? String(error),
  );
  expect(failed).not.toBe("");
  return failed;
};

describe("Convex's default runtime has Web APIs only (udf-runtime/src/setup.ts)", () => {
  test.each(["globalsInQuery", "globalsInAction"])(
    "%s: no Buffer, require, global, setImmediate, process.cwd; Web APIs and a process.env writes do not change",
    async (fn) => {
      const seen = await call<Seen>(fn.endsWith("Query") ? "query" : "action", `isolate:${fn}`);
      for (const name of ["Buffer", "require", "global", "setImmediate", "module", "exports", "__dirname", "queueMicrotask"])
        expect(seen.types[name], name).toBe("undefined");
      for (const name of [
        "Request",
        "Response",
        "Headers",
        "URL",
        "URLSearchParams",
        "TextEncoder",
        "TextDecoder",
        "ReadableStream",
        "Blob",
        "File",
        "FormData",
        "atob",
        "btoa",
        "structuredClone",
        "AbortController",
        "setTimeout",
        "fetch",
      ]) {
        expect(seen.types[name], name).toBe("function");
      }
      expect(seen.types.crypto).toBe("object");
      expect(seen.types.console).toBe("object");
      expect(seen.cwd).toBe("undefined");
      expect(seen.siteUrl).toBe(backend.siteUrl);
      // udf-runtime setup.ts: process.env is a Proxy with only a `get` trap: a write does not
      // throw, and reads still answer from the deployment's variables.
      expect(seen.envWrite).toBe("allowed");
      expect(seen.afterWrite).toBeNull();
      expect(seen).toMatchObject({ self: true, bytes: "aMOp", uuid: true });
    },
  );

  test.each(["codeFromStringsInQuery", "codeFromStringsInAction"])(
    "%s: eval and new Function are refused, as V8 is started with --disallow-code-generation-from-strings (crates/isolate/src/client.rs)",
    async (fn) => {
      const refused = "EvalError: Code generation from strings disallowed for this context";
      expect(await call(fn.endsWith("Query") ? "query" : "action", `isolate:${fn}`)).toEqual({ eval: refused, newFunction: refused });
    },
  );

  test('"use node" modules run in Node (convex/src/bundler/index.ts): Buffer and node: imports work there', async () => {
    expect(await call("action", "nodeActions:nodeGlobals")).toEqual({ buffer: "function", cwd: "function", digest: "2d711642" });
  });

  test('a node: import without "use node" fails at load with the convex CLI\'s message', async () => {
    const output = await loadFailure({
      "hashes.ts":
        'import { createHash } from "node:crypto";\nimport { queryGeneric } from "convex/server";\nexport const h = queryGeneric({ args: {}, handler: async () => createHash("sha256").digest("hex") });\n',
    });
    expect(output).toContain('Could not resolve "node:crypto"');
    expect(output).toContain('It looks like you are using Node APIs from a file without the "use node" directive.');
  }, 30_000);

  test('a "use node" module may export only actions (crates/node_executor/src/executor.rs)', async () => {
    const output = await loadFailure({
      "nodeQuery.ts":
        '"use node";\nimport { queryGeneric } from "convex/server";\nexport const q = queryGeneric({ args: {}, handler: async () => 1 });\n',
    });
    expect(output).toContain('`q` defined in `"nodeQuery.js"` is a Query function. Only actions can be defined in Node.js.');
  }, 30_000);

  test('"use node" is refused in http, crons, schema and auth.config (convex CLI mustBeIsolate)', async () => {
    const output = await loadFailure({
      "crons.ts": '"use node";\nimport { cronJobs } from "convex/server";\nexport default cronJobs();\n',
    });
    expect(output).toContain('"use node" directive is not allowed for crons.ts.');
  }, 30_000);
});

type Sample = {
  t0: number;
  d0: number;
  t1: number;
  d1: number;
  p0: number;
  p1: number;
  origin: number;
  random: [number, number];
  bytes: number[];
};

describe("queries and mutations are deterministic (crates/isolate/src/environment/udf/mod.rs)", () => {
  test.each([
    ["query", "isolate:clockInQuery", { n: 1 }],
    ["mutation", "isolate:clockInMutation", {}],
  ] as const)(
    "%s: Date.now() and new Date() frozen at the start; Math.random and getRandomValues seeded per execution",
    async (kind, name, args) => {
      const before = Date.now();
      const a = await call<Sample>(kind, name, args);
      const b = await call<Sample>(kind, name, kind === "query" ? { n: 2 } : args);
      expect(a.t0).toBeGreaterThanOrEqual(before - 5);
      expect([a.d0, a.t1, a.d1]).toEqual([a.t0, a.t0, a.t0]);
      // performance.now() starts at the execution's start; it moves in a mutation, not in a query (helpers/performance.rs).
      expect(Math.abs(a.origin + a.p0 - a.t0)).toBeLessThan(5);
      if (kind === "query") expect(a.p1).toBe(a.p0);
      else expect(a.p1 - a.p0).toBeGreaterThan(1);
      expect(a.random[0]).not.toBe(a.random[1]);
      for (const r of [...a.random, ...b.random]) expect(r >= 0 && r < 1, String(r)).toBe(true);
      expect(a.random).not.toEqual(b.random); // a new seed per execution
      expect(a.bytes).not.toEqual(b.bytes);
    },
  );

  test("actions see the clock move", async () => {
    const a = await call<Sample>("action", "isolate:clockInAction");
    expect(a.t1).toBeGreaterThan(a.t0);
  });

  test.each([
    ["fetch", "Can't use fetch() in queries and mutations. Please consider using an action."],
    ["setTimeout", "Can't use setTimeout in queries and mutations. Please consider using an action."],
    ["setInterval", "Can't use setInterval in queries and mutations. Please consider using an action."],
    ["generateKey", "Can't use cryptographic randomness in queries and mutations. Please consider using an action."],
    ["formData", "Can't use formData() in queries and mutations. Please consider using an action."],
  ])("%s throws Convex's not_allowed_in_udf error in queries and mutations, works in actions", async (what, message) => {
    await expect(call("query", "isolate:tryInQuery", { what })).rejects.toThrow(message);
    await expect(call("mutation", "isolate:tryInMutation", { what })).rejects.toThrow(message);
    expect(await call("action", "isolate:tryInAction", { what })).toBe(what === "fetch" ? "function" : "ok");
  });
});

test.each(["query", "mutation"] as const)(
  "%s: performance.mark / measure / getEntries as Convex's runtime has them, entries per execution",
  async (kind) => {
    const name = kind === "query" ? "isolate:userTimingInQuery" : "isolate:userTimingInMutation";
    type Timing = Record<string, unknown> & { between: { duration: number; startTime: number }; refusals: Record<string, string> };
    const first = await call<Timing>(kind, name);
    const second = await call<Timing>(kind, name);
    for (const seen of [first, second]) {
      expect(seen.seenBefore).toBe(0); // another execution's entries are not this one's
      expect(seen.names).toEqual(["mark:a", "mark:b", "measure:a to b", "measure:fixed", "measure:until now"]);
      expect([seen.marks, seen.byName, seen.untilNow]).toEqual([2, 1, true]);
      expect(seen.fixed).toEqual({ name: "fixed", entryType: "measure", startTime: 1, duration: 2, detail: "d" });
      expect(seen.bJson).toMatchObject({ name: "b", entryType: "mark", duration: 0, detail: { step: 2 } });
      expect(seen.isMark).toBe("[object PerformanceEntry]");
      expect(seen.constructed).toBe(5);
      expect(seen.between.startTime).toBe(0);
      // A query's clock stands still (helpers/performance.rs), a mutation's moves.
      if (kind === "query") expect(seen.between.duration).toBe(0);
      else expect(seen.between.duration).toBeGreaterThanOrEqual(0);
      expect(seen.refusals).toEqual({
        noName: "TypeError: Failed to execute 'mark' on 'Performance': 1 argument required, but only 0 present.",
        missingMark: 'SyntaxError: Cannot find mark: "nope"',
        allThree: 'TypeError: Cannot specify "start", "end", and "duration" together in options',
        withEnd: 'TypeError: Options cannot be passed with "endMark"',
        negativeMark: "TypeError: Mark cannot be negative: received -1",
        negativeStart: "TypeError: Cannot construct PerformanceMark: startTime cannot be negative, received -1",
        illegal: "TypeError: Illegal constructor",
      });
      expect(seen.cleared).toEqual(["b"]);
    }
  },
);

test.each([
  ["urlencoded", { body: "a=1&b=two", contentType: "application/x-www-form-urlencoded" }, ["a=1", "b=two"]],
  ["urlencoded, cloned", { body: "a=1", contentType: "application/x-www-form-urlencoded;charset=UTF-8", clone: true }, ["a=1"]],
  ["no content type", {}, "TypeError: Missing content type"],
  ["text", { body: "a=1", contentType: "text/plain" }, "TypeError: Body cannot be decoded as form data"],
  [
    "multipart without a boundary",
    { body: "x", contentType: "multipart/form-data" },
    "TypeError: Missing boundary parameter in mime type of multipart formdata.",
  ],
  [
    "multipart",
    { body: "--b\r\n\r\n", contentType: "multipart/form-data; boundary=b" },
    "Error: Can't use formData() in queries and mutations. Please consider using an action. See https://docs.convex.dev/functions/actions for more details.",
  ],
  [
    "multipart, cloned",
    { body: "--b\r\n\r\n", contentType: "multipart/form-data; boundary=b", clone: true },
    "Error: Can't use formData() in queries and mutations. Please consider using an action. See https://docs.convex.dev/functions/actions for more details.",
  ],
])(
  "formData() in a query, %s, as udf-runtime/src/21_formdata.ts decodes it (a urlencoded body by a sync op)",
  async (_name, args, expected) => {
    expect(await call("query", "isolate:decodeFormInQuery", args)).toEqual(expected);
  },
);

describe("a rejection left unhandled fails the execution (crates/isolate/src/environment/udf/mod.rs, action/mod.rs UnhandledPromiseRejection)", () => {
  test.each(["query", "mutation", "action"] as const)(
    "%s: a floating rejected promise fails it; one handled in the same turn does not",
    async (kind) => {
      const name = `isolate:floatingIn${kind[0].toUpperCase()}${kind.slice(1)}`;
      const args = (what: string, tag: string) => (kind === "mutation" ? { what, tag } : { what });
      await expect(call(kind, name, args("reject", `${kind}-reject`))).rejects.toThrow("Uncaught Error: left unhandled");
      expect(await call(kind, name, args("handledLater", `${kind}-handled`))).toBe("returned");
      if (kind === "mutation") {
        expect(await call("query", "isolate:looseTagged", { tag: "mutation-reject" })).toBe(0); // rolled back
        expect(await call("query", "isolate:looseTagged", { tag: "mutation-handled" })).toBe(1);
      }
    },
  );

  test.each(["query", "mutation"] as const)(
    "%s: setTimeout does not throw but fails the execution, as Convex's sleep op rejects (udf-runtime/src/02_timers.ts)",
    async (kind) => {
      const name = `isolate:floatingIn${kind[0].toUpperCase()}${kind.slice(1)}`;
      await expect(
        call(kind, name, kind === "mutation" ? { what: "setTimeoutCaught", tag: "timer" } : { what: "setTimeoutCaught" }),
      ).rejects.toThrow("Uncaught Error: Can't use setTimeout in queries and mutations.");
    },
  );

  test.each(["query", "mutation"] as const)(
    "%s: fetch() returns a rejected promise, as Convex's async fetch does (udf-runtime/src/26_fetch.ts)",
    async (kind) => {
      const name = `isolate:floatingIn${kind[0].toUpperCase()}${kind.slice(1)}`;
      expect(await call(kind, name, kind === "mutation" ? { what: "fetchCaught", tag: "fetch" } : { what: "fetchCaught" })).toBe(
        "returned",
      );
    },
  );
});

describe("log lines (crates/isolate/src/environment/helpers/mod.rs MAX_LOG_LINES, docs limits)", () => {
  type Logged = { logLines: string[] };
  const logged = async (lines: number, length: number) => {
    const res = await fetch(`${backend.cloudUrl}/api/query`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path: "isolate:logMany", args: [{ lines, length }], format: "json" }),
    });
    return ((await res.json()) as Logged).logLines;
  };

  test("256 lines per execution, the last one Convex's overflow notice", async () => {
    const lines = await logged(300, 1);
    expect(lines).toHaveLength(256);
    expect(lines[254]).toBe("[LOG] '254:x'");
    expect(lines[255]).toBe("[ERROR] Log overflow (maximum 256). Remaining log lines omitted.");
  });

  test("a line longer than 4 KiB is cut with Convex's suffix", async () => {
    const [line] = await logged(1, 5000);
    // The quoted argument (logFormat.ts) is what is cut at 4 KiB.
    expect(line).toBe(`[LOG] '0:${"x".repeat(4093)} (truncated due to length)`);
  });
});

test("storage: the Blob from ctx.storage.get() can be read once, as Convex's streaming Blob (udf-runtime/src/09_file.ts)", async () => {
  const uploadUrl = await call<string>("mutation", "messages:generateUploadUrl");
  const { storageId } = (await (await fetch(uploadUrl, { method: "POST", body: "stored bytes" })).json()) as { storageId: string };
  expect(await call("action", "isolate:readBlobTwice", { storageId })).toEqual({
    first: "stored bytes",
    head: "stored",
    second: "TypeError: Can't re-read streaming Blob",
    arrayBuffer: "TypeError: Can't re-read streaming Blob",
    sliceAfter: "TypeError: Can't re-read streaming Blob",
  });
});
