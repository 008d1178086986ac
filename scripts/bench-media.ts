/**
 * npm run bench:media — the same 256 MiB file, stored as the app stores it (8 MiB chunk files
 * through the chunked upload, convex/videoUploads.ts), through /media/<grant> on the embedded
 * backend and through nginx serving one plain copy (or, without nginx, a minimal Node static
 * server): 16 concurrent clients doing 4 MiB range reads for 20 s each (throughput, time to
 * first byte, the backend's peak RSS); seeks (`bytes=<90 %>-`, time to first byte p50/p99); and
 * the upload itself, chunked (3 parallel POSTs) vs one POST of the whole file. Not a test.
 */
import { ConvexHttpClient } from "convex/browser";
import { execSync, spawn } from "node:child_process";
import { createReadStream, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { APP_PROJECT, signUp, uploadChunkedVideo, uploadReadyVideo, withMp4Head } from "../wire/appTesting";
import { spawnBackend, tempDataDir } from "../local-backend/testing";

const SIZE = 256 * 1024 * 1024;
const CHUNK = 4 * 1024 * 1024;
const CLIENTS = 16;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const SEGMENTS = 4;
const UPLOAD_ROUNDS = Number(process.env.BENCH_UPLOAD_ROUNDS ?? 3);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

function peakRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

type Tally = { ttfb: number[]; bytes: number; seconds: number; cpuBusy: number; cpuTotal: number };
const tally = (): Tally => ({ ttfb: [], bytes: 0, seconds: 0, cpuBusy: 0, cpuTotal: 0 });

/** Jiffies since boot across all CPUs: [busy, total] (Linux /proc/stat; zeros elsewhere). */
function machineCpu(): [number, number] {
  try {
    const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
    const n = fields.map(Number);
    const total = n.reduce((a, b) => a + b, 0);
    return [total - n[3] - (n[4] ?? 0), total];
  } catch {
    return [0, 0];
  }
}

/** CLIENTS concurrent clients reading random 4 MiB ranges for `seconds`; adds to `into`. */
async function load(urls: string[], seconds: number, into: Tally) {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const [busy0, total0] = machineCpu();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      let i = c + into.ttfb.length;
      while (performance.now() < deadline) {
        const start = ((i++ * 7919) % (SIZE / CHUNK)) * CHUNK;
        const t0 = performance.now();
        const res = await fetch(urls[c % urls.length], { headers: { Range: `bytes=${start}-${start + CHUNK - 1}` } });
        const reader = res.body!.getReader();
        let first = true;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (first) {
            into.ttfb.push(performance.now() - t0);
            first = false;
          }
          into.bytes += value.length;
        }
        if (res.status !== 206) throw new Error(`unexpected status ${res.status}`);
      }
    }),
  );
  into.seconds += (performance.now() - started) / 1000;
  const [busy1, total1] = machineCpu();
  into.cpuBusy += busy1 - busy0;
  into.cpuTotal += total1 - total0;
}

const summary = (t: Tally) => ({
  mbps: t.bytes / 1024 / 1024 / t.seconds,
  ttfbP50: pct(t.ttfb, 50),
  ttfbP99: pct(t.ttfb, 99),
  requests: t.ttfb.length,
  cpu: t.cpuTotal ? (100 * t.cpuBusy) / t.cpuTotal : NaN,
});

