/**
 * Queries and mutations run on a pool of workers (executionPool.ts) with Convex's time limit
 * (crates/common/src/knobs.rs DATABASE_UDF_USER_TIMEOUT, 1 s; message from
 * crates/isolate/src/termination.rs) and a heap limit: a function that never returns or
 * allocates without bound is stopped with Convex's error while everyone else is served. HTTP
 * actions run on the action pool with V8_ACTION_USER_TIMEOUT, as Convex's action environment.
 */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import WebSocket from "ws";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { importJWK, SignJWT } from "jose";
import { FIXTURE_PRIVATE_JWKS } from "./authFixtureKeys";
import { afterAll, beforeAll, expect, test } from "vitest";
import { FIXTURE_PROJECT, spawnBackend, type RunningBackend } from "./testing";
import { outOfMemoryMessage, timeoutMessage } from "./executionPool";

let backend: RunningBackend;
let http: ConvexHttpClient;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: FIXTURE_PROJECT });
  http = new ConvexHttpClient(backend.cloudUrl);
});
afterAll(async () => backend?.stop());

const call = <T>(kind: "query" | "mutation" | "action", name: string, args: object = {}) =>
  (http[kind] as (n: never, a: never) => Promise<T>)(name as never, args as never);

/** An honest query's round trip while something else runs. */
async function honestQueryMs(): Promise<number> {
  const started = performance.now();
  expect(await call("query", "execution:markers", { marker: "none" })).toBe(0);
  return performance.now() - started;
}

test("Convex's timeout message, a Rust Duration printed with {:?}", () => {
  expect(timeoutMessage(1)).toBe("Function execution timed out (maximum duration: 1s)");
  expect(timeoutMessage(0.25)).toBe("Function execution timed out (maximum duration: 250ms)");
});

test("a query in while(true){} is stopped after 1 s with Convex's error; an honest query is answered meanwhile", async () => {
  await honestQueryMs(); // workers warm
  const started = performance.now();
  let settled = false;
  const spinning = call("query", "execution:spinQuery")
    .then(
      () => "returned",
      (error: Error) => error.message,
    )
    .finally(() => (settled = true));
  await new Promise((r) => setTimeout(r, 150));
  await honestQueryMs();
  expect(settled).toBe(false); // answered while the loop still runs
  const message = await spinning;
  const elapsed = performance.now() - started;
  expect(message).toContain(timeoutMessage(1));
  // At least the limit; the upper end depends on the machine's load (the limit is CPU time).
  expect(elapsed).toBeGreaterThanOrEqual(950);
  // The worker was replaced: the server still answers, again and again.
  for (let i = 0; i < 3; i++) await honestQueryMs();
});

test("a mutation in while(true){} is stopped with Convex's error and its write rolled back; queries are answered meanwhile and never see it", async () => {
  let settled = false;
  const spinning = call("mutation", "execution:spinMutation", { marker: "spin" })
    .then(
      () => "returned",
      (error: Error) => error.message,
    )
    .finally(() => (settled = true));
  await new Promise((r) => setTimeout(r, 300));
  // The mutation's insert is not committed: a query reads the last committed state, meanwhile.
  expect(await call("query", "execution:markers", { marker: "spin" })).toBe(0);
  expect(settled).toBe(false);
  expect(await spinning).toContain(timeoutMessage(1));
  expect(await call("query", "execution:markers", { marker: "spin" })).toBe(0);
  // Mutations run again after the stopped one.
  expect(await call("mutation", "limits:insertShape", { shape: "deepOk" })).toBeNull();
});

test("a query that allocates without bound fails with the heap limit's error; the server keeps serving", async () => {
  // Convex's own isolate heap (64 MB), and time enough to reach it on a loaded machine.
  const roomy = await spawnBackend({
    projectDir: FIXTURE_PROJECT,
    env: { LOCAL_BACKEND_WORKER_HEAP_MB: "64", DATABASE_UDF_USER_TIMEOUT_SECONDS: "20" },
  });
  try {
    const client = new ConvexHttpClient(roomy.cloudUrl);
    const message = await client.query("execution:allocate" as never, {} as never).then(
      () => "returned",
      (error: Error) => error.message,
    );
    expect(message).toContain(outOfMemoryMessage(64));
    expect(await client.query("execution:markers" as never, { marker: "none" } as never)).toBe(0);
    expect(roomy.process.exitCode).toBeNull();
  } finally {
    await roomy.stop();
  }
});

