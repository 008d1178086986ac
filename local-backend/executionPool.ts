/**
 * A pool of worker threads that run queries, mutations, actions and HTTP actions (executor.ts), one top-level
 * execution per worker at a time, so a slow function holds one worker and the others keep
 * serving. An execution past Convex's time limit is stopped by terminating its worker (a
 * `while (true) {}` cannot be interrupted any other way); the worker is replaced. Each worker
 * has a heap limit: a function that allocates without bound fails with a clear error.
 */
import { buildSync } from "esbuild";
import { availableParallelism, tmpdir } from "node:os";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import type {
  ErrorPayload,
  FromWorker,
  HttpFromWorker,
  HttpToWorker,
  InvokeMessage,
  JsSyscallArgs,
  SyncReply,
  SyncRequest,
  ToWorker,
  WorkerData,
} from "./executionProtocol";
import { workerExecArgv, workerResourceLimits } from "./workerOptions";

/**
 * crates/common/src/knobs.rs DATABASE_UDF_USER_TIMEOUT (env DATABASE_UDF_USER_TIMEOUT_SECONDS,
 * default 1 s): how long a query or mutation may run.
 */
export const UDF_TIMEOUT_SECONDS = Number(process.env.DATABASE_UDF_USER_TIMEOUT_SECONDS) || 1;
/** crates/common/src/knobs.rs NODE_ACTION_USER_TIMEOUT (env NODE_ACTION_USER_TIMEOUT_SECS, default 600 s): how long a "use node" action may run, in wall time. */
export const NODE_ACTION_TIMEOUT_SECONDS = Number(process.env.NODE_ACTION_USER_TIMEOUT_SECS) || 600;
/** crates/common/src/knobs.rs V8_ACTION_USER_TIMEOUT (env V8_ACTION_USER_TIMEOUT_SECS, default 1800 s): a default-runtime action's wall time. */
export const V8_ACTION_TIMEOUT_SECONDS = Number(process.env.V8_ACTION_USER_TIMEOUT_SECS) || 1800;
/** crates/node_executor/src/executor.rs EXECUTE_TIMEOUT_RESPONSE_JSON: what a Node action past its limit fails with. */
export const NODE_TIMEOUT_MESSAGE =
  "Function execution unexpectedly timed out. Check your function for infinite loops or other long-running operations.";

/** crates/isolate/src/termination.rs UserTimeoutError, a Rust Duration printed with `{:?}`. */
export function timeoutMessage(seconds: number): string {
  const duration = Number.isInteger(seconds) ? `${seconds}s` : `${Math.round(seconds * 1000)}ms`;
  return `Function execution timed out (maximum duration: ${duration})`;
}

/**
 * Heap of each worker. Convex's isolates have 64 MiB (crates/isolate/src/termination.rs
 * OutOfMemoryError); a worker here also holds every component's bundle, so it gets more.
 */
export const WORKER_HEAP_MB = Number(process.env.LOCAL_BACKEND_WORKER_HEAP_MB) || 256;
/** crates/isolate/src/termination.rs OutOfMemoryError, with this pool's limit. */
export const outOfMemoryMessage = (mb: number) => `JavaScript execution ran out of memory (maximum memory usage: ${mb} MB)`;

/** Node workers for "use node" actions: LOCAL_BACKEND_NODE_WORKERS, else 8 (actions mostly wait; one calling another holds two). */
export function nodePoolSize(): number {
  return Number(process.env.LOCAL_BACKEND_NODE_WORKERS) || 8;
}

/** Workers for default-runtime actions: LOCAL_BACKEND_ACTION_WORKERS, else 8 (started as needed; actions mostly wait). */
export function actionPoolSize(): number {
  return Number(process.env.LOCAL_BACKEND_ACTION_WORKERS) || 8;
}

