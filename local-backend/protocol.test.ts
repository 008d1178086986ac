import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { ConvexError } from "convex/values";
import { afterAll, beforeAll, expect, test } from "vitest";
import Database from "better-sqlite3";
import path from "node:path";
import WebSocket from "ws";
import { FIXTURE_PROJECT, spawnBackend, type RunningBackend } from "./testing";

let backend: RunningBackend;
const clients: ConvexClient[] = [];
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: FIXTURE_PROJECT });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await backend?.stop();
});

function wsClient() {
  const c = new ConvexClient(backend.cloudUrl, { webSocketConstructor: WebSocket as never, unsavedChangesWarning: false });
  clients.push(c);
  return c;
}

function nextValue<T>(client: ConvexClient, name: string, args: object, predicate: (v: T) => boolean): Promise<T> {
  return new Promise((resolve) => {
    const unsubscribe = client.onUpdate(name as never, args as never, (value: unknown) => {
      if (predicate(value as T)) {
        unsubscribe();
        resolve(value as T);
      }
    });
  });
}

test("a subscribed query re-runs after a commit that touches what it read, in every client", async () => {
  const a = wsClient();
  const b = wsClient();
  type Row = { body: string };
  const seenByB = nextValue<Row[]>(b, "messages:list", { channel: "c1" }, (rows) => rows.length === 1);
  await nextValue<Row[]>(a, "messages:list", { channel: "c1" }, (rows) => rows.length === 0);
  await a.mutation("messages:send" as never, { channel: "c1", body: "hello" } as never);
  expect((await seenByB).map((r) => r.body)).toEqual(["hello"]);
});

test("a mutation's promise resolves only once its write is visible to the client's queries", async () => {
  const a = wsClient();
  let latest: Array<{ body: string }> = [];
  a.onUpdate("messages:list" as never, { channel: "c2" } as never, (v: unknown) => (latest = v as never));
  await nextValue(a, "messages:list", { channel: "c2" }, () => true);
  for (let i = 0; i < 5; i++) {
    await a.mutation("messages:send" as never, { channel: "c2", body: `m${i}` } as never);
    expect(latest.map((r) => r.body)).toContain(`m${i}`);
  }
});

test("ConvexError data reaches the client intact, and a throwing mutation writes nothing", async () => {
  const a = wsClient();
  const error = await a.mutation("messages:sendThenFail" as never, { channel: "c3", body: "x" } as never).catch((e) => e);
  expect(error).toBeInstanceOf(ConvexError);
  expect((error as ConvexError<{ code: string }>).data).toEqual({ code: "BOOM", message: "failed after writing" });
  expect(await a.query("messages:list" as never, { channel: "c3" } as never)).toEqual([]);
  const http = new ConvexHttpClient(backend.cloudUrl);
  const httpError = await http.mutation("messages:sendThenFail" as never, { channel: "c3", body: "x" } as never).catch((e) => e);
  expect((httpError as ConvexError<{ code: string }>).data).toEqual({ code: "BOOM", message: "failed after writing" });
});

test("arguments are validated; internal functions are not callable from clients", async () => {
  const http = new ConvexHttpClient(backend.cloudUrl);
  await expect(http.mutation("messages:send" as never, { channel: 1 } as never)).rejects.toThrow(/ArgumentValidationError/);
  await expect(http.mutation("messages:record" as never, { kind: "x" } as never)).rejects.toThrow(/Could not find public function/);
});

test("HTTP API and actions: runQuery/runMutation from an action", async () => {
  const http = new ConvexHttpClient(backend.cloudUrl);
  await http.mutation("messages:send" as never, { channel: "c4", body: "one" } as never);
  expect(await http.action("messages:countViaAction" as never, { channel: "c4" } as never)).toBe(1);
  const rows = (await http.query("messages:list" as never, { channel: "c4" } as never)) as Array<{ body: string }>;
  expect(rows.map((r) => r.body)).toEqual(["one", "counted 1"]);
  const viaWs = wsClient();
  expect(await viaWs.action("messages:countViaAction" as never, { channel: "c4" } as never)).toBe(2);
});

test("paginate walks an index in pages", async () => {
  const http = new ConvexHttpClient(backend.cloudUrl);
  for (let i = 0; i < 7; i++) await http.mutation("messages:send" as never, { channel: "pages", body: `p${i}` } as never);
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 10; guard++) {
    const result = (await http.query("messages:page" as never, { channel: "pages", paginationOpts: { numItems: 3, cursor } } as never)) as {
      page: Array<{ body: string }>;
      isDone: boolean;
      continueCursor: string;
    };
    seen.push(...result.page.map((r) => r.body));
    if (result.isDone) break;
    cursor = result.continueCursor;
  }
  expect(seen).toEqual(["p6", "p5", "p4", "p3", "p2", "p1", "p0"]);
});

test("concurrent mutations never interleave: no lost updates", async () => {
  const clientsForTest = [wsClient(), wsClient(), wsClient()];
  await Promise.all(
    Array.from({ length: 30 }, (_, i) => clientsForTest[i % 3].mutation("messages:increment" as never, { name: "hits" } as never)),
  );
  expect(await clientsForTest[0].query("messages:counter" as never, { name: "hits" } as never)).toBe(30);
});

test("scheduled functions run on real time, and crons from crons.ts fire", async () => {
  const http = new ConvexHttpClient(backend.cloudUrl);
  await http.mutation("messages:scheduleEvent" as never, { kind: "later", delayMs: 300 } as never);
  expect(await http.query("messages:events" as never, {} as never)).not.toContain("later");
  const deadline = Date.now() + 5000;
  let events: string[] = [];
  while (Date.now() < deadline) {
    events = (await http.query("messages:events" as never, {} as never)) as string[];
    if (events.includes("later") && events.includes("cron")) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(events).toContain("later");
  expect(events).toContain("cron");
  expect(events).not.toContain("slow-cron");
});

test("daily and cron-string schedules are armed for their next UTC time, kept in the data folder", async () => {
  const db = new Database(path.join(backend.dataDir, "db.sqlite3"), { readonly: true });
  try {
    const nextRun = (name: string) => {
      const row = db.prepare("SELECT v FROM meta WHERE k = ?").get(`cron:${name}`) as { v: string } | undefined;
      return new Date((JSON.parse(row!.v) as { at: number }).at);
    };
    const now = Date.now();
    const nightly = nextRun("nightly");
    expect([nightly.getUTCHours(), nightly.getUTCMinutes(), nightly.getUTCSeconds()]).toEqual([3, 30, 0]);
    expect(nightly.getTime() - now).toBeGreaterThan(0);
    expect(nightly.getTime() - now).toBeLessThanOrEqual(24 * 3600_000);
    const quarter = nextRun("quarter-hourly");
    expect(quarter.getUTCMinutes() % 15).toBe(0);
    expect(quarter.getUTCSeconds()).toBe(0);
    expect(quarter.getTime() - now).toBeLessThanOrEqual(15 * 60_000);
  } finally {
    db.close();
  }
  expect(backend.output()).not.toMatch(/cannot run|does not run/);
});

test("function logs stream to the backend's output", async () => {
  const http = new ConvexHttpClient(backend.cloudUrl);
  await http.mutation("messages:send" as never, { channel: "logs", body: "log-me-please" } as never);
  expect(backend.output()).toContain("[messages:send] [LOG] 'sending' 'log-me-please'");
});