test("the time limit counts the function's own time, not syscalls answered for it (DATABASE_UDF_USER_TIMEOUT is user time)", async () => {
  // 4,000 index ranges: many syscalls, little code of its own.
  expect(await call("query", "limits:readMany", { ranges: 4000 })).toMatchObject({ databaseQueries: { used: 4000 } });
});

/** Concurrency control: mutations run side by side and commit only when nothing they read changed since their snapshot. */
const unique = () => Math.random().toString(36).slice(2, 10);

test("50 clients incrementing one counter at once: every increment succeeds and the total is exact (conflicting runs are retried)", async () => {
  const name = `occ-${unique()}`;
  const clients = Array.from({ length: 50 }, () => new ConvexHttpClient(backend.cloudUrl));
  const perClient = 4;
  await Promise.all(
    clients.map(async (client) => {
      for (let k = 0; k < perClient; k++) await client.mutation("messages:increment" as never, { name } as never);
    }),
  );
  expect(await call("query", "messages:counter", { name })).toBe(clients.length * perClient);
  // They did run side by side: some runs lost a conflict and ran again.
  expect(backend.output()).toContain("[messages:increment] write conflict");
});

test("two mutations that touch nothing in common run at the same time: each starts before the other ends", async () => {
  await honestQueryMs(); // workers warm
  const [a, b] = [`A-${unique()}`, `B-${unique()}`];
  // A few hundred milliseconds of the function's own work each (well inside the 1 s limit).
  const spins = 60_000_000;
  // Two clients: one ConvexHttpClient sends its mutations one after another.
  const [first, second] = [new ConvexHttpClient(backend.cloudUrl), new ConvexHttpClient(backend.cloudUrl)];
  await Promise.all([
    first.mutation("execution:overlap" as never, { name: a, spins } as never),
    second.mutation("execution:overlap" as never, { name: b, spins } as never),
  ]);
  const out = backend.output();
  const at = (line: string) => out.indexOf(`[LOG] '${line}'`);
  for (const line of [`start ${a}`, `start ${b}`, `end ${a}`, `end ${b}`]) expect(at(line)).toBeGreaterThan(-1);
  expect(Math.max(at(`start ${a}`), at(`start ${b}`))).toBeLessThan(Math.min(at(`end ${a}`), at(`end ${b}`)));
  expect(await call("query", "execution:markers", { marker: `overlap-${a}` })).toBe(1);
  expect(await call("query", "execution:markers", { marker: `overlap-${b}` })).toBe(1);
});

test("a mutation whose reads change on every run fails after Convex's 4 retries with its OCC error, and writes nothing", async () => {
  // Short backoffs keep the test quick; the retry count is Convex's default.
  const hot = await spawnBackend({
    projectDir: FIXTURE_PROJECT,
    env: { UDF_EXECUTOR_OCC_INITIAL_BACKOFF_MS: "5", UDF_EXECUTOR_OCC_MAX_BACKOFF_MS: "20" },
  });
  try {
    const client = new ConvexHttpClient(hot.cloudUrl);
    const marker = unique();
    // An action stores files without pause (each store a commit, and not a mutation a retry could wait for):
    // every run of the mutation below, which lists the files, sees the list change before it commits.
    // More stores than the five runs can outlast, however fast or loaded the machine (1,500 ran out once in CI):
    // the backend is stopped with the action still storing.
    const storing = new ConvexHttpClient(hot.cloudUrl)
      .action("execution:storeMany" as never, { count: 50_000 } as never)
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    const message = await client.mutation("execution:readFilesSlowly" as never, { marker, spins: 30_000_000 } as never).then(
      () => "committed",
      (error: Error) => error.message,
    );
    // A system error, not the mutation's failure: 503 with Convex's code (systemErrors.ts); the client throws the body.
    const body = JSON.parse(message) as { code: string; message: string };
    expect(body.code).toBe("OptimisticConcurrencyControlFailure");
    expect(body.message).toContain(
      'Documents read from or written to the "_storage" table changed while this mutation was being run and on every subsequent retry. See https://docs.convex.dev/error#1',
    );
    expect(await client.query("execution:markers" as never, { marker: `files-${marker}` } as never)).toBe(0);
    const retries = hot
      .output()
      .split("\n")
      .filter((line) => line.includes("[execution:readFilesSlowly] write conflict"));
    expect(retries).toHaveLength(4);
    void storing;
  } finally {
    await hot.stop();
  }
});

