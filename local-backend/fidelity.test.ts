/**
 * Convex behaviours over the wire through the real `convex` client, each naming the Convex rule
 * and source it follows (issue 11).
 */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import type { ConvexError, Value } from "convex/values";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { FIXTURE_PROJECT, spawnBackend, tempDataDir, type RunningBackend } from "./testing";

let backend: RunningBackend;
let http: ConvexHttpClient;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: FIXTURE_PROJECT });
  http = new ConvexHttpClient(backend.cloudUrl);
});
afterAll(async () => backend?.stop());

const call = <T>(kind: "query" | "mutation" | "action", name: string, args: object = {}) =>
  (http[kind] as (n: never, a: never) => Promise<T>)(name as never, args as never);

describe("v.literal(5n) (convex/src/values/validator.ts VLiteral, bigint literal encoded as { $integer })", () => {
  test("accepts 5n", async () => {
    expect(await call("query", "fidelity:literalBig", { n: 5n })).toBe("bigint");
  });
  test.each([[null], [5], [6n]])("refuses %s", async (n) => {
    await expect(call("query", "fidelity:literalBig", { n })).rejects.toThrow(/ArgumentValidationError/);
  });
});

describe("schema enforcement on write (crates/common/src/schemas/mod.rs SchemaEnforcementError::Document, validator.rs ValidationError)", () => {
  test("a document the schema refuses fails the mutation with Convex's text and is not stored", async () => {
    await expect(call("mutation", "fidelity:insertMessage", { doc: { channel: "zz-schema", body: 5 } })).rejects.toThrow(
      'Failed to insert or update a document in table "messages" because it does not match the schema: ' +
        "Value does not match validator.\nPath: .body\nValue: 5.0\nValidator: v.string()",
    );
    await expect(call("mutation", "fidelity:insertMessage", { doc: { channel: "zz-schema", body: "b", mood: "x" } })).rejects.toThrow(
      "Object contains extra field `mood` that is not in the validator.\n\n" +
        'Object: {body: "b", channel: "zz-schema", mood: "x"}\n' +
        "Validator: v.object({author: v.optional(v.string()), body: v.string(), channel: v.string()})",
    );
    expect(await call("query", "messages:list", { channel: "zz-schema" })).toEqual([]);
    await call("mutation", "fidelity:insertMessage", { doc: { channel: "zz-schema", body: "fits" } });
    expect(await call("query", "messages:list", { channel: "zz-schema" })).toMatchObject([{ body: "fits" }]);
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
    isolated = await spawnBackend({
      projectDir: FIXTURE_PROJECT,
      dataDir,
      env: { FIXTURE_SERVER_ONLY: "server", SITE_URL: "http://app.example" },
    });
  });
  afterAll(async () => isolated?.stop());

  test.each([
    // udf-runtime setup.ts: a Proxy with only a `get` trap, so a write lands on its unread target.
    ["a default-runtime query", "query", "fidelity:envSeen", "deployed"],
    // node-executor/src/executor.ts runWithEnvironmentVariables: a plain object, fresh per call.
    ['a "use node" action', "action", "nodeActions:nodeEnvSeen", "changed"],
  ] as const)(
    "%s: no HOME, PATH or server variables; deployment variables, SITE_URL and CONVEX_*_URL; a write does not throw",
    async (_what, kind, name, afterWrite) => {
      const client = new ConvexHttpClient(isolated.cloudUrl);
      const seen = await (
        client[kind] as (
          n: never,
          a: never,
        ) => Promise<{ values: Record<string, string | null>; write: string; afterWrite: string | null; keys?: boolean }>
      )(name as never, {} as never);
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
      expect(seen.write).toBe("allowed");
      expect(seen.afterWrite).toBe(afterWrite);
      if (kind === "action") expect(seen.keys).toBe(false);
    },
  );
});

