#!/usr/bin/env node
// `npm run serve`: production mode for self-hosting. Starts the embedded Convex backend, builds the
// SPA against it (code-split, hashed assets) and serves dist/ from a small static server beside it
// (scripts/staticServer.mjs). PORT (default 8080) is the app's origin: share links point there.
// LOCAL_BACKEND_PORT / LOCAL_BACKEND_SITE_PORT / LOCAL_BACKEND_DATA as for `npm start`;
// BACKEND_PUBLIC_URL / BACKEND_PUBLIC_SITE_URL when browsers reach the backend through a proxy.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildSpa } from "./buildSpa.mjs";
import { createStaticServer } from "./staticServer.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = Number(process.env.PORT ?? 8080);
const backendPort = process.env.LOCAL_BACKEND_PORT ?? "3210";
const sitePort = process.env.LOCAL_BACKEND_SITE_PORT ?? "3211";
const appOrigin = process.env.SITE_URL ?? `http://localhost:${port}`;
const dataArgs = process.env.LOCAL_BACKEND_DATA ? ["--data", process.env.LOCAL_BACKEND_DATA] : [];

const backend = spawn(
  process.execPath,
  ["--import", "tsx", "local-backend/cli.ts", "--port", backendPort, "--site-port", sitePort, ...dataArgs],
  {
    cwd: root,
    env: { ...process.env, SITE_URL: appOrigin, UV_USE_IO_URING: process.env.UV_USE_IO_URING ?? "0" },
    stdio: ["ignore", "pipe", "inherit"],
  },
);
let server;
const stop = (code) => {
  server?.close();
  if (backend.exitCode === null) backend.kill("SIGTERM");
  setTimeout(() => process.exit(code), 300).unref();
};
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
backend.on("exit", (code, signal) => {
  console.error(`backend exited (${code ?? signal}); stopping.`);
  stop(code || 1);
});

let buffer = "";
let started = false;
backend.stdout.on("data", (data) => {
  process.stdout.write(`backend | ${data}`);
  buffer += data;
  const m = /Local Convex backend: (\S+) \(HTTP actions: (\S+)\)/.exec(buffer.replace(/\x1b\[[0-9;]*m/g, ""));
  if (m && !started) {
    started = true;
    buffer = "";
    void serve(process.env.BACKEND_PUBLIC_URL ?? m[1], process.env.BACKEND_PUBLIC_SITE_URL ?? m[2]).catch((e) => {
      console.error(e);
      stop(1);
    });
  }
});

async function serve(cloudUrl, siteUrl) {
  process.env.VITE_CONVEX_URL = cloudUrl;
  process.env.VITE_CONVEX_SITE_URL = siteUrl;
  await buildSpa({ logLevel: "warn" });
  server = createStaticServer(path.join(root, "dist"));
  server.listen(port, () =>
    console.log(
      `\n  Reelgate (production build) is running:\n    app      ${appOrigin}\n    backend  ${cloudUrl}\n    site     ${siteUrl}\n  Press Ctrl-C to stop.\n`,
    ),
  );
}
