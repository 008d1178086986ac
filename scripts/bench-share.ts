/**
 * npm run bench:share — the anonymous share page of the production build (scripts/buildSpa.mjs,
 * served by scripts/staticServer.mjs as `npm run serve` does) under Chrome DevTools' "Fast 3G"
 * throttling, in a fresh browser context per run: time to the skeleton (first contentful paint),
 * to the player (the <video> in the page) and its poster (fetched), and to the video's first
 * frame (`loadeddata`), with the bytes transferred for scripts and in all. The baseline, run in
 * alternation with it under the same throttling: a static HTML page with a <video> of the same
 * file, served by nginx (when installed; else a minimal Node static server with ranges). Medians of
 * BENCH_RUNS (default 5) each. Not a test.
 *
 * Fast 3G as DevTools defines it (devtools-frontend, front_end/core/sdk/NetworkManager.ts,
 * `Fast3GConditions`): download 1.6 Mbit/s × 0.9, upload 750 kbit/s × 0.9, latency 150 ms × 3.75.
 * Applied with CDP `Network.emulateNetworkConditions` to every request of the page (the static
 * server, the backend's WebSocket handshake, /media and the poster).
 */
import { spawn } from "node:child_process";
import { createReadStream, existsSync, statSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { APP_PROJECT, freePort, spawnBackend } from "../local-backend/testing";
import { launchChromium, signUpWithTeam, uploadTestVideo } from "../e2e/browser";
import { buildSpa } from "./buildSpa.mjs";
// @ts-expect-error plain ESM script without types
import { createStaticServer } from "./staticServer.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const FAST_3G = {
  offline: false,
  downloadThroughput: ((1.6 * 1000 * 1000) / 8) * 0.9,
  uploadThroughput: ((750 * 1000) / 8) * 0.9,
  latency: 150 * 3.75,
};

type Run = { fcp: number; player: number; poster: number; firstFrame: number; scriptBytes: number; scripts: number; allBytes: number };

/** The baseline page: the same attributes as the share page's <video>, nothing else. */
const STATIC_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="UTF-8" /><meta name="viewport" content="width=device-width, initial-scale=1.0" /><title>Static video</title></head>
<body><video src="/video.webm" controls playsinline preload="metadata" style="width: 100%"></video></body></html>
`;

/** Serves `dir` (index.html and video.webm): nginx when installed, else a small Node server with byte ranges. */
async function staticVideoServer(dir: string): Promise<{ name: string; url: string; stop: () => void }> {
  const nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => existsSync(p));
  const port = await freePort();
  if (nginx) {
    const conf = path.join(dir, "nginx.conf");
    await writeFile(
      conf,
      `${process.getuid?.() === 0 ? "user root;" : ""} worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 64; }
