/** Bounded memory over the wire: frame size, mutation results after disconnect, query-set cap, pending requests, range invalidation. */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import WebSocket from "ws";
import { MAX_WS_MESSAGE_BYTES } from "./syncLimits";
import { FIXTURE_PROJECT, spawnBackend, type RunningBackend } from "./testing";

const GRACE_MS = 300;
const MAX_QUERIES = 4;
const PER_ADDRESS = 300_000;
const TOTAL = 600_000;
let backend: RunningBackend;
let http: ConvexHttpClient;
const closers: Array<() => unknown> = [];
beforeAll(async () => {
  backend = await spawnBackend({
    projectDir: FIXTURE_PROJECT,
    env: {
      LOCAL_BACKEND_MUTATION_RESULTS_GRACE_MS: String(GRACE_MS),
      LOCAL_BACKEND_MAX_QUERIES_PER_CONNECTION: String(MAX_QUERIES),
      LOCAL_BACKEND_MAX_PENDING_OPERATIONS_PER_CONNECTION: "2",
      LOCAL_BACKEND_MAX_QUERY_ARGS_BYTES_PER_ADDRESS: String(PER_ADDRESS),
      LOCAL_BACKEND_MAX_QUERY_ARGS_BYTES_TOTAL: String(TOTAL),
    },
  });
  http = new ConvexHttpClient(backend.cloudUrl);
});
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
  await backend?.stop();
});

type Message = Record<string, any>;
/** A bare protocol client: what it received, and a way to wait for a message. */
async function rawClient(sessionId = randomUUID(), localAddress?: string) {
  const ws = new WebSocket(`${backend.cloudUrl.replace("http", "ws")}/api/1.48.0/sync`, { localAddress });
  closers.push(() => ws.terminate());
  const received: Message[] = [];
  const waiters: Array<() => void> = [];
  ws.on("message", (data) => {
    received.push(JSON.parse(String(data)));
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  const send = (message: Message) => ws.send(JSON.stringify(message));
  send({ type: "Connect", sessionId, connectionCount: 0, lastCloseReason: null, clientTs: Date.now() });
  const next = async (predicate: (m: Message) => boolean): Promise<Message> => {
    for (;;) {
      const found = received.find(predicate);
      if (found) return found;
      await new Promise<void>((wake) => waiters.push(wake));
    }
  };
  return { ws, send, next, received, closed };
}

const increment = (requestId: number, name: string) => ({ type: "Mutation", requestId, udfPath: "messages:increment", args: [{ name }] });
const counter = (name: string) => http.query("messages:counter" as never, { name } as never) as Promise<number>;

test("a frame over the size limit closes the socket (1009) and the server keeps serving", async () => {
  const client = await rawClient();
  client.ws.send(Buffer.alloc(MAX_WS_MESSAGE_BYTES + 1, 0x20));
  // The server closes with 1009 as soon as it reads the frame's length. A client still busy
  // writing the 16 MiB may have its socket reset before it reads that close frame (1006).
  expect([1009, 1006]).toContain(await client.closed);
  const after = await rawClient();
  after.send(increment(0, "after-big-frame"));
  expect(await after.next((m) => m.type === "MutationResponse")).toMatchObject({ success: true });
});

test("a mutation re-sent after a reconnect is answered, not run again; after the grace period its result is gone", async () => {
  const sessionId = randomUUID();
  const first = await rawClient(sessionId);
  first.send(increment(0, "dedupe"));
  await first.next((m) => m.type === "MutationResponse");
  first.ws.close();
  await first.closed;

  const second = await rawClient(sessionId);
  second.send(increment(0, "dedupe"));
  expect(await second.next((m) => m.type === "MutationResponse")).toMatchObject({ requestId: 0, success: true });
  expect(await counter("dedupe")).toBe(1);
  second.ws.close();
  await second.closed;

  // Freed: the same request id now runs as a new mutation.
  await new Promise((r) => setTimeout(r, GRACE_MS + 300));
  const third = await rawClient(sessionId);
  third.send(increment(0, "dedupe"));
  await third.next((m) => m.type === "MutationResponse");
  expect(await counter("dedupe")).toBe(2);
});

test("subscriptions per connection are capped: further queries fail with TooManyQueries; removing one makes room", async () => {
  const client = await rawClient();
  const add = (queryId: number) => ({ type: "Add", queryId, udfPath: "messages:counter", args: [{ name: `cap${queryId}` }] });
  client.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [0, 1, 2, 3, 4].map(add) });
  const first = await client.next((m) => m.type === "Transition" && m.endVersion.querySet === 1);
  const byId = new Map<number, Message>(first.modifications.map((m: Message) => [m.queryId, m]));
  expect([0, 1, 2, 3].map((id) => byId.get(id)!.type)).toEqual(["QueryUpdated", "QueryUpdated", "QueryUpdated", "QueryUpdated"]);
  expect(byId.get(4)).toMatchObject({ type: "QueryFailed", errorData: { code: "TooManyQueries", limit: MAX_QUERIES } });
  expect(byId.get(4)!.errorMessage).toMatch(/at most 4 subscriptions/);

  client.send({ type: "ModifyQuerySet", baseVersion: 1, newVersion: 2, modifications: [{ type: "Remove", queryId: 0 }, add(4)] });
  const second = await client.next((m) => m.type === "Transition" && m.endVersion.querySet === 2);
  expect(second.modifications.find((m: Message) => m.queryId === 4)).toMatchObject({ type: "QueryUpdated", value: 0 });
});

