/**
 * How the execution pool's worker threads start (executionPool.ts), chosen for what a worker
 * costs: each holds the app's bundles in contexts of its own, and a 16-client media load once
 * ran twelve of them beside the server.
 */

/**
 * The flags a worker starts with: this process's, less the module loaders it was started with
 * (`--import tsx`, `--require …/preflight.cjs`). A worker's script is a plain CommonJS bundle;
 * tsx's loader in each worker cost ~0.5 s of CPU and ~20 MiB every time one started.
 */
export function workerExecArgv(parent: readonly string[] = process.execArgv): string[] {
  const loaders = ["--import", "--require", "-r", "--loader", "--experimental-loader"];
  const out: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const flag = parent[i];
    if (loaders.includes(flag))
      i++; // the flag and its module
    else if (!loaders.some((loader) => flag.startsWith(`${loader}=`))) out.push(flag);
  }
  return out;
}

/**
 * V8's young generation per worker (LOCAL_BACKEND_WORKER_YOUNG_MB, default 8 MiB): left to V8 it
 * grows to tens of MiB in every worker that allocates briskly (a stream of HTTP actions), all of
 * it resident. Functions allocating more still run; their short-lived objects are collected sooner.
 */
export const WORKER_YOUNG_GENERATION_MB = Number(process.env.LOCAL_BACKEND_WORKER_YOUNG_MB) || 8;

/** A worker's heap limits: the old generation as given (the out-of-memory limit), the young one bounded. */
export function workerResourceLimits(heapMb: number) {
  return { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB };
}
