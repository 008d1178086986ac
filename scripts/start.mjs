#!/usr/bin/env node
// `npm start`: the embedded Convex backend and the Vite dev server together (`--backend-only`: just the backend).
// Ctrl-C stops both; if either fails to start (a port is taken…), both stop and the exit code is non-zero.
// A backend that dies after it was serving is restarted, after a pause that doubles with each
// quick crash (0.5 s … 30 s); five quick crashes in a row, or a restart that cannot start, stop everything.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = process.env.LOCAL_BACKEND_PORT ?? "3210";
const sitePort = process.env.LOCAL_BACKEND_SITE_PORT ?? "3211";
const webPort = process.env.PORT ?? "5173";
const children = [];
let stopping = false;
let restartTimer;
// Vite colours its output when CI or FORCE_COLOR is set; match on the plain text.
const stripAnsi = (text) => text.replace(/\x1b\[[0-9;]*m/g, "");

function stopAll(code) {
  if (stopping) return;
  stopping = true;
  clearTimeout(restartTimer);
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 500).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on("exit", r)) : null))).then(() => process.exit(code));
}

function run(name, args, env, onLine, onExit) {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
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
    if (stopping) return;
    if (onExit) return onExit(code, signal);
    console.error(`${name} exited (${code ?? signal}); stopping.`);
    stopAll(code || 1);
  });
  return child;
}

process.on("SIGINT", () => stopAll(0));
process.on("SIGTERM", () => stopAll(0));

const dataArgs = process.env.LOCAL_BACKEND_DATA ? ["--data", process.env.LOCAL_BACKEND_DATA] : [];
const backendOnly = process.argv.includes("--backend-only");
// libuv reads UV_USE_IO_URING when the process starts. With io_uring, file reads that hit the
// page cache are copied on the event loop's thread; through the thread pool they are not, and
// media throughput rises by about a third (npm run bench:media).
const backendEnv = { UV_USE_IO_URING: process.env.UV_USE_IO_URING ?? "0", SITE_URL: process.env.SITE_URL ?? `http://localhost:${webPort}` };
const backendArgs = ["--import", "tsx", "local-backend/cli.ts", "--port", port, "--site-port", sitePort, ...dataArgs];
const QUICK_CRASH_MS = 60_000;
const MAX_QUICK_CRASHES = 5;
let quickCrashes = 0;
let webStarted = false;

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
  let readyUrl = null;
  let readyAt = 0;
  const child = run(
    "backend",
    backendArgs,
    backendEnv,
    (line) => {
      const key = /^Admin key: (\S+)$/.exec(line);
      if (key && readyUrl) printCliVariables(readyUrl, key[1]);
      const m = /Local Convex backend: (\S+) \(HTTP actions: (\S+)\)/.exec(line);
      if (!m) return;
      readyUrl = m[1];
      ready = true;
      readyAt = Date.now();
      if (!backendOnly && !webStarted) startWeb(m[1], m[2]);
      webStarted = true;
    },
    (code, signal) => {
      children.splice(children.indexOf(child), 1);
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
      restartTimer = setTimeout(startBackend, delay);
    },
  );
}

function startWeb(cloudUrl, siteUrl) {
  run(
    "web",
    [path.join(root, "node_modules", "vite", "bin", "vite.js"), "--port", webPort, "--strictPort", "--host", "127.0.0.1"],
    { VITE_CONVEX_URL: cloudUrl, VITE_CONVEX_SITE_URL: siteUrl },
    (webLine) => {
      if (/Local:/.test(webLine)) {
        console.log(
          `\n  Reelgate is running:\n    app      http://localhost:${webPort}\n    backend  ${cloudUrl}\n    site     ${siteUrl}\n  Press Ctrl-C to stop.\n`,
        );
      }
    },
  );
}

startBackend();
