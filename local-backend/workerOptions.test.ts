/** workerOptions: what a pool worker starts with. */
import { Worker } from "node:worker_threads";
import { expect, test } from "vitest";
import { WORKER_YOUNG_GENERATION_MB, workerExecArgv, workerResourceLimits } from "./workerOptions";

test("workers keep the process's flags but not the module loaders it was started with", () => {
  const parent = [
    "--import",
    "tsx",
    "--require",
    "/x/preflight.cjs",
    "--import=file:///x/loader.mjs",
    "--cpu-prof",
    "--max-old-space-size=512",
    "-r",
    "y",
  ];
  expect(workerExecArgv(parent)).toEqual(["--cpu-prof", "--max-old-space-size=512"]);
  expect(workerExecArgv([])).toEqual([]);
});

test("a worker started with the pool's limits has the old generation asked for and a bounded young one", async () => {
  const worker = new Worker(`require("node:worker_threads").parentPort.postMessage(require("node:worker_threads").resourceLimits)`, {
    eval: true,
    resourceLimits: workerResourceLimits(96),
    execArgv: workerExecArgv(),
  });
  const limits = await new Promise<{ maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number }>((resolve) =>
    worker.once("message", resolve),
  );
  await worker.terminate();
  expect(limits.maxOldGenerationSizeMb).toBe(96);
  expect(limits.maxYoungGenerationSizeMb).toBe(WORKER_YOUNG_GENERATION_MB);
  expect(WORKER_YOUNG_GENERATION_MB).toBeLessThanOrEqual(16);
});
