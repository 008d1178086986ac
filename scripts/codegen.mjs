#!/usr/bin/env node
// Regenerates convex/_generated offline, as `npx convex codegen` does against a deployment: the
// embedded backend is started in push mode on a temporary data folder and the stock CLI's codegen
// (its start_push analysis, local-backend/deployPush.ts) writes the module API and the typed
// `components`. Nothing is downloaded; the temporary backend is stopped afterwards.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const generated = path.join(root, "convex", "_generated");

// `--check`: regenerate and fail if the committed files differ (they must be reproducible offline).
const check = process.argv.includes("--check");
const snapshot = () => Object.fromEntries(readdirSync(generated).map((f) => [f, readFileSync(path.join(generated, f), "utf8")]));
const before = check ? snapshot() : null;

const dataDir = mkdtempSync(path.join(tmpdir(), "reelgate-codegen-"));
const backend = spawn(
  process.execPath,
  [
    "--import",
    "tsx",
    "local-backend/cli.ts",
    "--port",
    "0",
    "--site-port",
    "0",
    "--data",
    dataDir,
    "--project",
    root,
    "--push",
    "--no-watch",
  ],
  { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
);
let output = "";
try {
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the embedded backend did not start:\n${output}`)), 60_000);
    const onData = (data) => {
      output += data;
      const m = /Local Convex backend: (\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    backend.stdout.on("data", onData);
    backend.stderr.on("data", onData);
    backend.on("exit", (code) => reject(new Error(`the embedded backend exited (${code}):\n${output}`)));
  });
  const env = {
    ...process.env,
    CONVEX_SELF_HOSTED_URL: url,
    CONVEX_SELF_HOSTED_ADMIN_KEY: readFileSync(path.join(dataDir, "admin_key"), "utf8").trim(),
    CI: "1",
  };
  delete env.CONVEX_DEPLOYMENT;
  delete env.CONVEX_DEPLOY_KEY;
  execFileSync(process.execPath, [path.join(root, "node_modules", "convex", "bin", "main.js"), "codegen", "--typecheck", "disable"], {
    cwd: root,
    env,
    stdio: "inherit",
  });
} finally {
  backend.kill("SIGTERM");
  await new Promise((resolve) => (backend.exitCode === null ? backend.on("exit", resolve) : resolve()));
  rmSync(dataDir, { recursive: true, force: true });
}

console.log("codegen: convex/_generated written (module API and typed components) by `convex codegen` against the embedded backend");
if (before) {
  const after = snapshot();
  const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((f) => before[f] !== after[f]);
  if (changed.length > 0) {
    console.error(`convex/_generated was stale (${changed.join(", ")}): it is now regenerated; commit it.`);
    process.exit(1);
  }
}
