/**
 * Issue 11 point 10: the app's own convex/ folder is bundled by the `convex` package's CLI (its
 * esbuild bundler for the default runtime and "use node", convex/src/bundler/index.ts) and pushed
 * as `npx convex deploy` pushes it — offline, to the embedded backend as a self-hosted deployment —
 * and the pushed functions answer.
 */
import { ConvexHttpClient } from "convex/browser";
import { cpSync, existsSync, mkdirSync, readdirSync, symlinkSync } from "node:fs";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { api } from "../convex/_generated/api";
import { adminKeyOf, runCli } from "../local-backend/cliTesting";
import { APP_PROJECT, spawnBackend, tempDataDir, type RunningBackend } from "../local-backend/testing";

let backend: RunningBackend | undefined;
afterAll(async () => backend?.stop());

/** The app's convex/ (with its committed _generated) and package.json in a folder of their own, its packages linked one by one. */
function appCopy(): string {
  const dir = tempDataDir("reelgate-app-push-");
  cpSync(path.join(APP_PROJECT, "convex"), path.join(dir, "convex"), { recursive: true });
  cpSync(path.join(APP_PROJECT, "package.json"), path.join(dir, "package.json"));
  if (existsSync(path.join(APP_PROJECT, "convex.json"))) cpSync(path.join(APP_PROJECT, "convex.json"), path.join(dir, "convex.json"));
  mkdirSync(path.join(dir, "node_modules"));
  for (const entry of readdirSync(path.join(APP_PROJECT, "node_modules"))) {
    if (!entry.startsWith(".")) symlinkSync(path.join(APP_PROJECT, "node_modules", entry), path.join(dir, "node_modules", entry), "dir");
  }
  return dir;
}

test("npx convex deploy bundles the app's convex/ with the CLI's own bundler and the embedded backend serves it", async () => {
  const project = appCopy();
  backend = await spawnBackend({ projectDir: project, push: true });
  const deployed = await runCli(
    project,
    ["deploy", "--typecheck", "disable", "--codegen", "disable"],
    {
      url: backend.cloudUrl,
      adminKey: adminKeyOf(backend),
    },
    { timeoutMs: 150_000 },
  );
  expect(deployed.code, deployed.stderr).toBe(0);
  expect(deployed.stdout + deployed.stderr).toMatch(/Deployed Convex functions/);
  const anonymous = new ConvexHttpClient(backend.cloudUrl);
  expect(await anonymous.query(api.shareLinks.getByToken, { token: "no-such-link" })).toEqual({ status: "missing" });
}, 200_000);
