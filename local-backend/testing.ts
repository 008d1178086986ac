/** Starts the local backend in a child process for over-the-wire tests and benchmarks. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURE_PROJECT = path.join(here, "fixture");
export const APP_PROJECT = path.resolve(here, "..");

export type RunningBackend = {
  cloudUrl: string;
  siteUrl: string;
  dataDir: string;
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  /** With `testClock`: moves the backend's clock forward. */
  advanceClock(ms: number): Promise<void>;
};

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Temporary data folders made by this process, and backends it started: all gone when it is done. */
const madeDirs = new Set<string>();
const children = new Set<ChildProcess>();

/** A fresh data folder under the OS temp dir, removed by `removeTempDataDirs` (after each test file, and at exit). */
export function tempDataDir(prefix = "reelgate-backend-") {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  madeDirs.add(dir);
  return dir;
}

/** Kills backends still running and removes every temporary data folder made so far. Synchronous: safe in an exit handler. */
export function removeTempDataDirs() {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  children.clear();
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
  madeDirs.clear();
}
process.once("exit", removeTempDataDirs);

export async function spawnBackend(opts: {
  projectDir: string;
  dataDir?: string;
  port?: number;
  sitePort?: number;
  env?: Record<string, string>;
  testClock?: boolean;
  watch?: boolean;
  /** Serve what the convex CLI pushes (`--push`) instead of the project's functions folder. */
  push?: boolean;
}): Promise<RunningBackend> {
  const dataDir = opts.dataDir ?? tempDataDir();
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(here, "cli.ts"),
      "--port",
      String(opts.port ?? 0),
      "--site-port",
      String(opts.sitePort ?? 0),
      "--data",
      dataDir,
      "--project",
      opts.projectDir,
      ...(opts.watch ? [] : ["--no-watch"]),
      ...(opts.testClock ? ["--test-clock"] : []),
      ...(opts.push ? ["--push"] : []),
    ],
    // UV_USE_IO_URING=0 as scripts/start.mjs sets it (file reads off the event loop's thread).
    { env: { UV_USE_IO_URING: "0", ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  children.add(child);
  child.once("exit", () => children.delete(child));
  let out = "";
  child.stdout!.on("data", (d) => (out += String(d)));
  child.stderr!.on("data", (d) => (out += String(d)));
  const urls = await new Promise<{ cloudUrl: string; siteUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`backend did not start:\n${out}`)), 30_000);
    const check = () => {
      const m = /Local Convex backend: (\S+) \(HTTP actions: (\S+)\)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ cloudUrl: m[1], siteUrl: m[2] });
      }
    };
    child.stdout!.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`backend exited with ${code}:\n${out}`), { exitCode: code, output: out }));
    });
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    ...urls,
    dataDir,
    process: child,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
    async advanceClock(ms: number) {
      const res = await fetch(`${urls.cloudUrl}/_test/clock`, { method: "POST", body: JSON.stringify({ advanceMs: ms }) });
      if (!res.ok) throw new Error("start the backend with testClock to move its clock");
    },
    async kill9() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