/**
 * Workers for queries and mutations: LOCAL_BACKEND_WORKERS, else one per core and at least four.
 * A worker spends much of a call waiting for its syscalls to be answered, and a short query should
 * not wait behind a CPU-bound mutation (a bcrypt compare) for a free worker: on a 2-core machine
 * four workers cut the getByToken p99 under 10 password grants a second from 66 to 24 ms (bench:backend 5a).
 */
export function defaultPoolSize(): number {
  return Number(process.env.LOCAL_BACKEND_WORKERS) || Math.max(4, availableParallelism());
}

export class ExecutionError extends Error {
  constructor(
    message: string,
    readonly data?: unknown,
    /** The source-mapped stack frames (stackFrames.ts). */
    readonly frames?: string,
  ) {
    super(message);
  }
}

/** What the pool asks of the engine for a running execution. */
export type PoolHost<E> = {
  sync(exec: E, op: string, args: string): string;
  async(exec: E, op: string, args: string): Promise<string>;
  /** A "use node" action's `Convex.jsSyscall` (files), answered as JSON. */
  js(exec: E, op: string, args: JsSyscallArgs): Promise<string>;
  log(exec: E | undefined, level: string, text: string): void;
  env(name: string, componentPath: string): string | undefined;
  /** The environment's version: workers keep what they read of it while it stays the same (null: never kept). */
  envVersion(): number | null;
};

type Pending<E> = {
  exec: E;
  resolve: (raw: string) => void;
  reject: (error: Error) => void;
  /** An HTTP action's streams, as the worker sends them. */
  http?: (part: HttpFromWorker) => void;
};

type Clock = NonNullable<PoolWorker["clock"]>;

/** A syscall is being answered: the worker's user-time clock stops (returned, to be resumed). */
function pauseClock(entry: PoolWorker): Clock | null {
  const clock = entry.clock;
  if (!clock) return null;
  if (clock.waiting++ === 0) {
    clock.usedMs += performance.now() - clock.since;
    if (clock.timer) clearTimeout(clock.timer);
    clock.timer = null;
  }
  return clock;
}

/** The answer is on its way: the function's code runs again (unless its execution has ended). */
function resumeClock(entry: PoolWorker, clock: Clock | null) {
  if (!clock || entry.clock !== clock || --clock.waiting > 0) return;
  clock.since = performance.now();
  clock.timer = setTimeout(clock.expire, Math.max(0, clock.limitMs - clock.usedMs));
}

class PoolWorker {
  readonly ready: Promise<void>;
  readonly execs = new Set<number>();
  dead: Error | null = null;
  started = false;
  /** The worker thread's OS id (Linux): its CPU time is read from /proc/self/task/<tid>/stat. */
  tid: number | null = null;
  /**
   * User time of the running execution, as Convex counts it (DATABASE_UDF_USER_TIMEOUT is "user
   * time"): the clock runs while no syscall of the worker's is being answered here.
   */
  clock: { limitMs: number; usedMs: number; since: number; waiting: number; timer: NodeJS.Timeout | null; expire: () => void } | null =
    null;
  constructor(
    readonly worker: Worker,
    readonly syncPort: MessagePort,
    ready: Promise<void>,
  ) {
    this.ready = ready;
  }
}

/** Queries and mutations in default-runtime contexts (executor.ts), or "use node" actions in Node (nodeExecutor.ts). */
export type PoolKind = "isolate" | "node";
const SCRIPTS: Record<PoolKind, string> = { isolate: "./executor.ts", node: "./nodeExecutor.ts" };
const executorFiles = new Map<PoolKind, string>();
/** A worker script bundled once per process into a CommonJS file a Worker can load (vitest and tsx alike). */
function executorScript(kind: PoolKind): string {
  const known = executorFiles.get(kind);
  if (known) return known;
  const file = path.join(tmpdir(), `local-backend-${kind}-executor-${process.pid}-${Date.now()}.cjs`);
  buildSync({
    entryPoints: [fileURLToPath(new URL(SCRIPTS[kind], import.meta.url))],
    outfile: file,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    logLevel: "silent",
  });
  process.once("exit", () => rmSync(file, { force: true }));
  executorFiles.set(kind, file);
  return file;
}