describe("pagination (crates/isolate/src/environment/udf/async_syscall.rs query_page, read_page_from_query; crates/database/src/query)", () => {
  type Page = { page: string[]; isDone: boolean; continueCursor: string; splitCursor: string | null; pageStatus: string | null };
  const page = (prefix: string, paginationOpts: object, extra: object = {}) =>
    call<Page>("query", "fidelity:counterPage", { prefix, paginationOpts, ...extra });

  test("one .paginate() per function (MultiplePaginatedDatabaseQueries)", async () => {
    await expect(page("m", { numItems: 1, cursor: null }, { twice: true })).rejects.toThrow(
      "This query or mutation function ran multiple paginated queries. Convex only supports a single paginated query in each function.",
    );
  });

  test("numItems 0 is refused (NoDocumentsForPagination), maximumRowsRead 0 too (InvalidPaginationLimit)", async () => {
    await expect(page("m", { numItems: 0, cursor: null })).rejects.toThrow("Must request at least 1 document while paginating");
    await expect(page("m", { numItems: 1, cursor: null, maximumRowsRead: 0 })).rejects.toThrow(
      "maximumRowsRead and maximumBytesRead must be greater than 0",
    );
  });

  test("a cursor that does not parse, or of another query, is refused (keybroker cursor_parse_error, query/mod.rs invalid_cursor)", async () => {
    await call("mutation", "fidelity:addCounters", { names: ["c1", "c2", "c3"] });
    await expect(page("c", { numItems: 1, cursor: "not a cursor" })).rejects.toThrow("Failed to parse cursor");
    const other = await call<Page>("query", "fidelity:otherPage", { paginationOpts: { numItems: 1, cursor: null } });
    const refused = await page("c", { numItems: 1, cursor: other.continueCursor }).then(
      () => null,
      (error: ConvexError<Value>) => error,
    );
    expect(refused?.message).toContain(
      "InvalidCursor: Tried to run a query starting from a cursor, but it looks like this cursor is from a different query.",
    );
    expect(refused?.data).toEqual({ isConvexSystemError: true, paginationError: "InvalidCursor" });
  });

  test("pages continue where the last ended; a full last page is not done until the next is read, as on Convex", async () => {
    await call("mutation", "fidelity:addCounters", { names: ["p1", "p2", "p3", "p4"] });
    const first = await page("p", { numItems: 2, cursor: null });
    expect(first).toMatchObject({ page: ["p1", "p2"], isDone: false, pageStatus: null, splitCursor: null });
    const second = await page("p", { numItems: 2, cursor: first.continueCursor });
    expect(second).toMatchObject({ page: ["p3", "p4"], isDone: false });
    expect(await page("p", { numItems: 2, cursor: second.continueCursor })).toMatchObject({ page: [], isDone: true });
  });

  test("maximumRowsRead stops the scan: SplitRequired, the rows passed over counted, splitCursor in the middle", async () => {
    const names = Array.from({ length: 10 }, (_, i) => `r${i}`);
    await call("mutation", "fidelity:addCounters", { names: names.slice(0, 8) });
    await call("mutation", "fidelity:addCounters", { names: names.slice(8), value: 1 });
    const limited = await page("r", { numItems: 5, cursor: null, maximumRowsRead: 4 }, { odd: true });
    expect(limited).toMatchObject({ page: [], isDone: false, pageStatus: "SplitRequired" });
    expect(limited.splitCursor).toEqual(expect.any(String));
    // usePaginatedQuery then asks for [start, splitCursor] and [splitCursor, continueCursor].
    const half = await page("r", { numItems: 5, cursor: null, endCursor: limited.splitCursor }, { odd: true });
    expect(half).toMatchObject({ page: [], isDone: false, continueCursor: limited.splitCursor });
    const rest = await page("r", { numItems: 5, cursor: limited.continueCursor }, { odd: true });
    expect(rest).toMatchObject({ page: ["r8", "r9"], isDone: true, pageStatus: null });
  });

  test("a subscribed page keeps its end (query journal): a document inserted inside it makes it grow, none falls between pages", async () => {
    await call("mutation", "fidelity:addCounters", { names: ["ja", "jc", "je", "jg", "ji"] });
    const client = new ConvexClient(backend.cloudUrl);
    try {
      const pages: Page[] = [];
      const first = await page("j", { numItems: 3, cursor: null });
      const unsubscribe = client.onUpdate(
        "fidelity:counterPage" as never,
        { prefix: "j", paginationOpts: { numItems: 3, cursor: null } } as never,
        (p: Page) => pages.push(p),
      );
      await expect.poll(() => pages.at(-1)?.page).toEqual(["ja", "jc", "je"]);
      await call("mutation", "fidelity:addCounters", { names: ["jb"] });
      await expect.poll(() => pages.at(-1)?.page).toEqual(["ja", "jb", "jc", "je"]);
      expect(pages.at(-1)?.continueCursor).toBe(first.continueCursor);
      expect((await page("j", { numItems: 3, cursor: first.continueCursor })).page).toEqual(["jg", "ji"]);
      unsubscribe();
    } finally {
      await client.close();
    }
  });
});

