/**
 * npm run bench:attacks — the backend's memory under the memory-exhaustion attacks of issue 9
 * (not a test: it prints numbers). For each attack: the backend's RSS at idle and its peak while
 * the attack runs (VmRSS of the backend process, sampled every 20 ms), plus a viewer's query
 * latency while another socket holds thousands of subscriptions and commits keep coming.
 *   1. Huge WebSocket frames (100 MiB, and just under the limit).
 *   2. 600 mutations with 1 MiB function paths, then disconnect (results remembered per session).
 *   3. 20,000 subscriptions on one socket; a second client's queries during commits.
 *   4. Large HTTP bodies to /api/mutation.
 */
import { ConvexHttpClient } from "convex/browser";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { MAX_WS_MESSAGE_BYTES } from "../local-backend/syncLimits";
import { FIXTURE_PROJECT, spawnBackend, type RunningBackend } from "../local-backend/testing";

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Runs `attack` while sampling the backend's RSS; the peak. */
async function peakDuring(backend: RunningBackend, attack: () => Promise<void>): Promise<number> {
  const pid = backend.process.pid!;
  let peak = rssMiB(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMiB(pid))), 20);
  try {
    await attack();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, rssMiB(pid));
}

async function idleRss(backend: RunningBackend) {
  await sleep(1500);
  return rssMiB(backend.process.pid!);
}

type Socket = { ws: WebSocket; send(m: object): void; closed: Promise<number>; onMessage(fn: (m: Record<string, any>) => void): void };
async function socket(backend: RunningBackend, sessionId = crypto.randomUUID()): Promise<Socket> {
  const ws = new WebSocket(`${backend.cloudUrl.replace("http", "ws")}/api/1.48.0/sync`);
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  ws.on("error", () => undefined);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  const send = (m: object) => ws.send(JSON.stringify(m));
  send({ type: "Connect", sessionId, connectionCount: 0, lastCloseReason: null, clientTs: Date.now() });
  return { ws, send, closed, onMessage: (fn) => ws.on("message", (d) => fn(JSON.parse(String(d)))) };
}

async function hugeFrames(backend: RunningBackend) {
  const big = Buffer.alloc(100 * MiB, 0x20);
  const underLimit = Buffer.alloc(MAX_WS_MESSAGE_BYTES - 16, 0x20);
  const codes: number[] = [];
  for (let round = 0; round < 5; round++) {
    const sockets = await Promise.all(Array.from({ length: 4 }, () => socket(backend)));
    sockets.forEach((s, i) => s.ws.send(i % 2 === 0 ? big : underLimit));
    codes.push(...(await Promise.all(sockets.map((s) => s.closed))));
  }
  return `close codes ${[...new Set(codes)].join(", ")}`;
}

async function mutationsThenDisconnect(backend: RunningBackend) {
  const s = await socket(backend);
  let answered = 0;
  s.onMessage((m) => m.type === "MutationResponse" && answered++);
  const path = `${"x".repeat(MiB)}:f`;
  for (let i = 0; i < 600; i++) s.send({ type: "Mutation", requestId: i, udfPath: path, args: [{}] });
  const started = Date.now();
  while (answered < 600 && Date.now() - started < 60_000) await sleep(20);
  s.ws.close();
  await s.closed;
  await sleep(1000);
  return `${answered} answered; RSS 1 s after disconnect ${rssMiB(backend.process.pid!).toFixed(0)} MiB`;
}

async function manySubscriptions(backend: RunningBackend, count: number) {
  const http = new ConvexHttpClient(backend.cloudUrl, { logger: false });
  const s = await socket(backend);
  let failed = 0;
  let ready = false;
  s.onMessage((m) => {
    if (m.type !== "Transition") return;
    if (m.endVersion.querySet === 1) ready = true;
    failed += m.modifications.filter((x: { type: string }) => x.type === "QueryFailed").length;
  });
  const modifications = Array.from({ length: count }, (_, i) => ({
    type: "Add",
    queryId: i,
    udfPath: "messages:list",
    args: [{ channel: `sub${i}` }],
  }));
  s.send({ type: "ModifyQuerySet", baseVersion: 0, newVersion: 1, modifications });
  while (!ready) await sleep(20);
  // Commits keep coming (to one of the subscribed channels and to another one) while a viewer queries.
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing; i++)
      await http.mutation("messages:send" as never, { channel: i % 2 ? "sub7" : "elsewhere", body: `w${i}` } as never);
  })();
  const latencies: number[] = [];
  for (let i = 0; i < 60; i++) {
    const start = performance.now();
    await http.query("messages:counter" as never, { name: "viewer" } as never);
    latencies.push(performance.now() - start);
    await sleep(10);
  }
  writing = false;
  await writer;
  s.ws.close();
  await s.closed;
  return `${count - failed} subscribed, ${failed} refused; viewer query p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms`;
}

async function largeBodies(backend: RunningBackend) {
  const url = new URL("/api/mutation", backend.cloudUrl);
  const chunk = Buffer.alloc(MiB, 0x61);
  const one = () =>
    new Promise<string>((resolve) => {
      const req = request(url, { method: "POST", headers: { "Content-Type": "application/json" } }, (res) => {
        res.resume();
        res.on("end", () => resolve(String(res.statusCode)));
      });
      req.on("error", (e) => resolve((e as NodeJS.ErrnoException).code ?? "error"));
      let sent = 0;
      const pump = () => {
        while (sent < 256) {
          sent++;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        req.end();
      };
      req.write('{"path":"messages:send","args":{"channel":"');
      pump();
    });
  const outcomes = await Promise.all(Array.from({ length: 4 }, one));
  return `4 × 256 MiB bodies: ${outcomes.join(", ")}`;
}

async function run(name: string, env: Record<string, string>, attack: (b: RunningBackend) => Promise<string>) {
  const backend = await spawnBackend({ projectDir: FIXTURE_PROJECT, env });
  try {
    await new ConvexHttpClient(backend.cloudUrl, { logger: false }).query("messages:counter" as never, { name: "warm" } as never);
    const idle = await idleRss(backend);
    let note = "";
    const peak = await peakDuring(backend, async () => void (note = await attack(backend)));
    console.log(
      `${name.padEnd(44)} idle ${idle.toFixed(0).padStart(4)} MiB  peak ${peak.toFixed(0).padStart(4)} MiB  (+${(peak - idle).toFixed(0)} MiB)  ${note}`,
    );
  } finally {
    await backend.stop();
  }
}

await run("huge frames (100 MiB and just under limit)", {}, hugeFrames);
await run("600 mutations, 1 MiB paths, then disconnect", {}, mutationsThenDisconnect);
await run("20k subscriptions on one socket", {}, (b) => manySubscriptions(b, 20_000));
await run("20k subscriptions, cap raised to 20k", { LOCAL_BACKEND_MAX_QUERIES_PER_CONNECTION: "20000" }, (b) =>
  manySubscriptions(b, 20_000),
);
await run("large HTTP bodies to /api/mutation", {}, largeBodies);