http { access_log off; sendfile on; client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  types { text/html html; video/webm webm; }
  server { listen 127.0.0.1:${port}; root ${dir}; index index.html; } }`,
    );
    const child = spawn(nginx, ["-c", conf, "-p", dir], { stdio: "ignore" });
    for (let i = 0; i < 50; i++) {
      const up = await fetch(`http://127.0.0.1:${port}/`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { name: "nginx", url: `http://127.0.0.1:${port}/`, stop: () => void child.kill("SIGTERM") };
  }
  const server = createServer((req, res) => {
    const file = path.join(dir, req.url === "/video.webm" ? "video.webm" : "index.html");
    const size = statSync(file).size;
    const type = file.endsWith(".webm") ? "video/webm" : "text/html; charset=utf-8";
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    const [start, end] = m ? [Number(m[1]), m[2] ? Math.min(Number(m[2]), size - 1) : size - 1] : [0, size - 1];
    const headers = { "Content-Type": type, "Content-Length": end - start + 1, "Accept-Ranges": "bytes" };
    res.writeHead(m ? 206 : 200, m ? { ...headers, "Content-Range": `bytes ${start}-${end}/${size}` } : headers);
    createReadStream(file, { start, end }).pipe(res);
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { name: "Node static server (nginx not installed)", url: `http://127.0.0.1:${port}/`, stop: () => void server.close() };
}

/** One page load in a fresh context under Fast 3G, cache off: its marks and the bytes it transferred. */
async function measure(browser: Browser, url: string): Promise<Run> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  try {
    const viewer = await context.newPage();
    await viewer.addInitScript(MARKS);
    const cdp = await context.newCDPSession(viewer);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Network.emulateNetworkConditions", FAST_3G);
    const types = new Map<string, string>();
    let scriptBytes = 0;
    let scripts = 0;
    let allBytes = 0;
    cdp.on("Network.requestWillBeSent", (e) => types.set(e.requestId, e.type ?? "Other"));
    cdp.on("Network.loadingFinished", (e) => {
      allBytes += e.encodedDataLength;
      if (types.get(e.requestId) === "Script") {
        scriptBytes += e.encodedDataLength;
        scripts++;
      }
    });
    await viewer.goto(url, { waitUntil: "commit" });
    await viewer.waitForFunction(() => (window as unknown as { __benchMarks: { firstFrame?: number } }).__benchMarks.firstFrame, null, {
      timeout: 120_000,
    });
    const marks = await viewer.evaluate(async () => {
      const m = (window as unknown as { __benchMarks: { player?: number; posterUrl?: string; firstFrame: number } }).__benchMarks;
      const fcp = performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN;
      // The poster counts as visible once its image has arrived.
      let poster = NaN;
      for (let tries = 0; tries < 100 && m.posterUrl && Number.isNaN(poster); tries++) {
        const entry = performance.getEntriesByName(m.posterUrl)[0] as PerformanceResourceTiming | undefined;
        if (entry && entry.responseEnd > 0) poster = Math.max(entry.responseEnd, m.player ?? 0);
        else await new Promise((r) => setTimeout(r, 100));
      }
      return { fcp, player: m.player ?? NaN, poster, firstFrame: m.firstFrame };
    });
    await new Promise((r) => setTimeout(r, 200)); // the last loadingFinished events
    return { ...marks, scriptBytes, scripts, allBytes };
  } finally {
    await context.close();
  }
}

const describe = (r: Run) =>
  `skeleton (FCP) ${r.fcp.toFixed(0)} ms, player ${r.player.toFixed(0)} ms, poster ${r.poster.toFixed(0)} ms, ` +
  `first frame ${r.firstFrame.toFixed(0)} ms; scripts ${r.scripts} files ${(r.scriptBytes / 1024).toFixed(1)} kB, all ${(r.allBytes / 1024).toFixed(1)} kB`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Records, from the first script of the document on, when the <video> appears and when it has its first frame. */
const MARKS = `(() => {
  const marks = (window.__benchMarks = {});
  new MutationObserver((_, observer) => {
    const video = document.querySelector("video");
    if (video && marks.player === undefined) marks.player = performance.now();
    if (video && video.getAttribute("poster") && marks.posterSet === undefined) {
      marks.posterSet = performance.now();
      marks.posterUrl = video.poster;
    }
    if (marks.player !== undefined && marks.posterSet !== undefined) observer.disconnect();
  }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["poster"] });
  document.addEventListener("loadeddata", () => (marks.firstFrame ??= performance.now()), true);
})();`;