describe("scheduled functions (crates/application/src/scheduled_jobs/mod.rs; convex/server schema.ts _scheduled_functions)", () => {
  test("a scheduled mutation killed mid-run (kill -9) runs exactly once after the restart; its row has Convex's shape", async () => {
    const dataDir = tempDataDir();
    const first = await spawnBackend({ projectDir: FIXTURE_PROJECT, dataDir });
    await new ConvexHttpClient(first.cloudUrl).mutation("fidelity:scheduleSlow" as never, { spin: 6e7 } as never);
    await expect.poll(() => first.output(), { interval: 2 }).toContain("slow job started");
    await first.kill9();
    const second = await spawnBackend({ projectDir: FIXTURE_PROJECT, dataDir });
    try {
      const client = new ConvexHttpClient(second.cloudUrl);
      type Job = Record<string, unknown> & { state: { kind: string } };
      await expect
        .poll(async () => ((await client.query("fidelity:jobs" as never, {} as never)) as Job[])[0]?.state.kind, { timeout: 15_000 })
        .toBe("success");
      expect(await client.query("fidelity:slowRows" as never, {} as never)).toBe(100);
      const [job] = (await client.query("fidelity:jobs" as never, {} as never)) as Job[];
      expect(Object.keys(job).sort()).toEqual(["_creationTime", "_id", "args", "completedTime", "name", "scheduledTime", "state"]);
      expect(job).toMatchObject({ name: "fidelity.js:slowJob", args: [{ spin: 6e7 }], state: { kind: "success" } });
      expect(second.output().split("slow job started").length - 1).toBe(1);
    } finally {
      await second.stop();
    }
  }, 60_000);
});

describe("a throwing HTTP action is answered as Convex answers it (crates/application/src/redaction.rs to_http_response_parts)", () => {
  test("an Error: 500 with JSON code and trace", async () => {
    const response = await fetch(`${backend.siteUrl}/fail`);
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.code).toMatch(/^\[Request ID: [a-f0-9]{16}\] Server Error: Uncaught Error: ErrMsg/);
    expect(body.trace).toMatch(/^Uncaught Error: ErrMsg/);
    expect(body).not.toHaveProperty("data");
  });
  test("a ConvexError: its data beside the code", async () => {
    const body = (await (await fetch(`${backend.siteUrl}/fail?custom=1`)).json()) as Record<string, unknown>;
    expect(body.code).toMatch(/^\[Request ID: [a-f0-9]{16}\] Server Error: Uncaught ConvexError: /);
    expect(body.data).toEqual({ code: "NOPE", n: 1 });
  });
});

describe("storage as on Convex (udf-runtime storage getMetadata, crates/file_storage/src/core.rs, crates/keybroker/src/broker.rs)", () => {
  test("getMetadata gives the SHA-256 in hex; deleting a deleted file names the storage id", async () => {
    const uploadUrl = await call<string>("mutation", "messages:generateUploadUrl");
    const { storageId } = (await (
      await fetch(uploadUrl, { method: "POST", body: "helloworld", headers: { "Content-Type": "text/plain" } })
    ).json()) as { storageId: string };
    const described = await call<{ meta: { sha256: string } }>("action", "runtime:describeFile", { storageId });
    expect(described.meta.sha256).toBe(createHash("sha256").update("helloworld").digest("hex"));
    await call("mutation", "runtime:deleteFile", { storageId });
    await expect(call("mutation", "runtime:deleteFile", { storageId })).rejects.toThrow(
      `Uncaught Error: storage id ${storageId} not found`,
    );
  });
  test("an upload URL that does not decode is StorageTokenInvalid; a genuine one past its time StorageTokenExpired", async () => {
    const clocked = await spawnBackend({ projectDir: FIXTURE_PROJECT, testClock: true });
    try {
      const client = new ConvexHttpClient(clocked.cloudUrl);
      const uploadUrl = new URL(await client.mutation("messages:generateUploadUrl" as never, {} as never));
      const forged = new URL(uploadUrl);
      forged.searchParams.set("token", "garbage");
      const refused = await fetch(forged, { method: "POST", body: "x" });
      expect(refused.status).toBe(401);
      expect(await refused.text()).toContain("StorageTokenInvalid");
      await clocked.advanceClock(24 * 60 * 60 * 1000);
      const late = await fetch(uploadUrl, { method: "POST", body: "x" });
      expect(late.status).toBe(401);
      expect(await late.text()).toContain("StorageTokenExpired");
    } finally {
      await clocked.stop();
    }
  });
});