test('a "use node" action runs in a Node worker of its own, not the server\'s thread; its files and log lines work as in the server', async () => {
  const seen = await call<{ isMainThread: boolean; threadId: number; stored: string }>("action", "nodeActions:whereAmI");
  expect(seen.isMainThread).toBe(false);
  expect(seen.threadId).toBeGreaterThan(0);
  expect(seen.stored).toBe("from a node worker");
  expect(backend.output()).toContain("[nodeActions:whereAmI] [LOG] 'node action ran'");
});

test('a "use node" action past its time limit (NODE_ACTION_USER_TIMEOUT) is stopped with Convex\'s Node error while the server keeps serving', async () => {
  const short = await spawnBackend({ projectDir: FIXTURE_PROJECT, env: { NODE_ACTION_USER_TIMEOUT_SECS: "2" } });
  try {
    const client = new ConvexHttpClient(short.cloudUrl);
    let settled = false;
    const spinning = client
      .action("nodeActions:spinForever" as never, {} as never)
      .then(
        () => "returned",
        (error: Error) => error.message,
      )
      .finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 500));
    expect(await client.query("execution:markers" as never, { marker: "none" } as never)).toBe(0);
    expect(settled).toBe(false);
    expect(await spinning).toContain(
      "Function execution unexpectedly timed out. Check your function for infinite loops or other long-running operations.",
    );
    // The worker was replaced: node actions run again.
    expect(await client.action("nodeActions:nodeGlobals" as never, {} as never)).toMatchObject({ buffer: "function" });
  } finally {
    await short.stop();
  }
});

test("a default-runtime action runs on a worker of its own, apart from queries and mutations: files, runMutation and runQuery work there, Node's globals do not", async () => {
  const marker = unique();
  expect(await call("action", "execution:actionRoundTrip", { marker })).toEqual({
    stored: `bytes of ${marker}`,
    markers: 1,
    hasBuffer: false,
  });
  expect(backend.output()).toContain(`[execution:actionRoundTrip] [LOG] 'action saw 1'`);
});

test("a default-runtime action past V8_ACTION_USER_TIMEOUT is stopped with Convex's error while queries, mutations and other actions are served", async () => {
  const short = await spawnBackend({ projectDir: FIXTURE_PROJECT, env: { V8_ACTION_USER_TIMEOUT_SECS: "2" } });
  try {
    const client = new ConvexHttpClient(short.cloudUrl);
    let settled = false;
    const spinning = client
      .action("execution:spinAction" as never, {} as never)
      .then(
        () => "returned",
        (error: Error) => error.message,
      )
      .finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 500));
    const marker = unique();
    expect(await client.action("execution:actionRoundTrip" as never, { marker } as never)).toMatchObject({ markers: 1 });
    expect(settled).toBe(false);
    expect(await spinning).toContain(timeoutMessage(2));
  } finally {
    await short.stop();
  }
});