/** A lease waiting for a worker: granted one, or refused when the backend shuts down. */
type Waiter = { grant(worker: PoolWorker): void; refuse(error: Error): void };

export class ExecutionPool<E> {
  private readonly workers = new Set<PoolWorker>();
  private readonly idle: PoolWorker[] = [];
  /** Leases waiting for a worker: any kind first (queries, actions), then mutations (see `lease`). */
  private readonly waiting: Waiter[] = [];
  private readonly mutationsWaiting: Waiter[] = [];
  /** Workers leased to mutations now: at most `mutationLimit`, so a query always finds a worker soon. */
  private readonly mutationLeases = new Set<PoolWorker>();
  private readonly pending = new Map<number, Pending<E>>();
  private readonly owner = new Map<number, PoolWorker>();
  private nextExec = 0;
  /** No new leases (drained after a reload, or shut down). */
  private closed = false;
  /** Shut down: waiting leases are refused, no worker is replaced. */
  private shuttingDown = false;

  constructor(
    readonly kind: PoolKind,
    readonly bundles: WorkerData["bundles"],
    readonly size: number,
    private readonly host: PoolHost<E>,
  ) {}

  /** Starts `count` workers (all of the pool's size by default) ahead of the first call (loading the bundles takes a while). */
  warm(count = this.size) {
    while (this.workers.size < Math.min(count, this.size)) this.idle.push(this.spawn());
  }

  private spawn(): PoolWorker {
    const { port1, port2 } = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    const signal = new Int32Array(flag);
    const worker = new Worker(executorScript(this.kind), {
      workerData: { bundles: this.bundles, syncPort: port2, flag } satisfies WorkerData,
      transferList: [port2],
      resourceLimits: workerResourceLimits(WORKER_HEAP_MB),
      execArgv: workerExecArgv(),
      stdout: false,
      // A Node action's process.env is its own (the deployment variables, set per call), never the server's.
      ...(this.kind === "node" ? { env: {} } : {}),
    });
    worker.unref();
    port1.unref();
    let markReady!: () => void;
    let failReady!: (error: Error) => void;
    const ready = new Promise<void>((resolve, reject) => ((markReady = resolve), (failReady = reject)));
    ready.catch(() => undefined);
    const entry = new PoolWorker(worker, port1, ready);
    port1.on("message", (request: SyncRequest) => {
      const clock = pauseClock(entry);
      let reply: SyncReply;
      try {
        if (request.op === "env") {
          const value = this.host.env(request.args, request.componentPath ?? "");
          reply = { ok: true, value: value === undefined ? "" : JSON.stringify(value) };
        } else {
          const exec = request.execId === null ? undefined : this.pending.get(request.execId)?.exec;
          if (!exec) throw new ExecutionError("Convex syscall outside a function");
          reply = { ok: true, value: this.host.sync(exec, request.op, request.args) };
        }
      } catch (error) {
        reply = { ok: false, error: errorPayload(error) };
      }
      port1.postMessage(reply);
      resumeClock(entry, clock);
      Atomics.store(signal, 0, 1);
      Atomics.notify(signal, 0);
    });
    worker.on("message", (message: FromWorker) => this.onMessage(entry, message, markReady));
    worker.on("error", (error: Error & { code?: string }) => {
      const reason =
        error.code === "ERR_WORKER_OUT_OF_MEMORY"
          ? new ExecutionError(outOfMemoryMessage(WORKER_HEAP_MB))
          : new ExecutionError(`The function's worker failed: ${error.message}`);
      failReady(reason);
      this.retire(entry, reason);
    });
    worker.on("exit", () => {
      const reason = new ExecutionError("The function's worker stopped.");
      failReady(reason);
      this.retire(entry, reason);
    });
    this.workers.add(entry);
    return entry;
  }