describe("system tables through db.system only, never written (crates/isolate/src/environment/udf/async_syscall.rs system_table_guard)", () => {
  test.each(["get", "patch", "replace", "delete"])(
    "db.%s of a _scheduled_functions row is refused; the scheduler keeps working",
    async (how) => {
      await call("mutation", "messages:scheduleEvent", { kind: `guard-${how}`, delayMs: 0 });
      const jobs = await call<Array<{ _id: string }>>("query", "fidelity:jobs");
      await expect(call("mutation", "fidelity:touch", { id: jobs.at(-1)!._id, how })).rejects.toThrow(
        "System tables can only be accessed with db.system.",
      );
      await expect.poll(() => call<string[]>("query", "messages:events")).toContain(`guard-${how}`);
    },
  );
  test("db.system.get of a user document is refused", async () => {
    const id = await call<string>("mutation", "messages:send", { channel: "sys", body: "b" });
    await expect(call("mutation", "fidelity:touch", { id, how: "systemGet" })).rejects.toThrow(
      "User tables cannot be accessed with db.system.",
    );
  });
});

describe("a failing function's error as Convex shows it on a dev deployment (crates/application/src/redaction.rs RedactedJsError Display; crates/common/src/errors.rs JsError::from_frames)", () => {
  // The fixture's own lines: the frames are mapped through the bundle's source map to ../convex/fidelity.ts.
  const source = readFileSync(path.join(FIXTURE_PROJECT, "convex/fidelity.ts"), "utf8").split("\n");
  const lineOf = (text: string) => source.findIndex((l) => l.includes(text)) + 1;
  const frames = (custom: boolean, kind: string) =>
    `    at fail \\(\\.\\./convex/fidelity\\.ts:${lineOf(custom ? "throw new ConvexError" : 'throw new Error("fidelity')}:\\d+\\)\n` +
    `    at handler \\(\\.\\./convex/fidelity\\.ts:${lineOf(`export const failing${kind} =`)}:\\d+\\)\n`;
  const expected = (custom: boolean, kind: string) =>
    new RegExp(
      `^(\\[CONVEX [QMA]\\(fidelity:failing${kind}\\)\\] )?\\[Request ID: [a-f0-9]{16}\\] Server Error\n` +
        (custom ? 'Uncaught ConvexError: \\{"code":"FIDELITY","n":"2n"\\}\n' : "Uncaught Error: fidelity failure\n") +
        frames(custom, kind) +
        "(\n  Called by client)?$",
    );
  test("a scheduled function's failure is stored as Convex stores it: the JsError's message, a newline, its frames (application/src/scheduled_jobs/mod.rs Failed(e.to_string()), errors.rs JsError Debug)", async () => {
    await call("mutation", "fidelity:scheduleFailing");
    type Job = { name: string; state: { kind: string; error?: string } };
    const failed = async () =>
      ((await call<Job[]>("query", "fidelity:jobs")) as Job[]).filter(
        (job) => job.name.startsWith("fidelity.js:failing") && job.state.kind === "failed",
      );
    await expect.poll(async () => (await failed()).length, { timeout: 15_000 }).toBe(2);
    for (const job of await failed()) {
      const kind = job.name === "fidelity.js:failingMutation" ? "Mutation" : "Action";
      expect(job.state.error).toMatch(new RegExp(`^Uncaught Error: fidelity failure\n${frames(false, kind)}$`));
    }
  });
  test("an action whose runQuery fails is told the query's whole error, frames included (RedactedJsError::nested_to_string)", async () => {
    const error = await call("action", "fidelity:failingNested").then(
      () => null,
      (e: ConvexError<Value>) => e,
    );
    expect(error?.message).toMatch(
      new RegExp(
        `^\\[Request ID: [a-f0-9]{16}\\] Server Error\nUncaught ConvexError: Uncaught ConvexError: \\{"code":"FIDELITY","n":"2n"\\}\n` +
          frames(true, "Query") +
          `\n    at async handler \\(\\.\\./convex/fidelity\\.ts:${lineOf('await ctx.runQuery(makeFunctionReference<"query">("fidelity:failingQuery")')}:\\d+\\)\n$`,
      ),
    );
    expect(error?.data).toEqual({ code: "FIDELITY", n: 2n });
  });
  test.each(["Query", "Mutation", "Action"])("%s: over HTTP and the WebSocket, message, stack and ConvexError data", async (kind) => {
    const ws = new ConvexClient(backend.cloudUrl);
    try {
      for (const client of [http, ws]) {
        const run = (custom: boolean) =>
          (client[kind.toLowerCase() as "query"] as (n: never, a: never) => Promise<unknown>)(
            `fidelity:failing${kind}` as never,
            { custom } as never,
          ).then(
            () => null,
            (error: ConvexError<Value>) => error,
          );
        const plain = await run(false);
        expect(plain?.message).toMatch(expected(false, kind));
        expect(plain?.data).toBeUndefined();
        const custom = await run(true);
        expect(custom?.message).toMatch(expected(true, kind));
        expect(custom?.data).toEqual({ code: "FIDELITY", n: 2n });
      }
    } finally {
      await ws.close();
    }
  });
});
