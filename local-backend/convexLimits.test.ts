/**
 * Convex's limits over the wire through the real `convex` client, each with Convex's number and
 * message: documents (crates/common/src/document.rs, crates/value), transactions
 * (crates/common/src/knobs.rs, crates/database/src/reads.rs, writes.rs), function results
 * (crates/isolate/src/helpers.rs) and call depth (MAX_REACTOR_CALL_DEPTH).
 */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FIXTURE_PROJECT, spawnBackend, type RunningBackend } from "./testing";
import { convexToJson, type Value } from "convex/values";
import { checkDocument, convexSize, formatSize, storedDocumentSize } from "./valueLimits";
import { formatBytes } from "./convexLimits";

let backend: RunningBackend;
let http: ConvexHttpClient;
beforeAll(async () => {
  // The limits here are counts and sizes, not time: 4,097 index ranges in one query take close to
  // the 1 s CPU limit on a loaded 2-core machine, so this backend allows 10 s (the time limit is
  // tested in execution.test.ts).
  backend = await spawnBackend({ projectDir: FIXTURE_PROJECT, env: { DATABASE_UDF_USER_TIMEOUT_SECONDS: "10" } });
  http = new ConvexHttpClient(backend.cloudUrl);
});
afterAll(async () => backend?.stop());

const call = <T>(kind: "query" | "mutation" | "action", name: string, args: object = {}) =>
  (http[kind] as (n: never, a: never) => Promise<T>)(name as never, args as never);

test.each([
  ["big", "Value is too large ("],
  ["deep", "Document is too nested (nested 17 levels deep > maximum nesting 16)"],
  ["longArray", "Array length is too long (8193 > maximum length 8192)"],
  ["manyFields", "Object has too many fields (1025 > maximum number 1024)"],
  ["underscore", "Field '_secret' starts with an underscore, which is only allowed for system fields like '_id'"],
  ["surrogate", "lone surrogate"],
])("document limit (crates/common/src/document.rs, crates/value): %s is refused", async (shape, message) => {
  await expect(call("mutation", "limits:insertShape", { shape })).rejects.toThrow(message);
});

test("a document Convex's validation refuses is named in the message, system fields included (crates/common/src/document.rs must_validate)", async () => {
  await expect(call("mutation", "limits:insertShape", { shape: "underscore" })).rejects.toThrow(
    new RegExp(
      '^\\[Request ID: [0-9a-f]{16}\\] Server Error\nUncaught Error: Document\\(value: \\{_creationTime: \\d+(\\.\\d+)?, _id: "[0-9a-z]{32}", _secret: 1\\.0, body: "x", channel: "limits"\\}\\) ' +
        "isn't a valid document: Field '_secret' starts with an underscore, which is only allowed for system fields like '_id'\n",
    ),
  );
});

test("an insert that names _id or _creationTime itself is refused (crates/common/src/document.rs ResolvedDocument::new InvalidIdError, InvalidCreationTimeError)", async () => {
  await expect(call("mutation", "limits:insertWithSystemField", { field: "_id" })).rejects.toThrow(
    /Uncaught Error: Provided document ID "[0-9a-z]{32}" doesn't match '_id' field "abc"/,
  );
  await expect(call("mutation", "limits:insertWithSystemField", { field: "_creationTime" })).rejects.toThrow(
    /Uncaught Error: Provided creation time \d+(\.\d+)? doesn't match '_creationTime' field in \{_creationTime: 5\.0, _id: "[0-9a-z]{32}", a: 1\.0\}/,
  );
});

test("a document at the nesting limit (16) is stored", async () => {
  expect(await call("mutation", "limits:insertShape", { shape: "deepOk" })).toBeNull();
});

test("document size as Convex counts it, over 1 MiB refused with humansize's units", () => {
  expect(convexSize({ a: 1, b: "xy", c: [null, true] })).toBe(2 + (1 + 1 + 9) + (1 + 1 + 4) + (1 + 1 + 4));
  expect(formatSize(1 << 20)).toBe("1 MiB");
  expect(() => checkDocument({ body: "x".repeat(1 << 20) })).toThrow(/^Value is too large \(1 MiB > maximum size 1 MiB\)$/);
});

test("a stored document's size from its JSON is the size of the value it encodes", () => {
  const doc = {
    _id: "x".repeat(32),
    _creationTime: 1.5,
    n: 1,
    big: 5n,
    nan: NaN,
    bytes: new Uint8Array([1, 2, 3]).buffer,
    s: "hé",
    list: [null, true, { k: 0 }],
  };
  expect(storedDocumentSize(JSON.stringify(convexToJson(doc as Value)))).toBe(convexSize(doc as Value));
});

test("byte counts in limit messages as crates/common/src/fmt.rs format_bytes prints them (its doc examples)", () => {
  expect([8_388_608, 1534, 1024, 1000, 0, 4_718_592, 1 << 24].map(formatBytes)).toEqual([
    "8 MiB",
    "1534 bytes",
    "1 KiB",
    "1 KB",
    "0 bytes",
    "4.5 MiB",
    "16 MiB",
  ]);
});

