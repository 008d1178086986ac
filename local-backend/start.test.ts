/** `npm start` (scripts/start.mjs): backend + Vite together, URLs printed, Ctrl-C stops both, taken port fails, a crashed backend is restarted. */
import { execFileSync, spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { expect, test } from "vitest";
import { APP_PROJECT, freePort, tempDataDir } from "./testing";

function start(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, [path.join(APP_PROJECT, "scripts", "start.mjs"), ...args], {
    cwd: APP_PROJECT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exit = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return { child, output: () => out, exit };
}

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