  private onMessage(entry: PoolWorker, message: FromWorker, markReady: () => void) {
    switch (message.kind) {
      case "ready":
        entry.started = true;
        entry.tid = message.tid;
        markReady();
        return;
      case "log":
        this.host.log(message.execId === null ? undefined : this.pending.get(message.execId)?.exec, message.level, message.text);
        return;
      case "async": {
        // A nested call's own code runs on this worker meanwhile: its time is user time.
        const pauses = message.op !== "1.0/runUdf";
        const clock = pauses ? pauseClock(entry) : null;
        this.answerCall(
          entry,
          message.callId,
          message.execId,
          (exec) => this.host.async(exec, message.op, message.args),
          () => resumeClock(entry, clock),
        );
        return;
      }
      case "js":
        this.answerCall(entry, message.callId, message.execId, (exec) => this.host.js(exec, message.op, message.args));
        return;
      case "http":
        this.pending.get(message.execId)?.http?.(message.part);
        return;
      case "done": {
        const pending = this.pending.get(message.execId);
        this.forget(message.execId);
        if (!pending) return;
        if (message.ok) pending.resolve(message.raw);
        else pending.reject(new ExecutionError(message.error.message, message.error.data, message.error.frames));
        return;
      }
      default:
        message satisfies never;
    }
  }

  /** Answers a worker's call (an async or js syscall) for one of its executions with an asyncResult message. */
  private answerCall(entry: PoolWorker, callId: number, execId: number, call: (exec: E) => Promise<string>, before: () => void = () => {}) {
    const answer = (reply: ToWorker) => {
      before();
      if (!entry.dead) entry.worker.postMessage(reply);
    };
    const exec = this.pending.get(execId)?.exec;
    if (!exec) return answer({ kind: "asyncResult", callId, ok: false, error: { message: "Convex syscall outside a function" } });
    call(exec).then(
      (value) => answer({ kind: "asyncResult", callId, ok: true, value }),
      (error: unknown) => answer({ kind: "asyncResult", callId, ok: false, error: errorPayload(error) }),
    );
  }

  private forget(execId: number) {
    this.pending.delete(execId);
    this.owner.get(execId)?.execs.delete(execId);
    this.owner.delete(execId);
  }

  /** A worker that is gone: what ran there fails with `reason`; a new one takes its place on demand. */
  private retire(entry: PoolWorker, reason: Error) {
    if (entry.dead) return;
    entry.dead = reason;
    this.workers.delete(entry);
    const at = this.idle.indexOf(entry);
    if (at >= 0) this.idle.splice(at, 1);
    for (const execId of [...entry.execs]) {
      const pending = this.pending.get(execId);
      this.forget(execId);
      pending?.reject(reason);
    }
    entry.syncPort.close();
    // A worker that ran (then timed out or ran out of memory) is replaced at once, so the pool
    // stays warm; one that never started is replaced only on demand (a bundle that cannot load
    // would fail again).
    if (this.closed && !this.shuttingDown && this.workers.size === 0 && this.hasWaiters()) {
      // A drained pool's last worker died while executions still wait for it (they resolved their
      // functions before the reload): one more worker serves them, then goes.
      this.idle.push(this.spawn());
      this.dispatch();
      return;
    }
    if (this.closed) return;
    if (entry.started || this.hasWaiters()) {
      this.idle.push(this.spawn());
      this.dispatch();
    }
  }

  /** At most this many workers run mutations at once: one worker at least is kept for queries. */
  get mutationLimit(): number {
    return Math.max(1, this.size - 1);
  }

  /** Who gets the next free worker: a waiting query first, then a waiting mutation if another may run. */
  private nextWaiter(): ((worker: PoolWorker) => void) | undefined {
    if (this.waiting.length > 0) return this.waiting.shift()?.grant;
    if (this.mutationsWaiting.length > 0 && this.mutationLeases.size < this.mutationLimit) return this.mutationsWaiting.shift()?.grant;
    return undefined;
  }

  private hasWaiters(): boolean {
    return this.waiting.length > 0 || this.mutationsWaiting.length > 0;
  }