test("a document of exactly 1 MiB, system fields counted (transaction.rs check_user_size on the stored object), is stored; one byte more is refused", async () => {
  // { _id: 32 characters, _creationTime, s }: 2 + (3 + 1 + 2 + 32) + (13 + 1 + 9) + (1 + 1 + 2 + pad) = 67 + pad.
  const pad = (1 << 20) - 67;
  const id = await call<string>("mutation", "limits:insertPadded", { pad });
  expect(id).toHaveLength(32);
  await expect(call("mutation", "limits:insertPadded", { pad: pad + 1 })).rejects.toThrow(
    "Uncaught Error: Value is too large (1 MiB > maximum size 1 MiB)",
  );
});

test("getTransactionMetrics reports real usage (convex/server TransactionMetrics)", async () => {
  await call("mutation", "messages:send", { channel: "metrics", body: "a" });
  type Metrics = Record<string, { used: number; remaining: number }>;
  const m = await call<Metrics>("mutation", "limits:metrics");
  expect(m.documentsWritten.used).toBe(1);
  expect(m.bytesWritten.used).toBeGreaterThan(0);
  expect(m.functionsScheduled).toEqual({ used: 1, remaining: 999 });
  expect(m.databaseQueries.used).toBe(1);
  expect(m.documentsRead.used).toBeGreaterThan(0);
  expect(m.documentsRead.used + m.documentsRead.remaining).toBe(32_000);
  expect(m.bytesRead.used + m.bytesRead.remaining).toBe(1 << 24);
});

test("index ranges per transaction ≤ 4,096 (TRANSACTION_MAX_READ_SET_INTERVALS)", async () => {
  const m = await call<Record<string, { used: number }>>("query", "limits:readMany", { ranges: 4096 });
  expect(m.databaseQueries.used).toBe(4096);
  await expect(call("query", "limits:readMany", { ranges: 4097 })).rejects.toThrow(
    "Too many reads in a single function execution (limit: 4096).",
  );
}, 30_000);

describe("documents and bytes per transaction (crates/common/src/knobs.rs TRANSACTION_MAX_*; crates/database/src/reads.rs, writes.rs)", () => {
  const write = (count: number, size: number, kind: string) => call("mutation", "limits:writeBulk", { count, size, kind });
  const read = (take: number, kind: string) => call<number>("query", "limits:readBulk", { take, kind });

  test("≤ 16,000 documents written (TRANSACTION_MAX_NUM_USER_WRITES), ≤ 32,000 read (TRANSACTION_MAX_READ_SIZE_ROWS)", async () => {
    await expect(write(16_001, 1, "small")).rejects.toThrow(
      "Uncaught Error: Too many writes in a single function execution (limit: 16000)",
    );
    expect(await read(1, "small")).toBe(0); // nothing of the refused mutation was kept
    await write(16_000, 1, "small");
    await write(16_000, 1, "small");
    expect(await read(32_000, "small")).toBe(32_000);
    await write(1, 1, "small");
    await expect(read(32_001, "small")).rejects.toThrow(
      "Uncaught Error: Too many documents read in a single function execution (limit: 32000). Consider using smaller limits in your queries, paginating your queries, or using indexed queries with a selective index range expressions.",
    );
  }, 60_000);

  test("bytes read are counted as Convex counts documents (reads.rs record_read_document: document.size()), not as their JSON", async () => {
    // { _id, _creationTime, kind: "numbers", list: 8,000 zeros }: 2 + 38 + 23 + 11 + (5 + 2 + 72,000) = 72,081 bytes (JSON: about 16 KB).
    await call("mutation", "limits:writeNumbers", { count: 116, length: 8000 });
    await call("mutation", "limits:writeNumbers", { count: 116, length: 8000 });
    expect(await read(232, "numbers")).toBe(232); // 16,722,792 bytes
    await call("mutation", "limits:writeNumbers", { count: 1, length: 8000 });
    await expect(read(233, "numbers")).rejects.toThrow("Too many bytes read in a single function execution (limit: 16777216 bytes)");
  }, 60_000);

  test("≤ 16 MiB written (TRANSACTION_MAX_USER_WRITE_SIZE_BYTES, its limit printed by common::fmt::format_bytes), ≤ 16 MiB read", async () => {
    await expect(write(17, 1_000_000, "big")).rejects.toThrow(
      "Uncaught Error: Too many bytes written in a single function execution (limit: 16 MiB)",
    );
    await write(16, 1_000_000, "big");
    expect(await read(16, "big")).toBe(16);
    await write(1, 1_000_000, "big");
    await expect(read(17, "big")).rejects.toThrow(
      "Uncaught Error: Too many bytes read in a single function execution (limit: 16777216 bytes). Consider using smaller limits",
    );
  }, 60_000);
});