test("query arguments are capped per client address across its connections; a closed connection gives its share back", async () => {
  const big = (queryId: number, fill: string) => ({
    type: "Add",
    queryId,
    udfPath: "messages:counter",
    args: [{ name: fill.repeat(PER_ADDRESS * 0.4) }],
  });
  const [a, b] = [await rawClient(), await rawClient()];
  a.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [big(0, "a"), big(1, "b")] });
  const added = await a.next((m) => m.type === "Transition" && m.endVersion.querySet === 1);
  expect(added.modifications.map((m: Message) => m.type)).toEqual(["QueryUpdated", "QueryUpdated"]);
  // Another connection from the same address, each one far under its own cap: the address is at its cap.
  b.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications: [big(0, "c")] });
  const refused = await b.next((m) => m.type === "Transition" && m.endVersion.querySet === 1);
  expect(refused.modifications[0]).toMatchObject({
    type: "QueryFailed",
    errorData: { code: "TooManyQueries", argumentBytesPerAddressLimit: PER_ADDRESS },
  });
  expect(refused.modifications[0].errorMessage).toMatch(/from one address/);
  a.ws.terminate();
  await a.closed;
  // Once the server has seen the close, the address's bytes are free again.
  let version = 1;
  await expect
    .poll(async () => {
      version++;
      b.send({ type: "ModifyQuerySet", baseVersion: version - 1, newVersion: version, modifications: [big(version, "d")] });
      const answer = await b.next((m) => m.type === "Transition" && m.endVersion.querySet === version);
      return answer.modifications.find((m: Message) => m.queryId === version)?.type;
    })
    .toBe("QueryUpdated");
});

test("requests waiting on one connection are capped: the excess is refused, the rest run", async () => {
  const client = await rawClient();
  for (let i = 0; i < 5; i++) client.send(increment(i, "busy"));
  await expect.poll(() => client.received.filter((m) => m.type === "MutationResponse").length).toBe(5);
  const responses = client.received.filter((m) => m.type === "MutationResponse");
  const refused = responses.filter((m) => !m.success);
  expect(refused.length).toBeGreaterThan(0);
  expect(refused[0]).toMatchObject({ errorData: { code: "TooManyConcurrentRequests" } });
  expect(await counter("busy")).toBe(responses.length - refused.length);
});