test("nested actions start workers past the pool's size only up to Convex's concurrent-action limit; past it they fail with Convex's error after its permit timeout, and the server keeps serving", async () => {
  const capped = await spawnBackend({
    projectDir: FIXTURE_PROJECT,
    env: {
      LOCAL_BACKEND_ACTION_WORKERS: "1",
      APPLICATION_MAX_CONCURRENT_V8_ACTIONS: "3",
      APPLICATION_FUNCTION_RUNNER_ACTION_SEMAPHORE_TIMEOUT: "500",
    },
  });
  try {
    const client = new ConvexHttpClient(capped.cloudUrl);
    // Three actions deep fit in three workers; a fourth would need a fourth.
    expect(await client.action("limits:recurse" as never, { depth: 2 } as never)).toBe(2);
    await expect(client.action("limits:recurse" as never, { depth: 3 } as never)).rejects.toThrow(
      "Too many concurrent requests. Your backend is limited to 3 concurrent actions.",
    );
    expect(await client.action("limits:recurse" as never, { depth: 2 } as never)).toBe(2);
    expect(await client.query("execution:markers" as never, { marker: "none" } as never)).toBe(0);
  } finally {
    await capped.stop();
  }
});

test("mutations never hold every worker: with two workers and two mutations spinning, a query is answered while both still run", async () => {
  const two = await spawnBackend({ projectDir: FIXTURE_PROJECT, env: { LOCAL_BACKEND_WORKERS: "2" } });
  try {
    const client = new ConvexHttpClient(two.cloudUrl);
    expect(await client.query("execution:markers" as never, { marker: "none" } as never)).toBe(0); // workers warm
    let settled = 0;
    // A client each: ConvexHttpClient sends one client's mutations one at a time.
    const spinning = ["lane-a", "lane-b"].map((marker) =>
      new ConvexHttpClient(two.cloudUrl)
        .mutation("execution:spinMutation" as never, { marker } as never)
        .catch((error: Error) => error.message)
        .finally(() => settled++),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(await client.query("execution:markers" as never, { marker: "lane-a" } as never)).toBe(0);
    expect(settled).toBe(0); // answered while both mutations still run (or wait to)
    for (const outcome of await Promise.all(spinning)) expect(outcome).toContain(timeoutMessage(1));
    expect(await client.mutation("limits:insertShape" as never, { shape: "deepOk" } as never)).toBeNull();
  } finally {
    await two.stop();
  }
});

test("HTTP actions past Convex's concurrent-action limit wait its permit timeout, then are refused with its 429 TooManyConcurrentRequests; the server keeps serving and later ones run", async () => {
  const capped = await spawnBackend({
    projectDir: FIXTURE_PROJECT,
    env: { APPLICATION_MAX_CONCURRENT_V8_ACTIONS: "2", APPLICATION_FUNCTION_RUNNER_ACTION_SEMAPHORE_TIMEOUT: "400" },
  });
  try {
    expect(await (await fetch(`${capped.siteUrl}/wait?ms=0`)).text()).toBe("waited"); // a worker warm
    const started = performance.now();
    const slow = Array.from({ length: 5 }, () =>
      fetch(`${capped.siteUrl}/wait?ms=1500`).then(async (response) => ({
        status: response.status,
        type: response.headers.get("content-type"),
        body: await response.text(),
        ms: performance.now() - started,
      })),
    );
    await new Promise((r) => setTimeout(r, 100));
    // Queries and mutations have limits of their own: served while every action permit is held.
    expect(await new ConvexHttpClient(capped.cloudUrl).query("execution:markers" as never, { marker: "none" } as never)).toBe(0);
    const answers = await Promise.all(slow);
    const served = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status !== 200);
    expect(served.map((a) => a.body)).toEqual(["waited", "waited"]);
    expect(refused).toHaveLength(3);
    for (const answer of refused) {
      // crates/application/src/application_function_runner/mod.rs acquire_permit_with_timeout; ErrorMetadata::rate_limited is a 429.
      expect(answer.status).toBe(429);
      expect(answer.type).toBe("application/json");
      expect(JSON.parse(answer.body)).toEqual({
        code: "TooManyConcurrentRequests",
        message:
          "Too many concurrent requests. Your backend is limited to 2 concurrent actions. To get more resources, upgrade to Convex Pro. If you are already on Convex Pro, please contact support.",
      });
      // Refused after the permit timeout, before a permit was freed.
      expect(answer.ms).toBeGreaterThanOrEqual(390);
      expect(answer.ms).toBeLessThan(Math.min(...served.map((a) => a.ms)));
    }
    // The permits came back: HTTP actions and actions run again.
    expect(await (await fetch(`${capped.siteUrl}/wait?ms=10`)).text()).toBe("waited");
    expect(await new ConvexHttpClient(capped.cloudUrl).action("limits:recurse" as never, { depth: 1 } as never)).toBe(1);
  } finally {
    await capped.stop();
  }
});