test("scheduled functions per mutation ≤ 1,000 (TRANSACTION_MAX_NUM_SCHEDULED)", async () => {
  await expect(call("mutation", "limits:scheduleMany", { n: 1001 })).rejects.toThrow(
    "Too many functions scheduled by this mutation (limit: 1000)",
  );
}, 30_000);

describe("arguments ≤ 16 MiB as Convex counts them (FUNCTION_MAX_ARGS_SIZE, crates/udf/src/helpers.rs validate_args_size)", () => {
  // [{ s: "…" }]: 2 (array) + 2 (object) + 1 + 1 (field "s") + 2 + length (string).
  const longest = (1 << 24) - 8;
  const refusal = "Arguments for limits.js:argLength are too large (actual: 16 MiB, limit: 16 MiB)";
  test("over HTTP", async () => {
    expect(await call("query", "limits:argLength", { s: "a".repeat(longest) })).toBe(longest);
    await expect(call("query", "limits:argLength", { s: "a".repeat(longest + 1) })).rejects.toThrow(refusal);
  }, 60_000);
  test("checked before the arguments' validator, as Convex checks them before running the function", async () => {
    await expect(call("query", "limits:argLength", { s: "a".repeat(longest + 1), extra: true })).rejects.toThrow(refusal);
  }, 60_000);
  test("over the WebSocket, a subscribed query as well", async () => {
    const client = new ConvexClient(backend.cloudUrl);
    try {
      expect(await client.query("limits:argLength" as never, { s: "b".repeat(longest) } as never)).toBe(longest);
      await expect(client.query("limits:argLength" as never, { s: "b".repeat(longest + 1) } as never)).rejects.toThrow(refusal);
    } finally {
      await client.close();
    }
  }, 60_000);
});

test("scheduled functions' arguments ≤ 16 MiB in all, counted as Convex counts values (TRANSACTION_MAX_SCHEDULED_TOTAL_ARGUMENT_SIZE_BYTES, model/src/scheduled_jobs/mod.rs args.size())", async () => {
  // [{ list: 8,000 numbers }]: 2 + 2 + (4 + 1) + 2 + 8,000 × 9 = 72,011 bytes each (its JSON is about 16 KB).
  expect(await call("mutation", "limits:scheduleNumbers", { jobs: 1, length: 8000 })).toBe(72_011);
  expect(await call("mutation", "limits:scheduleNumbers", { jobs: 232, length: 8000 })).toBe(232 * 72_011);
  await expect(call("mutation", "limits:scheduleNumbers", { jobs: 233, length: 8000 })).rejects.toThrow(
    "Too large total size of the arguments of scheduled functions from this mutation (limit: 16777216 bytes)",
  );
}, 60_000);

test("numItems over 32,000 is refused (async_syscall.rs query_page PageSizeTooLarge)", async () => {
  await expect(call("query", "limits:pageOf", { numItems: 32_001 })).rejects.toThrow("Requested too many items: 32001");
  expect(await call("query", "limits:pageOf", { numItems: 32_000 })).toEqual(expect.any(Number));
});

test("results ≤ 16 MiB (FUNCTION_MAX_RESULT_SIZE)", async () => {
  await expect(call("query", "limits:bigResult")).rejects.toThrow(
    "Function limits.js:bigResult return value is too large (actual: 16 MiB, limit: 16 MiB)",
  );
}, 30_000);

test("nested runAction depth ≤ 8 (MAX_REACTOR_CALL_DEPTH)", async () => {
  expect(await call("action", "limits:recurse", { depth: 8 })).toBe(8);
  await expect(call("action", "limits:recurse", { depth: 9 })).rejects.toThrow(
    "Cross component call depth limit exceeded. Do you have an infinite loop in your app?",
  );
}, 30_000);

describe("HTTP action responses ≤ 20 MiB (crates/udf/src/http_action.rs HTTP_ACTION_BODY_LIMIT, isolate/src/environment/action/mod.rs handle_http_streamed_part)", () => {
  const fetchBytes = async (query: string) => {
    const response = await fetch(`${backend.siteUrl}/bytes?${query}`);
    return (await response.arrayBuffer()).byteLength;
  };
  test.each([
    ["one body", ""],
    ["streamed", "&chunks=1"],
  ])(
    "%s of exactly 20 MiB is sent",
    async (_kind, extra) => {
      expect(await fetchBytes(`bytes=${20 << 20}${extra}`)).toBe(20 << 20);
    },
    30_000,
  );
  test.each([
    ["one body", ""],
    ["streamed", "&chunks=1"],
  ])(
    "%s over 20 MiB fails with HttpResponseTooLarge in the action's log",
    async (_kind, extra) => {
      await expect(fetchBytes(`bytes=${(20 << 20) + 1}${extra}`)).rejects.toThrow();
      await expect
        .poll(() => backend.output())
        .toContain("[GET /bytes] [ERROR] HttpResponseTooLarge: HTTP actions support responses up to 20 MiB");
    },
    30_000,
  );
});
