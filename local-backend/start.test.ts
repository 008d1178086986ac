/**
 * `npm start` (scripts/start.mjs): the backend in push mode, the stock CLI's `npx convex dev`
 * pushing the project (every change pushed again, a bad push shown while the last good one keeps
 * serving) and Vite, URLs printed, Ctrl-C stops everything, a taken port fails, a crashed
 * backend is restarted. The project pushed is a copy of componentsFixture/ (LOCAL_BACKEND_PROJECT),
 * so the CLI writes its _generated and .env.local there, never into this repository.
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { expect, test } from "vitest";
import { projectCopy } from "./cliTesting";
import { APP_PROJECT, freePort, tempDataDir } from "./testing";

const COMPONENTS_FIXTURE = path.join(APP_PROJECT, "local-backend", "componentsFixture");

function start(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, [path.join(APP_PROJECT, "scripts", "start.mjs"), ...args], {
    cwd: APP_PROJECT,
    env: { ...process.env, LOCAL_BACKEND_PROJECT: env.LOCAL_BACKEND_PROJECT ?? projectCopy(COMPONENTS_FIXTURE), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exit = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, output: () => out, exit };
}

/** start.mjs's children (backend, the convex CLI, Vite): pid and command line. */
function childrenOf(pid: number): Array<{ pid: number; args: string }> {
  const out = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(pid)], { encoding: "utf8" });
  return [...out.matchAll(/^\s*(\d+)\s+(.*)$/gm)].map((m) => ({ pid: Number(m[1]), args: m[2] }));
}

/** Processes still in a process group (the CLI's: it, esbuild, tsc). */
function groupMembers(pgid: number): string {
  try {
    return execFileSync("ps", ["-o", "pid=", "-g", String(pgid)], { encoding: "utf8" }).trim();
  } catch {
    return ""; // ps exits 1 when nothing matches.
  }
}

test("npm start pushes the project with the CLI's `convex dev`, pushes each change live, keeps the last good push when one fails, and Ctrl-C stops all of it", async () => {
  const project = projectCopy(COMPONENTS_FIXTURE);
  const tasks = path.join(project, "backend", "tasks.ts");
  const original = readFileSync(tasks, "utf8");
  const withVersion = (label: string) =>
    `${original}\nexport const version = queryGeneric({ args: {}, handler: async () => ${JSON.stringify(label)} });\n`;
  const port = await freePort();
  const app = start(
    {
      LOCAL_BACKEND_PORT: String(port),
      LOCAL_BACKEND_SITE_PORT: String(await freePort()),
      LOCAL_BACKEND_DATA: tempDataDir(),
      LOCAL_BACKEND_PROJECT: project,
    },
    ["--backend-only"],
  );
  const query = async (fn: string) => {
    const res = await fetch(`http://127.0.0.1:${port}/api/query`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path: fn, args: {}, format: "json" }),
    });
    return (await res.json()) as { status: string; value?: unknown; errorMessage?: string };
  };
  const pushes = () => app.output().match(/Convex functions ready!/g)?.length ?? 0;
  let cli: { pid: number; args: string } | undefined;
  try {
    await expect.poll(app.output, { timeout: 60_000 }).toContain("Reelgate is running");
    expect(app.output()).toContain("functions pushed by `npx convex dev`, pushed again on every change");
    // The functions served are the CLI's push: its codegen wrote the fixture's _generated.
    expect(await query("tasks:list")).toMatchObject({ status: "success", value: [] });
    expect(readFileSync(path.join(project, "backend", "_generated", "api.d.ts"), "utf8")).toContain("ComponentApi");
    expect((await query("tasks:version")).status).toBe("error");
    cli = childrenOf(app.child.pid!).find((c) => /convex[\\/]bin[\\/]main\.js dev/.test(c.args));
    expect(cli?.args).toContain("--tail-logs disable");

    // A change is bundled and pushed by the CLI, and served at once.
    writeFileSync(tasks, withVersion("second push"));
    await expect.poll(() => query("tasks:version"), { timeout: 60_000, interval: 250 }).toMatchObject({ value: "second push" });
    // The CLI reports the push once the backend has taken it.
    await expect.poll(pushes, { timeout: 10_000 }).toBe(2);

    // Code that does not build: the error is shown, the last good push keeps serving.
    writeFileSync(tasks, `${withVersion("broken push")}export const broken = (;\n`);
    await expect.poll(app.output, { timeout: 60_000 }).toContain("Push failed: the backend keeps serving the functions pushed last.");
    expect(app.output()).toMatch(/convex \| .*Unexpected ";"/);
    expect(await query("tasks:version")).toMatchObject({ value: "second push" });

    // Code that throws while the backend analyses it: refused by the backend, still the last good push.
    const failuresBefore = app.output().split("Push failed").length;
    writeFileSync(tasks, `${withVersion("throwing push")}throw new Error("refused at import");\n`);
    await expect.poll(() => app.output().split("Push failed").length, { timeout: 60_000 }).toBe(failuresBefore + 1);
    expect(app.output()).toContain("refused at import");
    expect(await query("tasks:version")).toMatchObject({ value: "second push" });

    // Fixed: pushed again.
    writeFileSync(tasks, withVersion("third push"));
    await expect.poll(() => query("tasks:version"), { timeout: 60_000, interval: 250 }).toMatchObject({ value: "third push" });
  } finally {
    app.child.kill("SIGINT");
  }
  expect(await app.exit).toBe(0);
  await expect(fetch(`http://127.0.0.1:${port}/version`)).rejects.toThrow();
  // The CLI and whatever it started (esbuild) are gone.
  expect(cli).toBeDefined();
  await expect.poll(() => groupMembers(cli!.pid), { timeout: 5_000 }).toBe("");
}, 240_000);