  /** Idle workers to the leases waiting for them. */
  private dispatch() {
    while (this.idle.length > 0) {
      const next = this.nextWaiter();
      if (!next) return;
      next(this.idle.pop()!);
    }
  }

  /**
   * A free worker, or a new one while the pool is below its size. With `overflow` (an action
   * called by an action, whose caller holds a worker while it waits) a new one past the size
   * rather than a wait behind its own caller, so chains of actions never wait on each other: how
   * many run at once is bounded by Convex's action permits (actionPermits.ts), taken before this.
   * A `mutation` waits while `mutationLimit` workers run mutations, and after any query waiting:
   * CPU-bound mutations (a bcrypt compare each) never hold every worker, and a query never queues
   * behind them (Convex, too, limits queries and mutations apart: APPLICATION_MAX_CONCURRENT_QUERIES
   * and APPLICATION_MAX_CONCURRENT_MUTATIONS in crates/common/src/knobs.rs).
   */
  private acquire(overflow: boolean, mutation: boolean): Promise<PoolWorker> {
    if (mutation) {
      // Counted the moment it is granted (synchronously), so the limit holds however many ask at once.
      if (this.mutationLeases.size < this.mutationLimit && this.mutationsWaiting.length === 0) {
        const worker = this.idle.pop() ?? (this.workers.size < this.size ? this.spawn() : null);
        if (worker) return Promise.resolve((this.mutationLeases.add(worker), worker));
      }
      return new Promise((resolve, reject) =>
        this.mutationsWaiting.push({ grant: (worker) => resolve((this.mutationLeases.add(worker), worker)), refuse: reject }),
      );
    }
    const free = this.idle.pop();
    if (free) return Promise.resolve(free);
    if (this.workers.size < this.size || overflow) return Promise.resolve(this.spawn());
    return new Promise((resolve, reject) => this.waiting.push({ grant: resolve, refuse: reject }));
  }

  /** A leased worker is free again (a dead one is simply forgotten). */
  release(entry: PoolWorker) {
    const wasMutation = this.mutationLeases.delete(entry);
    if (entry.dead) {
      // Its replacement may be idle while a mutation waited for this lease to end.
      if (wasMutation) this.dispatch();
      return;
    }
    const next = this.nextWaiter();
    if (next) next(entry);
    else if (this.closed) {
      this.retire(entry, new ExecutionError("The functions were reloaded."));
      void entry.worker.terminate();
    } else if (this.workers.size > this.size) {
      // One started past the size for a nested call: not kept.
      this.retire(entry, new ExecutionError("The function's worker stopped."));
      void entry.worker.terminate();
    } else this.idle.push(entry);
  }

  /**
   * A free worker, started and holding the functions, for one top-level execution; give it back
   * with `release`. A worker that cannot start fails the execution with its reason (it is not
   * retried: the same bundles would fail again).
   */
  async lease(opts: { overflow?: boolean; mutation?: boolean } = {}): Promise<PoolWorker> {
    // A drained pool still serves a caller that chose it before the reload (its function is the old one).
    if (this.shuttingDown) throw new ExecutionError("The backend is shutting down.");
    const entry = await this.acquire(opts.overflow ?? false, opts.mutation ?? false);
    await entry.ready;
    return entry;
  }

