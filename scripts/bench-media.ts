/**
 * npm run bench:media — the same 256 MiB file, stored as the app stores it (8 MiB chunk files
 * through the chunked upload, convex/videoUploads.ts), through /media/<grant> on the embedded
 * backend and through nginx serving one plain copy (or, without nginx, a minimal Node static
 * server): 16 concurrent clients doing 4 MiB range reads for 20 s each (throughput, time to
 * first byte, the backend's peak RSS); seeks (`bytes=<90 %>-`, time to first byte p50/p99); and
 * the upload itself, chunked (3 parallel POSTs) vs one POST of the whole file. Then, on a backend
 * of its own, the issue's upload figure as a person meets it: a 1 GiB file (BENCH_BROWSER_UPLOAD_MIB)
 * uploaded from a Chromium tab by the upload form's own code (src/lib/chunkedUpload.ts, loaded
 * through Vite) vs one curl POST of the same file (streamed, `--upload-file`) to the backend's raw upload,
 * alternately, with the peak memory of the backend and of the tab. Not a test.
 */
import { ConvexHttpClient } from "convex/browser";
import { execFileSync, execSync, spawn } from "node:child_process";
import {
  closeSync,
  createReadStream,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Readable } from "node:stream";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { APP_PROJECT, signUp, uploadChunkedVideo, uploadReadyVideo, withMp4Head } from "../wire/appTesting";
import { freePort, spawnBackend, tempDataDir } from "../local-backend/testing";
import { CHROMIUM, launchChromium } from "../e2e/browser";
import { createServer as createViteServer } from "vite";

const SIZE = 256 * 1024 * 1024;
const CHUNK = 4 * 1024 * 1024;
const CLIENTS = 16;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const SEGMENTS = 4;
const UPLOAD_ROUNDS = Number(process.env.BENCH_UPLOAD_ROUNDS ?? 3);
const BROWSER_UPLOAD_MIB = Number(process.env.BENCH_BROWSER_UPLOAD_MIB ?? 1024);
const BROWSER_UPLOAD_ROUNDS = Number(process.env.BENCH_BROWSER_UPLOAD_ROUNDS ?? 2);

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

/** This process's descendants (Chromium's browser, zygote and renderer processes among them). */
function descendants(): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1].split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const queue = [process.pid];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** The largest current RSS and peak RSS (VmHWM) among this bench's Chromium renderer processes: the tab. */
function tabMemory(): { rss: number; peak: number } {
  let [rss, peak] = [0, 0];
  for (const pid of descendants()) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("--type=renderer")) continue;
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      rss = Math.max(rss, Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024);
      peak = Math.max(peak, Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024);
    } catch {
      // gone meanwhile
    }
  }
  return { rss, peak };
}

/**
 * A BROWSER_UPLOAD_MIB file uploaded from a Chromium tab by the upload form's code, alternately with
 * one curl POST of it to the backend's raw upload; null without Chromium (or with 0 MiB asked).
 */
