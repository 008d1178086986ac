/** Runs the real `convex` CLI against a running embedded backend, as a self-hosted deployment (tests). */
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { APP_PROJECT, tempDataDir, type RunningBackend } from "./testing";

const here = path.dirname(fileURLToPath(import.meta.url));
const CONVEX_CLI = path.resolve(here, "..", "node_modules", "convex", "bin", "main.js");

export type CliResult = { code: number | null; stdout: string; stderr: string };

/** The admin key the backend generated into its data folder. */
export function adminKeyOf(backend: Pick<RunningBackend, "dataDir">): string {
  return readFileSync(path.join(backend.dataDir, "admin_key"), "utf8").trim();
}

/** A temporary copy of a project's convex/ folder with a package.json naming the convex dependency (the CLI's working folder). */
export function cliProject(projectDir: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "reelgate-cli-"));
  cpSync(path.join(projectDir, "convex"), path.join(dir, "convex"), {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}node_modules`),
  });
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "cli-test", private: true, dependencies: { convex: "^1.48.0" } }));
  return dir;
}

/**
 * A temporary copy of a whole project (convex.json, package.json, functions folder, components)
 * whose node_modules links the app's packages one by one: the CLI and the backend resolve
 * packages as in a real project, and what they cache there stays in the copy. Removed with the
 * temp data folders.
 */
export function projectCopy(projectDir: string): string {
  const dir = tempDataDir("reelgate-project-");
  cpSync(projectDir, dir, { recursive: true, filter: (src) => !/[\\/](node_modules|_generated)$/.test(src) });
  const modules = path.join(dir, "node_modules");
  mkdirSync(modules);
  for (const entry of readdirSync(path.join(APP_PROJECT, "node_modules"))) {
    if (entry.startsWith(".")) continue;
    symlinkSync(path.join(APP_PROJECT, "node_modules", entry), path.join(modules, entry), "dir");
  }
  return dir;
}

/**
 * `npx convex <args>` in `cwd` with only the self-hosted variables: CONVEX_DEPLOYMENT unset,
 * CI set (no Sentry reporting, no prompts), nothing downloaded.
 */
export function runCli(
  cwd: string,
  args: string[],
  deployment: { url: string; adminKey: string },
  opts: { timeoutMs?: number; stdin?: string; onStdout?: (text: string) => void } = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CONVEX_SELF_HOSTED_URL: deployment.url,
    CONVEX_SELF_HOSTED_ADMIN_KEY: deployment.adminKey,
    CI: "1",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
  };
  delete env.CONVEX_DEPLOYMENT;
  delete env.CONVEX_DEPLOY_KEY;
  delete env.CONVEX_AGENT_MODE;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CONVEX_CLI, ...args], { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += String(d);
      opts.onStdout?.(stdout);
    });
    child.stderr.on("data", (d) => (stderr += String(d)));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? "");
  });
}