  /**
   * Runs a top-level query or mutation on a leased worker, stopped after `timeoutSeconds` of the
   * function's own time by terminating the worker (a new one takes its place).
   */
  async runOn(
    entry: PoolWorker,
    message: Omit<InvokeMessage, "kind" | "parentExecId">,
    exec: E,
    limit: { seconds: number; wall?: boolean; message?: string } = { seconds: UDF_TIMEOUT_SECONDS },
    http?: (part: HttpFromWorker) => void,
  ): Promise<string> {
    const timeoutSeconds = limit.seconds;
    const expire = () => {
      this.retire(entry, new ExecutionError(limit.message ?? timeoutMessage(timeoutSeconds)));
      void entry.worker.terminate();
    };
    const limitMs = timeoutSeconds * 1000;
    // User time is the worker thread's CPU time where the OS tells it (a loaded machine does not
    // stop functions early); elsewhere wall time while no syscall of it is being answered.
    const cpuAtStart = limit.wall ? null : threadCpuMs(entry.tid);
    let poll: NodeJS.Timeout | null = null;
    if (cpuAtStart !== null) {
      poll = setInterval(
        () => {
          const now = threadCpuMs(entry.tid);
          if (now !== null && now - cpuAtStart > limitMs) expire();
        },
        Math.min(100, limitMs / 4),
      );
    } else if (limit.wall) {
      poll = setTimeout(expire, limitMs);
    } else {
      entry.clock = { limitMs, usedMs: 0, since: performance.now(), waiting: 0, timer: setTimeout(expire, limitMs), expire };
    }
    try {
      return await this.invoke(entry, { ...message, parentExecId: null }, exec, http);
    } finally {
      // (clearInterval and clearTimeout clear either kind of timer)
      if (poll) clearInterval(poll);
      if (entry.clock?.timer) clearTimeout(entry.clock.timer);
      entry.clock = null;
    }
  }

  /** Runs a call on a given worker (a nested call of an execution running there). */
  invoke(entry: PoolWorker, message: Omit<InvokeMessage, "kind">, exec: E, http?: (part: HttpFromWorker) => void): Promise<string> {
    if (entry.dead) return Promise.reject(entry.dead);
    const execId = message.execId;
    return new Promise<string>((resolve, reject) => {
      this.pending.set(execId, { exec, resolve, reject, http });
      this.owner.set(execId, entry);
      entry.execs.add(execId);
      entry.worker.postMessage({ ...message, kind: "invoke", envVersion: this.host.envVersion() } satisfies ToWorker);
    });
  }

  /** Part of an HTTP action's streams to the worker running it (`bytes` transferred); dropped once it has ended. */
  sendHttp(execId: number, part: HttpToWorker) {
    const entry = this.owner.get(execId);
    if (!entry || entry.dead) return;
    const transfer = part.type === "requestChunk" ? [part.bytes] : [];
    entry.worker.postMessage({ kind: "http", execId, part } satisfies ToWorker, transfer);
  }

  /** An id for an execution, by which its worker's messages name it. */
  newExecId(): number {
    return ++this.nextExec;
  }

  /** Resolves once every worker started so far has loaded its bundles (or failed to). */
  async ready() {
    await Promise.all([...this.workers].map((entry) => entry.ready.catch(() => undefined)));
  }

  /**
   * After a reload: no new executions here. Executions already waiting for a worker (their
   * functions resolved before the reload) are still served here; idle workers stop now, busy ones
   * once no execution waits for them.
   */
  drain() {
    this.closed = true;
    this.dispatch();
    for (const entry of [...this.idle]) {
      this.retire(entry, new ExecutionError("The functions were reloaded."));
      void entry.worker.terminate();
    }
  }

  async close() {
    this.closed = true;
    this.shuttingDown = true;
    const refusal = new ExecutionError("The backend is shutting down.");
    for (const waiter of [...this.waiting.splice(0), ...this.mutationsWaiting.splice(0)]) waiter.refuse(refusal);
    const all = [...this.workers];
    for (const entry of all) this.retire(entry, new ExecutionError("The backend is shutting down."));
    await Promise.all(all.map((entry) => entry.worker.terminate()));
  }
}

export type { PoolWorker };

/** CPU time (user + system) of one thread of this process, from /proc (clock ticks of 10 ms). */
function threadCpuMs(tid: number | null): number | null {
  if (tid === null) return null;
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

function errorPayload(error: unknown): ErrorPayload {
  const e = error as { message?: unknown; data?: unknown };
  return { message: String(e?.message ?? error), ...(e?.data === undefined ? {} : { data: e.data }) };
}
