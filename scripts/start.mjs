#!/usr/bin/env node
// `npm start`: the embedded Convex backend in push mode, the stock CLI's `npx convex dev` pushing
// the project to it (bundled by the CLI, pushed again on every change, `convex/_generated`
// written), and the Vite dev server (`--backend-only`: backend and CLI, no Vite).
// Ctrl-C stops all three; if the backend or Vite fails to start (a port is taken…), everything
// stops and the exit code is non-zero. A push the CLI cannot make (bad code, a schema the data
// violates) is shown and the backend keeps serving the last good push; a CLI that exits is
// started again. A backend that dies after it was serving is restarted, after a pause that
// doubles with each quick crash (0.5 s … 30 s); five quick crashes in a row, or a restart that
// cannot start, stop everything.
// LOCAL_BACKEND_PROJECT (default: this repository) is the project pushed (tests push fixtures).
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const project = path.resolve(process.env.LOCAL_BACKEND_PROJECT ?? root);
const port = process.env.LOCAL_BACKEND_PORT ?? "3210";
const sitePort = process.env.LOCAL_BACKEND_SITE_PORT ?? "3211";
const webPort = process.env.PORT ?? "5173";
const children = [];
let stopping = false;
const timers = new Set();
// Vite and the CLI colour their output when CI or FORCE_COLOR is set; match on the plain text.
const stripAnsi = (text) => text.replace(/\x1b\[[0-9;]*m/g, "");
const later = (fn, ms) => {
  const timer = setTimeout(() => {
    timers.delete(timer);
    fn();
  }, ms);
  timers.add(timer);
  return timer;
};

function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const timer of timers) clearTimeout(timer);
  for (const child of children) if (child.exitCode === null && child.signalCode === null) kill(child);
  setTimeout(() => process.exit(code), 500).unref();
  Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.on("exit", r)) : null))).then(() =>
    process.exit(code),
  );
}

/** The CLI runs in a process group of its own, so its esbuild and tsc children stop with it. */
function kill(child) {
  try {
    if (child.group) process.kill(-child.pid, "SIGTERM");
    else child.kill("SIGTERM");
  } catch {
    // Already gone.
  }
}

/** Runs `node <args>` with its lines prefixed by `name`; `env` is the child's whole environment. */
function run(name, args, { env, cwd = root, group = false, onLine, onExit }) {
  const child = spawn(process.execPath, args, { cwd, env, detached: group, stdio: ["ignore", "pipe", "pipe"] });
  child.group = group;
  children.push(child);
  const forward = (stream, out) => {
    let buffer = "";
    stream.on("data", (data) => {
      buffer += data;
      const lines = buffer.split("\n");
      buffer = lines.pop();
      for (const line of lines) {
        out.write(`${name} | ${line}\n`);
        onLine?.(stripAnsi(line));
      }
    });
  };
  forward(child.stdout, process.stdout);
  forward(child.stderr, process.stderr);
  child.on("exit", (code, signal) => {
    children.splice(children.indexOf(child), 1);
    if (stopping) return;
    if (onExit) return onExit(code, signal);
    console.error(`${name} exited (${code ?? signal}); stopping.`);
    stopAll(code || 1);
  });
  return child;
}

process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

const dataArgs = process.env.LOCAL_BACKEND_DATA ? ["--data", path.resolve(process.env.LOCAL_BACKEND_DATA)] : [];
const backendOnly = process.argv.includes("--backend-only");
// libuv reads UV_USE_IO_URING when the process starts. With io_uring, file reads that hit the
// page cache are copied on the event loop's thread; through the thread pool they are not, and
// media throughput rises by about a third (npm run bench:media).
const backendEnv = {
  ...process.env,
  UV_USE_IO_URING: process.env.UV_USE_IO_URING ?? "0",
  SITE_URL: process.env.SITE_URL ?? `http://localhost:${webPort}`,
};
// Push mode: the backend serves what the CLI pushes (kept in the data folder), never convex/ itself.
const backendArgs = [
  "--import",
  "tsx",
  path.join(root, "local-backend", "cli.ts"),
  "--port",
  port,
  "--site-port",
  sitePort,
  "--project",
  project,
  "--push",
  ...dataArgs,
];
const QUICK_CRASH_MS = 60_000;
const MAX_QUICK_CRASHES = 5;
let quickCrashes = 0;
let started = false;

let cliVariablesShown = false;
/** The convex CLI drives the embedded backend as a self-hosted deployment (npx convex run / data / logs / env / export / import). */
function printCliVariables(cloudUrl, adminKey) {
  if (cliVariablesShown) return;
  cliVariablesShown = true;
  console.log(
    `\n  To use the convex CLI with this backend, export:\n    export CONVEX_SELF_HOSTED_URL=${cloudUrl}\n    export CONVEX_SELF_HOSTED_ADMIN_KEY='${adminKey}'\n  (the key is kept in the data folder, file admin_key)\n`,
  );
}