test("npm start serves the app and the backend, prints the URLs, and Ctrl-C stops both", async () => {
  const [port, sitePort, webPort] = [await freePort(), await freePort(), await freePort()];
  const app = start({
    LOCAL_BACKEND_PORT: String(port),
    LOCAL_BACKEND_SITE_PORT: String(sitePort),
    PORT: String(webPort),
    LOCAL_BACKEND_DATA: tempDataDir(),
  });
  try {
    await expect.poll(app.output, { timeout: 30_000 }).toContain("Reelgate is running");
    expect(app.output()).toContain(`http://localhost:${webPort}`);
    expect((await fetch(`http://127.0.0.1:${webPort}/`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/version`)).status).toBe(200);
  } finally {
    // Stops both children on success and failure alike (start.mjs forwards the signal).
    app.child.kill("SIGINT");
  }
  expect(await app.exit).toBe(0);
  await expect(fetch(`http://127.0.0.1:${port}/version`)).rejects.toThrow();
  await expect(fetch(`http://127.0.0.1:${webPort}/`)).rejects.toThrow();
}, 60_000);

test("npm start with the backend port taken says so and exits non-zero", async () => {
  const blocker = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => blocker.once("listening", r));
  const taken = (blocker.address() as { port: number }).port;
  try {
    const app = start({
      LOCAL_BACKEND_PORT: String(taken),
      LOCAL_BACKEND_SITE_PORT: String(await freePort()),
      PORT: String(await freePort()),
      LOCAL_BACKEND_DATA: tempDataDir(),
    });
    expect(await app.exit).not.toBe(0);
    expect(app.output()).toContain(`Port ${taken} (backend) is already in use`);
  } finally {
    blocker.close();
  }
}, 60_000);

test("npm start restarts a backend that dies after it was serving, on the same ports", async () => {
  const port = await freePort();
  const app = start(
    { LOCAL_BACKEND_PORT: String(port), LOCAL_BACKEND_SITE_PORT: String(await freePort()), LOCAL_BACKEND_DATA: tempDataDir() },
    ["--backend-only"],
  );
  try {
    await expect.poll(app.output, { timeout: 30_000 }).toContain("Local Convex backend");
    expect((await fetch(`http://127.0.0.1:${port}/version`)).status).toBe(200);
    // The backend is start.mjs's child running local-backend/cli.ts; kill it as a crash would.
    const children = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(app.child.pid)], { encoding: "utf8" });
    const backendPid = Number(/^\s*(\d+)\s.*local-backend\/cli\.ts/m.exec(children)?.[1]);
    expect(backendPid).toBeGreaterThan(0);
    process.kill(backendPid, "SIGKILL");
    await expect.poll(app.output, { timeout: 10_000 }).toContain("backend exited unexpectedly (SIGKILL); restarting in 0.5 s.");
    await expect
      .poll(async () => (await fetch(`http://127.0.0.1:${port}/version`).catch(() => null))?.status, { timeout: 30_000, interval: 250 })
      .toBe(200);
    expect(app.child.exitCode).toBeNull();
  } finally {
    app.child.kill("SIGINT");
  }
  expect(await app.exit).toBe(0);
}, 60_000);