async function staticServer(file: string): Promise<{ url: string; stop: () => Promise<void>; name: string }> {
  const nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p));
  const dir = tempDataDir("reelgate-nginx-");
  if (nginx) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const conf = path.join(dir, "nginx.conf");
    writeFileSync(
      conf,
      `${process.getuid?.() === 0 ? "user root;" : ""} worker_processes 2; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 1024; }
http { access_log off; sendfile on; tcp_nopush on; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${port}; location = /video { alias ${file}; default_type video/mp4; } } }`,
    );
    const child = spawn(nginx, ["-c", conf, "-p", dir], { stdio: "ignore" });
    for (let i = 0; i < 50; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/video`, { method: "HEAD" })).ok) break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return { name: "nginx", url: `http://127.0.0.1:${port}/video`, stop: async () => void child.kill("SIGTERM") };
  }
  const size = statSync(file).size;
  const server = createServer((req, res) => {
    const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? "");
    const [start, end] = m ? [Number(m[1]), Number(m[2])] : [0, size - 1];
    res.writeHead(m ? 206 : 200, { "Content-Length": end - start + 1, "Content-Range": `bytes ${start}-${end}/${size}` });
    createReadStream(file, { start, end }).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    name: "node static server (nginx not installed)",
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/video`,
    stop: async () => void server.close(),
  };
}

const backend = await spawnBackend({ projectDir: APP_PROJECT });
try {
  const { http } = await signUp(backend, "bench@example.com", "Bench");
  const teamId = await http.mutation(api.teams.create, { name: "Bench" });
  const bytes = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE / (1024 * 1024); i++) bytes.fill(i % 251, i * 1024 * 1024, (i + 1) * 1024 * 1024);
  withMp4Head(bytes);
  // Upload: the app's chunked path vs one POST of the whole file to the backend's raw upload,
  // alternately (the first round also warms the backend's workers), the median round of each.
  const chunkedRuns: number[] = [];
  const wholeRuns: number[] = [];
  let videoId: Id<"videos"> | undefined;
  let rssAfterUpload = 0;
  for (let round = 0; round < UPLOAD_ROUNDS; round++) {
    let t0 = performance.now();
    ({ videoId } = await uploadChunkedVideo(http, teamId, bytes, {
      chunkSize: 8 * 1024 * 1024,
      title: "Big",
      fileName: "big.mp4",
      parallel: 3,
    }));
    chunkedRuns.push((performance.now() - t0) / 1000);
    rssAfterUpload = Math.max(rssAfterUpload, peakRss(backend.process.pid!));
    t0 = performance.now();
    await uploadReadyVideo(http, teamId, {
      body: Readable.toWeb(Readable.from([Buffer.from(bytes.buffer)])) as ReadableStream,
      title: "Whole",
      fileName: "whole.mp4",
    });
    wholeRuns.push((performance.now() - t0) / 1000);
  }
  const [chunkedSeconds, wholeSeconds] = [pct(chunkedRuns, 50), pct(wholeRuns, 50)];
  if (!videoId) throw new Error("no upload ran");
  const link = await http.mutation(api.shareLinks.create, { videoId });
  // One grant per client: 16 viewers, each within its own request budget.
  const grantUrls: string[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const grant = await new ConvexHttpClient(backend.cloudUrl).mutation(api.shareLinks.issueAccessGrant, { token: link.token });
    if (!grant.ok) throw new Error(grant.reason);
    grantUrls.push(`${backend.siteUrl}/media/${grant.grantToken}`);
  }
  // nginx serves one plain copy of the same bytes.
  const file = path.join(tempDataDir("reelgate-bench-file-"), "video.mp4");
  await writeFile(file, bytes);
  execSync("sync");

  // Alternating segments (4 × SECONDS/4 each), so a change in the machine's load hits both servers alike.
  const baseline = await staticServer(file);
  const [theirs, ours] = [tally(), tally()];
  const rssBefore = peakRss(backend.process.pid!);
  for (let segment = 0; segment < SEGMENTS; segment++) {
    await load([baseline.url], SECONDS / SEGMENTS, theirs);
    await load(grantUrls, SECONDS / SEGMENTS, ours);
  }
  // Seeks: a player jumping to 90 % asks `bytes=<90 %>-`; time to its first byte.
  const seekAt = Math.floor(SIZE * 0.9);
  const seek = async (url: string) => {
    const times: number[] = [];
    for (let i = 0; i < 40; i++) {
      const start = seekAt + i * 4096;
      const begin = performance.now();
      const res = await fetch(url, { headers: { Range: `bytes=${start}-` } });
      const reader = res.body!.getReader();
      await reader.read();
      times.push(performance.now() - begin);
      await reader.cancel();
    }
    return { p50: pct(times, 50), p99: pct(times, 99) };
  };
  const [seekTheirs, seekOurs] = [await seek(baseline.url), await seek(grantUrls[0])];
  await baseline.stop();
  const rssPeak = peakRss(backend.process.pid!);
  const [reference, measured] = [summary(theirs), summary(ours)];

  const line = (name: string, r: ReturnType<typeof summary>) =>
    `   ${name.padEnd(28)} ${r.mbps.toFixed(0).padStart(6)} MiB/s   TTFB p50 ${r.ttfbP50.toFixed(2)} ms  p99 ${r.ttfbP99.toFixed(2)} ms   (${r.requests} requests; machine CPU ${r.cpu.toFixed(0)}% busy, load generator included)`;
  console.log(
    `Media delivery: ${CLIENTS} clients × 4 MiB range reads × ${SECONDS} s per server (${SEGMENTS} alternating segments) on a 256 MiB file`,
  );
  console.log(line(baseline.name, reference));
  console.log(line("/media/<grant> (embedded)", measured));
  console.log(
    `   throughput ratio ${(measured.mbps / reference.mbps).toFixed(2)}× (target ≥ 0.8×)   TTFB p50 ratio ${(measured.ttfbP50 / reference.ttfbP50).toFixed(2)}× (target ≤ 1.3×)`,
  );
  console.log(
    `Seek to 90 % (bytes=${seekAt}-, 40 requests): ${baseline.name} TTFB p50 ${seekTheirs.p50.toFixed(2)} ms p99 ${seekTheirs.p99.toFixed(2)} ms; /media p50 ${seekOurs.p50.toFixed(2)} ms p99 ${seekOurs.p99.toFixed(2)} ms (answers end at the 8 MiB chunk boundary)`,
  );
  console.log(
    `Upload of ${SIZE / 1024 / 1024} MiB: chunked (8 MiB × 3 parallel) ${(SIZE / 1024 / 1024 / chunkedSeconds).toFixed(0)} MiB/s vs one POST ${(SIZE / 1024 / 1024 / wholeSeconds).toFixed(0)} MiB/s: ${(wholeSeconds / chunkedSeconds).toFixed(2)}× (target ≥ 0.7×; median of ${UPLOAD_ROUNDS} alternating rounds: chunked ${chunkedRuns.map((x) => x.toFixed(2)).join("/")} s, one POST ${wholeRuns.map((x) => x.toFixed(2)).join("/")} s); backend peak RSS after the chunked upload ${(rssAfterUpload / 1024 / 1024).toFixed(0)} MiB`,
  );
  console.log(
    `   backend peak RSS ${(rssPeak / 1024 / 1024).toFixed(0)} MiB (before load ${(rssBefore / 1024 / 1024).toFixed(0)} MiB; target < 300 MiB)`,
  );
} finally {
  await backend.stop();
}
process.exit(0);