const webPort = await freePort();
const origin = `http://127.0.0.1:${webPort}`;
const backend = await spawnBackend({ projectDir: APP_PROJECT, env: { SITE_URL: origin } });
const outDir = await mkdtemp(path.join(os.tmpdir(), "reelgate-bench-dist-"));
const staticDir = await mkdtemp(path.join(os.tmpdir(), "reelgate-bench-static-"));
const browser = await launchChromium();
let server: Server | undefined;
let baseline: Awaited<ReturnType<typeof staticVideoServer>> | undefined;
try {
  process.env.VITE_CONVEX_URL = backend.cloudUrl;
  process.env.VITE_CONVEX_SITE_URL = backend.siteUrl;
  process.env.NODE_ENV = "production";
  await buildSpa({ outDir, logLevel: "error" });
  server = createStaticServer(outDir) as Server;
  await new Promise<void>((resolve) => server!.listen(webPort, "127.0.0.1", resolve));

  // A member (unthrottled) uploads a recorded WebM through the app, which reads its poster, and shares it.
  const member = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await member.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
  const page = await member.newPage();
  await page.goto(`${origin}/`);
  await signUpWithTeam(page, { name: "Bench Member", email: "bench@example.com", team: "Bench" });
  const file = await uploadTestVideo(page, "Bench cut", 3000);
  await page.getByRole("button", { name: "Share Bench cut" }).click();
  await page.getByRole("button", { name: "Quick share (7 days)" }).click();
  await page.getByText("7-day link created and copied!").waitFor();
  const shareUrl = await page.evaluate(() => navigator.clipboard.readText());
  await member.close();

  // The baseline serves the very file the member uploaded.
  await writeFile(path.join(staticDir, "video.webm"), file);
  await writeFile(path.join(staticDir, "index.html"), STATIC_PAGE);
  baseline = await staticVideoServer(staticDir);

  const runs: Run[] = [];
  const staticRuns: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternating, so a change in the machine's load affects both sides alike.
    runs.push(await measure(browser, shareUrl));
    console.log(`run ${i + 1}, share page:  ${describe(runs[i])}`);
    staticRuns.push(await measure(browser, baseline.url));
    console.log(`run ${i + 1}, static page: ${describe(staticRuns[i])}`);
  }

  const m = (key: keyof Run, of = runs) => median(of.map((r) => r[key]));
  console.log(
    `\nshare page, production build, Fast 3G (${(FAST_3G.downloadThroughput / 1000).toFixed(0)} kB/s down, ${FAST_3G.latency} ms latency), ` +
      `median of ${RUNS} fresh contexts:`,
  );
  console.log(`  skeleton (first contentful paint)  ${m("fcp").toFixed(0)} ms`);
  console.log(`  player in the page                 ${m("player").toFixed(0)} ms`);
  console.log(`  poster fetched                     ${m("poster").toFixed(0)} ms`);
  console.log(`  first frame (loadeddata)           ${m("firstFrame").toFixed(0)} ms`);
  console.log(`  scripts transferred                ${(m("scriptBytes") / 1024).toFixed(1)} kB in ${m("scripts")} files`);
  console.log(
    `  all finished requests              ${(m("allBytes") / 1024).toFixed(1)} kB (bodies + headers; WebSocket frames not counted)`,
  );
  console.log(`\nbaseline: a static HTML page with a <video> of the same file (${file.length} bytes), ${baseline.name}, same throttling:`);
  console.log(`  first contentful paint             ${m("fcp", staticRuns).toFixed(0)} ms`);
  console.log(`  first frame (loadeddata)           ${m("firstFrame", staticRuns).toFixed(0)} ms`);
  console.log(`  all finished requests              ${(m("allBytes", staticRuns) / 1024).toFixed(1)} kB`);
  console.log(
    `\nshare page vs static page, time to first frame: ${m("firstFrame").toFixed(0)} vs ${m("firstFrame", staticRuns).toFixed(0)} ms ` +
      `(${(m("firstFrame") / m("firstFrame", staticRuns)).toFixed(2)}×, +${(m("firstFrame") - m("firstFrame", staticRuns)).toFixed(0)} ms)`,
  );
} finally {
  await browser.close();
  server?.close();
  baseline?.stop();
  await backend.stop();
  await rm(outDir, { recursive: true, force: true });
  await rm(staticDir, { recursive: true, force: true });
}