test("actions share the limit with HTTP actions: an action past it is refused with Convex's error after the permit timeout", async () => {
  const capped = await spawnBackend({
    projectDir: FIXTURE_PROJECT,
    env: { APPLICATION_MAX_CONCURRENT_V8_ACTIONS: "1", APPLICATION_FUNCTION_RUNNER_ACTION_SEMAPHORE_TIMEOUT: "300" },
  });
  try {
    const holding = fetch(`${capped.siteUrl}/wait?ms=1500`).then((response) => response.text());
    await new Promise((r) => setTimeout(r, 200));
    await expect(new ConvexHttpClient(capped.cloudUrl).action("limits:recurse" as never, { depth: 0 } as never)).rejects.toThrow(
      "Too many concurrent requests. Your backend is limited to 1 concurrent actions.",
    );
    expect(await holding).toBe("waited");
    expect(await new ConvexHttpClient(capped.cloudUrl).action("limits:recurse" as never, { depth: 0 } as never)).toBe(0);
  } finally {
    await capped.stop();
  }
});

/** HTTP actions run on the action pool's workers (engine.ts runHttpAction), their bodies streamed across (httpExchange.ts, workerHttp.ts). */
test("an HTTP action in while(true){} is stopped at V8_ACTION_USER_TIMEOUT with Convex's 500; a query over the WebSocket and other HTTP actions are served meanwhile", async () => {
  const short = await spawnBackend({ projectDir: FIXTURE_PROJECT, env: { V8_ACTION_USER_TIMEOUT_SECS: "2" } });
  const ws = new ConvexClient(short.cloudUrl, { webSocketConstructor: WebSocket as never, unsavedChangesWarning: false });
  try {
    expect(await (await fetch(`${short.siteUrl}/size`, { method: "POST", body: "warm" })).text()).toBe("4"); // a worker warm
    const started = performance.now();
    let settled = false;
    const spinning = fetch(`${short.siteUrl}/spin`).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(await ws.query("execution:markers" as never, { marker: "none" } as never)).toBe(0);
    expect(await (await fetch(`${short.siteUrl}/size`, { method: "POST", body: "hello" })).text()).toBe("5");
    // A streamed request read while the response streams: both bodies cross the threads.
    const echoed = await (await fetch(`${short.siteUrl}/echo`, { method: "POST", body: "x".repeat(300_000) })).text();
    expect(echoed).toBe(`${"x".repeat(300_000)}\ntotal 300000`);
    expect(settled).toBe(false); // all answered while the loop still runs
    const response = await spinning;
    expect(performance.now() - started).toBeGreaterThanOrEqual(1900);
    // crates/application/src/redaction.rs to_http_response_parts, with crates/isolate/src/termination.rs UserTimeoutError.
    expect(response.status).toBe(500);
    const body = (await response.json()) as { code: string; trace: string };
    expect(body.code).toMatch(/^\[Request ID: [0-9a-f]{16}\] Server Error: /);
    expect(body.code.slice(body.code.indexOf("Server Error: ") + 14)).toBe(timeoutMessage(2));
    // The trace is JsError's Display: the message and a line end (crates/common/src/errors.rs).
    expect(body.trace).toBe(`${timeoutMessage(2)}\n`);
    // The worker was replaced: HTTP actions run again.
    expect(await (await fetch(`${short.siteUrl}/size`, { method: "POST", body: "again" })).text()).toBe("5");
    // Past its limit while streaming its body: the response is cut (not silently short) and the error logged as the action's.
    const streaming = await fetch(`${short.siteUrl}/streamThenSpin`);
    expect(streaming.status).toBe(200);
    await expect(streaming.text()).rejects.toThrow();
    expect(short.output()).toContain(`[GET /streamThenSpin] [ERROR] ${timeoutMessage(2)}`);
  } finally {
    await ws.close();
    await short.stop();
  }
});