async function browserUpload() {
  if (!existsSync(CHROMIUM) || BROWSER_UPLOAD_MIB <= 0) return null;
  const size = BROWSER_UPLOAD_MIB * 1024 * 1024;
  const dir = tempDataDir("reelgate-bench-upload-");
  const file = path.join(dir, "upload.mp4");
  const piece = Buffer.alloc(8 * 1024 * 1024);
  const fd = openSync(file, "w");
  for (let at = 0, i = 0; at < size; at += piece.length, i++) {
    piece.fill(i % 251);
    if (i === 0) withMp4Head(piece);
    writeSync(fd, piece, 0, Math.min(piece.length, size - at));
  }
  closeSync(fd);
  const server = await spawnBackend({ projectDir: APP_PROJECT });
  process.env.VITE_CONVEX_URL = server.cloudUrl;
  process.env.VITE_CONVEX_SITE_URL = server.siteUrl;
  const port = await freePort();
  const vite = await createViteServer({
    root: APP_PROJECT,
    configFile: path.join(APP_PROJECT, "vite.config.ts"),
    server: { port, strictPort: true, host: "127.0.0.1", hmr: false },
    logLevel: "error",
  });
  await vite.listen();
  const browser = await launchChromium();
  try {
    const { http, token } = await signUp(server, "upload@example.com", "Upload");
    const teamId = await http.mutation(api.teams.create, { name: "Upload" });
    const page = await browser.newPage();
    // The app's own page (its sign-in screen) is the tab's load before the upload.
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.evaluate(() => {
      const input = document.createElement("input");
      input.type = "file";
      input.id = "bench-file";
      document.body.append(input);
    });
    await page.setInputFiles("#bench-file", file);
    const tabBefore = tabMemory();
    const [fromTab, byCurl]: number[][] = [[], []];
    for (let round = 0; round < BROWSER_UPLOAD_ROUNDS; round++) {
      const result = await page.evaluate(
        async ({ cloudUrl, token, teamId }) => {
          const module = "/scripts/benchUploadTab.ts";
          const { uploadPicked } = (await import(/* @vite-ignore */ module)) as typeof import("./benchUploadTab");
          return await uploadPicked(cloudUrl, token, teamId, document.getElementById("bench-file") as HTMLInputElement);
        },
        { cloudUrl: server.cloudUrl, token, teamId },
      );
      if (result.bytes !== size) throw new Error(`the tab uploaded ${result.bytes} bytes`);
      fromTab.push(result.seconds);
      const videoId = await http.mutation(api.videos.create, { teamId, title: "Curl", fileName: "curl.mp4" });
      const uploadUrl = await http.mutation(api.videos.generateUploadUrl, { videoId });
      const t0 = performance.now();
      // Streamed from the file (`--upload-file`, sent as a POST): `--data-binary @file` reads the
      // whole file into memory first, and curl refuses that for 1 GiB ("out of memory").
      execFileSync(
        "curl",
        ["-sS", "-f", "-X", "POST", "-H", "Content-Type: video/mp4", "-H", "Expect:", "--upload-file", file, uploadUrl],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      byCurl.push((performance.now() - t0) / 1000);
    }
    return { size, fromTab, byCurl, tabBefore, tab: tabMemory(), backendPeak: peakRss(server.process.pid!) };
  } finally {
    await browser.close();
    await vite.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const browserFigures = await browserUpload();

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
  // A warm-up of each server first, not counted: the backend starts its action workers as requests
  // need them (each loads the app's bundles, ~0.5 s), and those waits were the whole TTFB tail
  // (p99 0.3-0.5 s, max ~1 s) of the first segment.
  await load(grantUrls, 2, tally());
  await load([baseline.url], 2, tally());
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
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
  if (!browserFigures) console.log("Upload from a browser tab: skipped (no Chromium, or BENCH_BROWSER_UPLOAD_MIB=0)");
  else {
    const { size, fromTab, byCurl, tabBefore, tab, backendPeak } = browserFigures;
    const [tabSeconds, curlSeconds] = [pct(fromTab, 50), pct(byCurl, 50)];
    console.log(
      `Upload of ${mib(size)} from a Chromium tab (the upload form's chunked upload, 8 MiB chunks × 3) ${(size / 1024 / 1024 / tabSeconds).toFixed(0)} MiB/s vs one curl POST (--upload-file) ${(size / 1024 / 1024 / curlSeconds).toFixed(0)} MiB/s: ${(curlSeconds / tabSeconds).toFixed(2)}× (target ≥ 0.7×; median of ${fromTab.length} alternating rounds: tab ${fromTab.map((x) => x.toFixed(2)).join("/")} s, curl ${byCurl.map((x) => x.toFixed(2)).join("/")} s)`,
    );
    console.log(
      `   peak memory: backend ${mib(backendPeak)} (its own backend, this upload only); the tab's renderer ${mib(tab.peak)} (RSS ${mib(tabBefore.rss)} with the app's page loaded, before the first upload)`,
    );
  }
} finally {
  await backend.stop();
}
process.exit(0);
