/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT that
 * finds the WAL past 1000 pages, on the writer's own thread — here the server's event loop, which
 * also answers every function worker's syscalls. Measured under the 16-client media load
 * (`npm run bench:media`), one commit took p50 0.33 ms / p99 3.4 ms with it and p50 0.03 ms /
 * p99 0.2 ms without: the copy into the database file and its fsync. The server's store turns the
 * automatic checkpoint off and asks this worker, which holds a connection of its own, for a
 * PASSIVE checkpoint (it never waits for a lock and never blocks a reader or the writer) at most
 * every `intervalMs` while commits come in, and once more after the last of them.
 * If the worker cannot run, the store gets SQLite's automatic checkpoint back (`onFailure`), so
 * the WAL never grows without a checkpointer.
 *
 * A checkpoint copies frames only up to the oldest open reader's snapshot, and the writer starts
 * the WAL over only when no reader holds a snapshot in it: with snapshots always open beside
 * commits (queries overlapping under load) that moment never comes and the WAL grows without
 * bound, however often it is checkpointed. When a checkpoint finds more than `restartFrames`
 * frames in it, `onLargeWal` is called: the server's engine then lets the open snapshots end,
 * holds new ones back meanwhile, and truncates the WAL (snapshotReads.ts `restartWhenIdle`).
 */
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { workerExecArgv } from "./workerOptions";

/** The worker: opens the database, checkpoints when asked, closes when told to (and says so through `closed`). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.sqlite);
const db = new Database(workerData.file, { fileMustExist: true });
const closed = new Int32Array(workerData.closed);
parentPort.on("message", (message) => {
  if (message === "close") {
    try { db.close(); } finally { Atomics.store(closed, 0, 1); Atomics.notify(closed, 0); process.exit(0); }
  }
  let result;
  try {
    const [row] = db.pragma("wal_checkpoint(PASSIVE)");
    result = { log: row.log, checkpointed: row.checkpointed };
  } catch (error) {
    result = { error: String(error) };
  }
  parentPort.postMessage(result);
});
`;

/** What one checkpoint did: frames in the WAL and frames copied into the database (SQLite's `log`/`checkpointed`). */
export type CheckpointResult = { log: number; checkpointed: number } | { error: string };

const sqliteModule = () => createRequire(import.meta.url).resolve("better-sqlite3");
/** How long close() waits for the worker to close its connection. */
const CLOSE_WAIT_MS = 10_000;
/** WAL frames past which the WAL is truncated once no snapshot is open: 64 MiB of 8 KiB pages. */
export const RESTART_FRAMES = 8192;

export class WalCheckpointer {
  private worker: Worker | null = null;
  private readonly closedFlag = new Int32Array(new SharedArrayBuffer(4));
  private running = false;
  /** A commit came while a checkpoint ran or within the interval: one more checkpoint is owed. */
  private owed = false;
  private last = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Results of the checkpoints so far (the last few), for tests and diagnostics. */
  readonly results: CheckpointResult[] = [];
  /** Called when a checkpoint finds the WAL past `restartFrames` (the engine truncates it once no snapshot is open). */
  onLargeWal: (() => void) | null = null;

  constructor(
    private readonly file: string,
    private readonly onFailure: (error: unknown) => void,
    private readonly options: { intervalMs?: number; restartFrames?: number } = {},
  ) {}

  private get intervalMs() {
    return this.options.intervalMs ?? 200;
  }

  /** Called after each commit: a checkpoint now, or one owed for when the interval has passed. */
  committed(now = Date.now()) {
    if (this.stopped) return;
    if (this.running || now - this.last < this.intervalMs) {
      this.owed = true;
      this.schedule(now);
      return;
    }
    this.run(now);
  }

  private schedule(now: number) {
    if (this.timer || this.running) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        if (this.owed) this.committed();
      },
      Math.max(0, this.last + this.intervalMs - now),
    );
    this.timer.unref();
  }

  private run(now: number) {
    this.owed = false;
    this.last = now;
    this.running = true;
    try {
      this.start().postMessage("checkpoint");
    } catch (error) {
      this.fail(error);
    }
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file: this.file, sqlite: sqliteModule(), closed: this.closedFlag.buffer },
      execArgv: workerExecArgv(),
      resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 },
    });
    worker.unref();
    worker.on("message", (result: CheckpointResult) => {
      this.running = false;
      this.results.push(result);
      if (this.results.length > 16) this.results.shift();
      if ("error" in result) return this.fail(new Error(result.error));
      if (result.log > (this.options.restartFrames ?? RESTART_FRAMES)) this.onLargeWal?.();
      if (this.owed) this.schedule(Date.now());
    });
    worker.on("error", (error) => this.fail(error));
    worker.on("exit", () => {
      if (!this.stopped) this.fail(new Error("the WAL checkpoint worker exited"));
    });
    this.worker = worker;
    return worker;
  }

  private fail(error: unknown) {
    if (this.stopped) return;
    this.stop();
    void this.worker?.terminate();
    this.onFailure(error);
  }

  private stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Stops checkpointing and closes the worker's connection before returning (the store closes its own after). */
  close() {
    if (this.stopped) return;
    this.stop();
    const worker = this.worker;
    if (!worker) return;
    worker.postMessage("close");
    Atomics.wait(this.closedFlag, 0, 0, CLOSE_WAIT_MS);
    void worker.terminate();
  }
}