test("a streamed response frees the action's worker once the action has made its body, not once the client has read it (as Convex's isolate): with one worker, the next HTTP action is served while the first body lies unread", async () => {
  const single = await spawnBackend({ projectDir: FIXTURE_PROJECT, env: { LOCAL_BACKEND_ACTION_WORKERS: "1" } });
  try {
    const total = 16 << 20; // more than loopback socket buffers hold: a worker waiting for the reader would still be streaming
    const unread = await fetch(`${single.siteUrl}/bytes?bytes=${total}&chunks=1`);
    expect(unread.status).toBe(200);
    const next = await fetch(`${single.siteUrl}/size`, { method: "POST", body: "next", signal: AbortSignal.timeout(5000) });
    expect(await next.text()).toBe("4");
    // The held body arrives whole afterwards.
    expect((await unread.arrayBuffer()).byteLength).toBe(total);
  } finally {
    await single.stop();
  }
});

test("a client that stops reading an endless streamed response frees the action's worker: with one worker, the next HTTP action is served", async () => {
  const single = await spawnBackend({ projectDir: FIXTURE_PROJECT, env: { LOCAL_BACKEND_ACTION_WORKERS: "1" } });
  try {
    for (let i = 0; i < 3; i++) {
      const abort = new AbortController();
      const response = await fetch(`${single.siteUrl}/forever`, { signal: abort.signal });
      const reader = response.body!.getReader();
      expect((await reader.read()).done).toBe(false);
      abort.abort();
      expect(await (await fetch(`${single.siteUrl}/size`, { method: "POST", body: "next" })).text()).toBe("4");
    }
  } finally {
    await single.stop();
  }
});

test("an HTTP action that allocates without bound is answered with the heap limit's error; the server keeps serving", async () => {
  const roomy = await spawnBackend({ projectDir: FIXTURE_PROJECT, env: { LOCAL_BACKEND_WORKER_HEAP_MB: "64" } });
  try {
    const response = await fetch(`${roomy.siteUrl}/allocate`);
    expect(response.status).toBe(500);
    expect(((await response.json()) as { trace: string }).trace).toBe(`${outOfMemoryMessage(64)}\n`);
    expect(await (await fetch(`${roomy.siteUrl}/size`, { method: "POST", body: "hello" })).text()).toBe("5");
    expect(roomy.process.exitCode).toBeNull();
  } finally {
    await roomy.stop();
  }
});

test("an HTTP action on its worker: files, runMutation, runQuery, runAction and its log lines work there", async () => {
  const marker = unique();
  const response = await fetch(`${backend.siteUrl}/roundTrip?marker=${marker}`);
  expect(await response.json()).toEqual({
    stored: `bytes of ${marker}`,
    markers: 1,
    fromAction: { stored: `bytes of ${marker}-action`, markers: 1, hasBuffer: false },
    identity: null,
  });
  expect(backend.output()).toContain("[GET /roundTrip] [LOG] 'http action saw 1'");
});

test("an HTTP action on its worker sees the identity of the request's valid Bearer token", async () => {
  const authed = await spawnBackend({ projectDir: path.join(path.dirname(fileURLToPath(import.meta.url)), "authFixture") });
  try {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sub: "user-7", iss: "https://issuer.test", aud: "fixture-app", iat: now, exp: now + 600 })
      .setProtectedHeader({ alg: "RS256", kid: "key-1" })
      .sign(await importJWK(FIXTURE_PRIVATE_JWKS[0], "RS256"));
    const whoami = async (headers: Record<string, string>) => await (await fetch(`${authed.siteUrl}/whoami`, { headers })).json();
    expect(await whoami({ Authorization: `Bearer ${token}` })).toBe("user-7");
    expect(await whoami({})).toBeNull();
  } finally {
    await authed.stop();
  }
});