test("a commit re-runs only the subscriptions whose read ranges contain a written key", async () => {
  const send = (channel: string, body: string) => http.mutation("messages:send" as never, { channel, body } as never) as Promise<string>;
  const a1 = await send("rA", "a1");
  const a2 = await send("rA", "a2");
  const client = new ConvexClient(backend.cloudUrl, { webSocketConstructor: WebSocket as never, unsavedChangesWarning: false });
  closers.push(() => client.close());
  const latest = new Map<string, unknown>();
  const watch = (name: string, fn: string, args: object) =>
    client.onUpdate(fn as never, args as never, (v: unknown) => latest.set(name, v));
  watch("rA", "ranges:byChannel", { channel: "rA" });
  watch("rB", "ranges:byChannel", { channel: "rB" });
  watch("first", "ranges:firstOf", { channel: "rA" });
  watch("one", "ranges:one", { id: a2 });
  await expect.poll(() => latest.size).toBe(4);
  const runs = (line: string) => backend.output().split(`ran ${line}`).length - 1;
  await expect.poll(() => runs(`one ${a2}`)).toBe(1);
  const before = { rA: runs("byChannel rA"), rB: runs("byChannel rB"), first: runs("firstOf rA"), one: runs(`one ${a2}`) };

  // Another channel of the same index: only rB's query re-runs.
  await send("rB", "b1");
  await expect.poll(() => latest.get("rB")).toEqual(["b1"]);
  await expect.poll(() => runs("byChannel rB")).toBe(before.rB + 1);
  expect(runs("byChannel rA")).toBe(before.rA);
  expect(runs("firstOf rA")).toBe(before.first);
  expect(runs(`one ${a2}`)).toBe(before.one);

  // A row after the one first() returned: the full-range query re-runs, first() does not.
  await send("rA", "a3");
  await expect.poll(() => latest.get("rA")).toEqual(["a1", "a2", "a3"]);
  await expect.poll(() => runs("byChannel rA")).toBe(before.rA + 1);
  expect(runs("firstOf rA")).toBe(before.first);
  expect(runs(`one ${a2}`)).toBe(before.one);

  // The row first() returned changes: it re-runs; db.get of another document does not.
  await http.mutation("ranges:setBody" as never, { id: a1, body: "a1'" } as never);
  await expect.poll(() => latest.get("first")).toBe("a1'");
  await expect.poll(() => runs("byChannel rA")).toBe(before.rA + 2);
  expect(runs(`one ${a2}`)).toBe(before.one);
  expect(runs("byChannel rB")).toBe(before.rB + 1);

  // The document db.get read changes: it re-runs.
  await http.mutation("ranges:setBody" as never, { id: a2, body: "a2'" } as never);
  await expect.poll(() => latest.get("one")).toBe("a2'");
  expect(runs(`one ${a2}`)).toBe(before.one + 1);
});

test("past the server's total of query arguments, an address adds only up to its fair share: many addresses cannot take its memory, a page's few bytes still subscribe", async () => {
  const sized = (queryId: number, bytes: number, fill: string) => ({
    type: "Add",
    queryId,
    udfPath: "messages:counter",
    args: [{ name: fill.repeat(bytes) }],
  });
  const versions = new Map<unknown, number>();
  const answer = async (client: Awaited<ReturnType<typeof rawClient>>, bytes: number, fill: string) => {
    const version = (versions.get(client) ?? 0) + 1;
    versions.set(client, version);
    client.send({ type: "ModifyQuerySet", baseVersion: version - 1, newVersion: version, modifications: [sized(version, bytes, fill)] });
    const next = await client.next((m) => m.type === "Transition" && m.endVersion.querySet === version);
    return next.modifications.find((m: Message) => m.queryId === version);
  };
  // The earlier tests' connections give their bytes back as the server sees them close.
  await Promise.all(closers.splice(0).map((close) => close()));
  // Three addresses, each well under its own cap (300k): the first two fill the total (600k).
  const [a, b, c, d] = await Promise.all(["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"].map((ip) => rawClient(randomUUID(), ip)));
  await expect.poll(async () => (await answer(a, 280_000, "a"))?.type).toBe("QueryUpdated");
  await expect.poll(async () => (await answer(b, 280_000, "b"))?.type).toBe("QueryUpdated");
  const refused = await answer(c, 280_000, "c");
  expect(refused).toMatchObject({ type: "QueryFailed", errorData: { code: "TooManyQueries", argumentBytesTotalLimit: TOTAL } });
  expect(refused.errorMessage).toMatch(/on this server: past 600000 bytes in all, an address holds at most its share \(200000 bytes now\)/);
  // A page's own query from another address is far under its share: it subscribes.
  expect(await answer(d, 300, "d")).toMatchObject({ type: "QueryUpdated" });
  // Once a holder leaves, the total has room again.
  a.ws.terminate();
  await a.closed;
  await expect.poll(async () => (await answer(c, 280_000, "e"))?.type).toBe("QueryUpdated");
});
