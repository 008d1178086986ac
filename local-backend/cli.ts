/** `tsx local-backend/cli.ts [--port 3210] [--site-port 3211] [--data .local-backend]` */
import { parseArgs } from "node:util";
import { startBackend } from "./server";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.LOCAL_BACKEND_PORT ?? "3210" },
    "site-port": { type: "string", default: process.env.LOCAL_BACKEND_SITE_PORT ?? "3211" },
    data: { type: "string" },
    project: { type: "string", default: process.cwd() },
    "no-watch": { type: "boolean", default: false },
    /** Serve what `npx convex dev` / `deploy` pushes instead of loading the functions folder. */
    push: { type: "boolean", default: false },
    /** Tests only: POST /_test/clock {"advanceMs": n} moves the functions' clock forward. */
    "test-clock": { type: "boolean", default: false },
  },
});

// One request's unexpected exception (a stray throw in a timer, a promise nobody awaited) is
// logged and the backend keeps serving everyone else; it never takes the process down.
process.on("uncaughtException", (error) => console.error(`✖ Unexpected error (still serving): ${error?.stack ?? String(error)}`));
process.on("unhandledRejection", (reason) =>
  console.error(`✖ Unexpected rejection (still serving): ${(reason as Error)?.stack ?? String(reason)}`),
);

try {
  const backend = await startBackend({
    projectDir: values.project!,
    dataDir: values.data,
    port: Number(values.port),
    sitePort: Number(values["site-port"]),
    watch: !values["no-watch"],
    testClock: values["test-clock"],
    appSource: values.push ? "push" : "folder",
  });
  console.log(`Local Convex backend: ${backend.cloudUrl} (HTTP actions: ${backend.siteUrl})`);
  // For the convex CLI (npx convex run / data / logs / env / export / import): scripts/start.mjs shows the exports.
  console.log(`Admin key: ${backend.adminKey}`);
  const stop = async () => {
    await backend.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} catch (error) {
  console.error(`✖ ${(error as Error).message}`);
  process.exit(1);
}