function startBackend() {
  let ready = false;
  let readyUrls = null;
  let readyAt = 0;
  run("backend", backendArgs, {
    env: backendEnv,
    onLine: (line) => {
      const m = /Local Convex backend: (\S+) \(HTTP actions: (\S+)\)/.exec(line);
      if (m) {
        readyUrls = { cloudUrl: m[1], siteUrl: m[2] };
        ready = true;
        readyAt = Date.now();
      }
      const key = /^Admin key: (\S+)$/.exec(line);
      if (!key || !readyUrls) return;
      printCliVariables(readyUrls.cloudUrl, key[1]);
      // A restarted backend serves the last push from its data folder; the running CLI reconnects.
      if (started) return;
      started = true;
      startCli(readyUrls.cloudUrl, key[1]);
      if (!backendOnly) startWeb(readyUrls.cloudUrl, readyUrls.siteUrl);
    },
    onExit: (code, signal) => {
      // Exiting before it served (a taken port, a broken build) would only happen again.
      if (!ready) {
        console.error(`backend exited (${code ?? signal}) before it was ready; stopping.`);
        return stopAll(code || 1);
      }
      quickCrashes = Date.now() - readyAt < QUICK_CRASH_MS ? quickCrashes + 1 : 1;
      if (quickCrashes > MAX_QUICK_CRASHES) {
        console.error(`backend exited (${code ?? signal}) ${quickCrashes} times in a row within a minute of starting; stopping.`);
        return stopAll(code || 1);
      }
      const delay = Math.min(30_000, 500 * 2 ** (quickCrashes - 1));
      console.error(`backend exited unexpectedly (${code ?? signal}); restarting in ${delay / 1000} s.`);
      later(startBackend, delay);
    },
  });
}

// The first push's outcome and Vite's address: the banner waits for both.
let firstPush = null;
let webUrl = backendOnly ? "" : null;
let banner = null;
function showBanner() {
  if (firstPush === null || webUrl === null || banner === null) return;
  console.log(banner());
  banner = null;
}

let cliExits = 0;
/**
 * `npx convex dev` against the backend, offline: only the self-hosted variables choose the
 * deployment (CONVEX_DEPLOYMENT and deploy keys are dropped), CI set (no Sentry, no prompts).
 * Function logs are printed by the backend, so the CLI does not tail them a second time.
 */
function startCli(cloudUrl, adminKey) {
  const env = { ...process.env, CONVEX_SELF_HOSTED_URL: cloudUrl, CONVEX_SELF_HOSTED_ADMIN_KEY: adminKey, CI: "1" };
  delete env.CONVEX_DEPLOYMENT;
  delete env.CONVEX_DEPLOY_KEY;
  let failed = false;
  let note = null;
  const startedAt = Date.now();
  banner ??= () =>
    [
      "",
      `  Reelgate is running:`,
      ...(webUrl ? [`    app      ${webUrl}`] : []),
      `    backend  ${cloudUrl}`,
      `    functions ${firstPush === "ready" ? "pushed by `npx convex dev`, pushed again on every change" : "not pushed: see the error above; saving a fix pushes again"}`,
      "  Press Ctrl-C to stop.",
      "",
    ].join("\n");
  run("convex", [path.join(root, "node_modules", "convex", "bin", "main.js"), "dev", "--tail-logs", "disable"], {
    env,
    cwd: project,
    group: true,
    onLine: (line) => {
      if (/Preparing Convex functions/.test(line)) failed = false;
      if (/Convex functions ready!/.test(line)) {
        firstPush ??= "ready";
        showBanner();
      }
      // An error block (esbuild's ✘, the CLI's ✖, a refused push) ends with no more lines for a moment.
      if (/^\s*[✘✖]/.test(line)) failed = true;
      if (!failed) return;
      clearTimeout(note);
      note = later(() => {
        console.error("convex | ✖ Push failed: the backend keeps serving the functions pushed last. Save a fix to push again.");
        firstPush ??= "failed";
        showBanner();
      }, 400);
    },
    onExit: (code, signal) => {
      cliExits = Date.now() - startedAt < QUICK_CRASH_MS ? cliExits + 1 : 1;
      if (cliExits > MAX_QUICK_CRASHES) {
        console.error(
          `convex dev exited (${code ?? signal}) ${cliExits} times in a row; not starting it again. The backend keeps serving the last push.`,
        );
        return;
      }
      const delay = Math.min(30_000, 1000 * 2 ** (cliExits - 1));
      console.error(`convex dev exited (${code ?? signal}); starting it again in ${delay / 1000} s.`);
      later(() => startCli(cloudUrl, adminKey), delay);
    },
  });
}

function startWeb(cloudUrl, siteUrl) {
  run("web", [path.join(root, "node_modules", "vite", "bin", "vite.js"), "--port", webPort, "--strictPort", "--host", "127.0.0.1"], {
    env: { ...process.env, VITE_CONVEX_URL: cloudUrl, VITE_CONVEX_SITE_URL: siteUrl },
    onLine: (webLine) => {
      if (!/Local:/.test(webLine) || webUrl) return;
      webUrl = `http://localhost:${webPort}`;
      showBanner();
    },
  });
}

startBackend();
