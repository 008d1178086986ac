/**
 * npm run bench:backend — figures for the embedded backend (not a test: it prints numbers).
 * 1. Query round trip over the sync WebSocket vs a raw WebSocket echo on this machine.
 * 2. One mutation's change reaching 100 subscribed clients: p50 / p99.
 * 3. An index lookup (getByToken-style: unique hash → one document) at 1k vs 100k documents.
 */
import { ConvexClient } from "convex/browser";
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import WebSocket, { WebSocketServer } from "ws";
import { DocumentStore } from "../local-backend/database";
import { FIXTURE_PROJECT, spawnBackend, tempDataDir } from "../local-backend/testing";

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const fmt = (ms: number) => `${ms.toFixed(3)} ms`;
const client = (url: string) => new ConvexClient(url, { webSocketConstructor: WebSocket as never, unsavedChangesWarning: false, logger: false } as never);

async function rawEcho(rounds: number) {
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  server.on("connection", (ws) => ws.on("message", (m) => ws.send(m)));
  await new Promise((r) => server.once("listening", r));
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as { port: number }).port}`);
  await new Promise((r) => ws.once("open", r));
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await new Promise<void>((resolve) => {
      ws.once("message", () => resolve());
      ws.send(JSON.stringify({ type: "ModifyQuerySet", i }));
    });
    times.push(performance.now() - start);
  }
  ws.close();
  server.close();
  return times;
}

async function queryRoundTrips(url: string, rounds: number) {
  const c = client(url);
  await c.query("messages:counter" as never, { name: "warm" } as never);
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await c.query("messages:counter" as never, { name: `q${i % 10}` } as never);
    times.push(performance.now() - start);
  }
  await c.close();
  return times;
}

/** The same round trip without the client library: one ModifyQuerySet → one Transition. */
async function protocolRoundTrips(url: string, rounds: number) {
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/api/1.48.0/sync`);
  await new Promise((r) => ws.once("open", r));
  ws.send(JSON.stringify({ type: "Connect", sessionId: "bench", connectionCount: 0, lastCloseReason: null, clientTs: Date.now() }));
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const modifications: unknown[] = [{ type: "Add", queryId: i, udfPath: "messages:counter", args: [{ name: `q${i % 10}` }] }];
    if (i > 0) modifications.unshift({ type: "Remove", queryId: i - 1 });
    const start = performance.now();
    await new Promise<void>((resolve) => {
      const onMessage = (data: WebSocket.RawData) => {
        if ((JSON.parse(String(data)) as { type: string }).type === "Transition") {
          ws.off("message", onMessage);
          resolve();
        }
      };
      ws.on("message", onMessage);
      ws.send(JSON.stringify({ type: "ModifyQuerySet", baseVersion: i, newVersion: i + 1, modifications }));
    });
    times.push(performance.now() - start);
  }
  ws.close();
  return times;
}

async function fanOut(url: string, subscribers: number, rounds: number) {
  const clients = Array.from({ length: subscribers }, () => client(url));
  const latest = new Map<number, (len: number) => void>();
  await Promise.all(
    clients.map(
      (c, i) =>
        new Promise<void>((ready) => {
          c.onUpdate("messages:list" as never, { channel: "fan" } as never, (rows: unknown) => {
            latest.get(i)?.((rows as unknown[]).length);
            ready();
          });
        }),
    ),
  );
  const writer = client(url);
  const delays: number[] = [];
  let expected = (await writer.query("messages:list" as never, { channel: "fan" } as never) as unknown[]).length;
  for (let r = 0; r < rounds; r++) {
    expected++;
    const start = performance.now();
    const arrivals = clients.map(
      (_, i) =>
        new Promise<void>((resolve) => {
          latest.set(i, (len) => {
            if (len >= expected) {
              delays.push(performance.now() - start);
              resolve();
            }
          });
        }),
    );
    await writer.mutation("messages:send" as never, { channel: "fan", body: `m${r}` } as never);
    await Promise.all(arrivals);
  }
  await Promise.all([...clients, writer].map((c) => c.close()));
  return delays;
}

function indexLookups(documents: number, lookups: number) {
  const dir = tempDataDir("reelgate-bench-");
  const store = new DocumentStore(path.join(dir, "db.sqlite3"));
  const table = ":links";
  store.defineTable(table, [{ name: "by_tokenHash", fields: ["tokenHash"] }]);
  const hash = (i: number) => createHash("sha256").update(`token-${i}`).digest("hex");
  store.transaction(() => {
    for (let i = 0; i < documents; i++) {
      store.write(table, { _id: store.newId(table), _creationTime: store.nextCreationTime(), tokenHash: hash(i), n: i }, null);
    }
  });
  const start = performance.now();
  for (let i = 0; i < lookups; i++) {
    const { low, high } = store.bounds(table, "by_tokenHash", [{ type: "Eq", fieldPath: "tokenHash", value: hash((i * 7919) % documents) }]);
    const rows = store.scan(table, "by_tokenHash", low, high, "asc", null);
    if (rows.length !== 1) throw new Error("lookup failed");
  }
  const perLookup = (performance.now() - start) / lookups;
  store.close();
  rmSync(dir, { recursive: true, force: true });
  return perLookup;
}

const backend = await spawnBackend({ projectDir: FIXTURE_PROJECT });
try {
  const echo = await rawEcho(2000);
  const query = await queryRoundTrips(backend.cloudUrl, 2000);
  const protocol = await protocolRoundTrips(backend.cloudUrl, 2000);
  console.log("1. Query round trip over the sync WebSocket (2000 sequential client.query calls)");
  console.log(`   raw WebSocket echo   p50 ${fmt(percentile(echo, 50))}  mean ${fmt(echo.reduce((a, b) => a + b) / echo.length)}`);
  console.log(`   Convex query         p50 ${fmt(percentile(query, 50))}  mean ${fmt(query.reduce((a, b) => a + b) / query.length)}`);
  console.log(`   protocol only        p50 ${fmt(percentile(protocol, 50))}  mean ${fmt(protocol.reduce((a, b) => a + b) / protocol.length)}   (raw ModifyQuerySet → Transition, no client library)`);
  console.log(`   ratio (p50)          ${(percentile(query, 50) / percentile(echo, 50)).toFixed(2)}× with the convex client, ${(percentile(protocol, 50) / percentile(echo, 50)).toFixed(2)}× protocol only   (target ≤ 2×)`);

  const delays = await fanOut(backend.cloudUrl, 100, 30);
  console.log("2. A mutation's change reaching 100 subscribed clients (30 mutations, 3000 deliveries)");
  console.log(`   p50 ${fmt(percentile(delays, 50))}  p99 ${fmt(percentile(delays, 99))}  max ${fmt(Math.max(...delays))}   (target p99 < 100 ms)`);
} finally {
  await backend.stop();
}

const small = indexLookups(1_000, 20_000);
const large = indexLookups(100_000, 20_000);
console.log("3. Index lookup by token hash (20000 lookups each)");
console.log(`   1k documents    ${(small * 1000).toFixed(2)} µs/lookup`);
console.log(`   100k documents  ${(large * 1000).toFixed(2)} µs/lookup`);
console.log(`   ratio           ${(large / small).toFixed(2)}×   (target ≤ 1.5×)`);
process.exit(0);
