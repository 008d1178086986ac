/**
 * bench:backend section 5 — the execution pool (local-backend/executionPool.ts).
 * a. Head-of-line: getByToken round trips (as a share page makes them, over the sync WebSocket)
 *    while 10 password grants per second (a bcrypt compare each) run on other links, vs none.
 * b. Mutation throughput, non-conflicting (each client its own counter), 1 worker vs the default pool
 *    (optimistic concurrency: these commit side by side).
 */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { api } from "../convex/_generated/api";
import { FIXTURE_PROJECT, spawnBackend } from "../local-backend/testing";
import { defaultPoolSize } from "../local-backend/executionPool";
import { APP_PROJECT, signUp, uploadReadyVideo } from "../wire/appTesting";

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

async function headOfLine() {
  const backend = await spawnBackend({ projectDir: APP_PROJECT });
  try {
    const { http } = await signUp(backend, "bench@example.com", "Bench");
    const teamId = await http.mutation(api.teams.create, { name: "Bench" });
    const { videoId } = await uploadReadyVideo(http, teamId);
    const open = await http.mutation(api.shareLinks.create, { videoId });
    const guarded = await Promise.all(
      Array.from({ length: 10 }, () => http.mutation(api.shareLinks.create, { videoId, password: "s3cret-pass" })),
    );
    const viewer = new ConvexClient(backend.cloudUrl, {
      webSocketConstructor: WebSocket as never,
      unsavedChangesWarning: false,
      logger: false,
    } as never);
    const granter = new ConvexHttpClient(backend.cloudUrl);
    let n = 0;
    // A new viewer id each time: every round trip runs the query (no cached outcome).
    const roundTrips = async (count: number) => {
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const started = performance.now();
        await viewer.query(api.shareLinks.getByToken, { token: open.token, viewerId: `bench-viewer-${++n}` });
        times.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 5));
      }
      return times;
    };
    await roundTrips(50);
    const quiet = await roundTrips(400);
    let grants = 0;
    let grantMs = 0;
    const timer = setInterval(() => {
      const link = guarded[grants % guarded.length];
      const started = performance.now();
      grants++;
      void granter
        .mutation(api.shareLinks.issueAccessGrant, { token: link.token, password: "s3cret-pass", viewerId: `granted-${grants}` })
        .then(
          () => (grantMs += performance.now() - started),
          () => undefined,
        );
    }, 100);
    const loaded = await roundTrips(400);
    clearInterval(timer);
    await viewer.close();
    console.log("5a. getByToken round trip, 400 sequential (a new viewer each), with no grants vs 10 password grants/s on other links");
    console.log(`   no grants       p50 ${fmt(percentile(quiet, 50))}  p99 ${fmt(percentile(quiet, 99))}  max ${fmt(Math.max(...quiet))}`);
    console.log(
      `   10 grants/s     p50 ${fmt(percentile(loaded, 50))}  p99 ${fmt(percentile(loaded, 99))}  max ${fmt(Math.max(...loaded))}   (${grants} grants, mean ${fmt(grantMs / Math.max(1, grants))} each)`,
    );
    console.log(`   p99 ratio       ${(percentile(loaded, 99) / percentile(quiet, 99)).toFixed(2)}×   (target ≤ 2×)`);
  } finally {
    await backend.stop();
  }
}

async function throughput(workers: string | undefined) {
  const backend = await spawnBackend({ projectDir: FIXTURE_PROJECT, env: workers ? { LOCAL_BACKEND_WORKERS: workers } : {} });
  try {
    const clients = Array.from({ length: 8 }, () => new ConvexHttpClient(backend.cloudUrl));
    const run = async (perClient: number) => {
      const started = performance.now();
      await Promise.all(
        clients.map(async (c, i) => {
          for (let k = 0; k < perClient; k++) await c.mutation("messages:increment" as never, { name: `bench-${i}` } as never);
        }),
      );
      return (clients.length * perClient) / ((performance.now() - started) / 1000);
    };
    await run(10);
    return await run(60);
  } finally {
    await backend.stop();
  }
}

export async function benchExecution(sections = { headOfLine: true, throughput: true }) {
  if (sections.headOfLine) await headOfLine();
  if (!sections.throughput) return;
  const one = await throughput("1");
  const all = await throughput(undefined);
  console.log(
    `5b. Non-conflicting mutations (8 clients × 60, each its own counter): 1 worker ${one.toFixed(0)}/s, ${defaultPoolSize()} workers ${all.toFixed(0)}/s, ratio ${(all / one).toFixed(2)}×`,
  );
  console.log("   (commits and every syscall are answered on the server's one main thread, which bounds the gain)");
}
