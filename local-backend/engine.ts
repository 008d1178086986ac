/**
 * Runs registered Convex functions the way Convex does: through their own entry points
 * (`invokeQuery` / `invokeMutation` / `invokeAction`), with the `Convex` syscall global
 * answered by this server.
 *
 * With a loaded app on a database file, queries and mutations run side by side on a pool of
 * workers (executionPool.ts): a query reads one snapshot (snapshotReads.ts); a mutation reads
 * its snapshot with its own writes laid over it (transaction.ts) and commits only if nothing it
 * read was written since (commitLog.ts), else it runs again, as Convex's optimistic concurrency
 * control does. An app built by hand or an in-memory database runs one query or mutation at a
 * time in this thread, each mutation inside one SQLite transaction, nested calls in savepoints.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { convexToJson, jsonToConvex, type Value } from "convex/values";
import type { Component, Exec, FunctionAddress, Identity, UdfType } from "./exec";
import { FunctionError, toFunctionError } from "./functionError";
import { splitTableKey } from "./tableKeys";
import type { DocumentStore } from "./database";
import type { BlobStore } from "./blobs";
import { checkValue, type ValidatorJson } from "./validate";
import { syscalls } from "./syscalls";
import { installFastDigest } from "./runtimeCrypto";
import { ReadSet, WriteSet } from "./readSet";
import type { RuntimeHost } from "./defaultRuntime";
import {
  FUNCTION_MAX_ARGS_SIZE,
  FUNCTION_MAX_RESULT_SIZE,
  MAX_LOG_LINES,
  MAX_LOG_LINE_BYTES,
  MAX_REACTOR_CALL_DEPTH,
  TRUNCATED_LINE_SUFFIX,
  TransactionUsage,
} from "./convexLimits";
import { convexSize, formatSize } from "./valueLimits";
import {
  NODE_ACTION_TIMEOUT_SECONDS,
  NODE_TIMEOUT_MESSAGE,
  V8_ACTION_TIMEOUT_SECONDS,
  actionPoolSize,
  defaultPoolSize,
  ExecutionError,
  ExecutionPool,
  nodePoolSize,
  type PoolHost,
  type PoolWorker,
} from "./executionPool";
import { SnapshotReaders } from "./snapshotReads";
import { BufferedTransaction } from "./transaction";
import { CommitLog, type SnapshotTicket } from "./commitLog";
import { conflictTable, occBackoffMs, occFailure, OCC_MAX_RETRIES } from "./occ";
import { MutationGate } from "./mutationGate";
import { HttpExchange } from "./httpExchange";
import {
  ActionPermits,
  MAX_CONCURRENT_NODE_ACTIONS,
  MAX_CONCURRENT_V8_ACTIONS,
  TooManyConcurrentRequests,
  type Permit,
} from "./actionPermits";
import { childEnv } from "./componentEnv";
import { logMessage } from "./logFormat";

type Registered = Record<string, unknown> & {
  isQuery?: boolean;
  isMutation?: boolean;
  isAction?: boolean;
  isPublic?: boolean;
  exportArgs?: () => string;
  exportReturns?: () => string;
  invokeQuery?: (args: string) => Promise<string>;
  invokeMutation?: (args: string) => Promise<string>;
  invokeAction?: (requestId: string, args: string) => Promise<string>;
};

export type EngineOptions = {
  store: DocumentStore;
  blobs: BlobStore;
  cloudUrl: () => string;
  uploadToken: () => string;
  onCommit: (writes: WriteSet) => bigint;
  onLog: (exec: Exec, level: string, text: string) => void;
  onScheduled: () => void;
  /** A mutation's reads changed before it could commit: it runs again (retry `retry` of OCC_MAX_RETRIES). */
  onConflict?: (exec: Exec, table: string | null, retry: number) => void;
};

export class Engine {
  readonly als = new AsyncLocalStorage<Exec>();
  private loadedApp: Component = { path: "", modules: new Map(), children: new Map() };
  private tail: Promise<unknown> = Promise.resolve();
  /** Workers running queries and mutations (executionPool.ts), for the app loaded now. */
  private pool: ExecutionPool<Exec> | null = null;
  /** Workers running "use node" actions in a Node environment of their own (nodeExecutor.ts). */
  private nodePool: ExecutionPool<Exec> | null = null;
  /** Workers running default-runtime actions, apart from queries and mutations (an action mostly waits). */
  private actionPool: ExecutionPool<Exec> | null = null;
  /** Component path → its "use node" module names. */
  private nodeModules = new Map<string, Set<string>>();
  private readers: SnapshotReaders | null = null;
  /** Commits a running execution's snapshot may not include (commitLog.ts). */
  readonly commits = new CommitLog();
  /** Mutations side by side; a retry after a conflict alone (mutationGate.ts). */
  private readonly gate = new MutationGate();
  /** Convex's concurrency limits: default-runtime and HTTP actions share one, "use node" actions have their own (actionPermits.ts). */
  private readonly v8Permits = new ActionPermits(MAX_CONCURRENT_V8_ACTIONS);
  private readonly nodePermits = new ActionPermits(MAX_CONCURRENT_NODE_ACTIONS);

  constructor(readonly opts: EngineOptions) {
    installGlobals(this);
  }

  get app(): Component {
    return this.loadedApp;
  }

  /** New functions: the pool's workers are replaced by workers holding the new bundles. */
  set app(app: Component) {
    this.loadedApp = app;
    this.pool?.drain();
    this.pool = null;
    this.nodePool?.drain();
    this.nodePool = null;
    this.actionPool?.drain();
    this.actionPool = null;
    this.nodeModules = new Map();
    const bundles: Array<{ componentPath: string; file: string }> = [];
    const nodeBundles: Array<{ componentPath: string; file: string; module: string }> = [];
    const walk = (component: Component) => {
      if (component.bundle) bundles.push({ componentPath: component.path, file: component.bundle });
      for (const { module, file } of component.nodeModules ?? []) nodeBundles.push({ componentPath: component.path, module, file });
      this.nodeModules.set(component.path, new Set((component.nodeModules ?? []).map((m) => m.module)));
      for (const child of component.children.values()) walk(child);
    };
    walk(app);
    if (!app.bundle || !this.snapshotReaders()) return; // an app built by hand or an in-memory store: this thread, one at a time
    const host = this.poolHost();
    this.pool = new ExecutionPool<Exec>("isolate", bundles, defaultPoolSize(), host);
    this.pool.warm();
    // Started on first use, as the Node pool below; but one worker at once for an app with HTTP
    // routes, so its first request does not wait for a worker to load the bundles (~250 ms).
    this.actionPool = new ExecutionPool<Exec>("isolate", bundles, actionPoolSize(), host);
    if (app.modules.has("http")) this.actionPool.warm(1);
    // Started on the first call: most apps have no "use node" module, and starting takes little.
    if (nodeBundles.length > 0) this.nodePool = new ExecutionPool<Exec>("node", nodeBundles, nodePoolSize(), host);
  }

  /** How workers' syscalls, log lines and environment are answered here. */
  private poolHost(): PoolHost<Exec> {
    const asExecutionError = (error: unknown) => {
      const fe = toFunctionError(error);
      return new ExecutionError(fe.message, fe.data);
    };
    return {
      sync: (exec, op, args) => syscalls(this).sync(exec, op, JSON.parse(args)),
      async: async (exec, op, args) => {
        try {
          return await syscalls(this).async(exec, op, JSON.parse(args));
        } catch (error) {
          throw asExecutionError(error);
        }
      },
      js: async (exec, op, args) => {
        try {
          if (op === "storage/storeBlob")
            return JSON.stringify(
              await syscalls(this).storeBlob(exec, new Blob([args.bytes ?? new ArrayBuffer(0)], { type: args.type ?? "" })),
            );
          if (op === "storage/getBlob") return JSON.stringify(syscalls(this).storedFile(exec, args.storageId ?? ""));
          throw new FunctionError(`The local backend does not support ${op}.`);
        } catch (error) {
          throw asExecutionError(error);
        }
      },
      log: (exec, level, text) => (exec ? emitLogLine(this, exec, level, text) : rawConsole.log(`[${level}] ${text}`)),
      env: (name, componentPath) => this.componentEnv(componentPath).get(name),
      envVersion: () => functionEnvVersion(),
    };
  }

  /** `process.env` as a component's functions see it: the app's is the deployment's, a child's its own (componentEnv.ts). */
  private componentEnv(componentPath: string) {
    const root = { get: functionEnv, names: functionEnvNames };
    if (componentPath === "") return root;
    const component = this.servingComponent(componentPath);
    return childEnv(component?.env ?? new Map(), component?.siteMount, root);
  }

  private servingComponent(componentPath: string): Component | null {
    let current: Component | undefined = this.app;
    for (const name of componentPath.split("/")) current = current?.children.get(name);
    return current ?? null;
  }

  /** A component's variables now, as a "use node" action's process.env. */
  private envSnapshot(componentPath: string): Record<string, string> {
    const view = this.componentEnv(componentPath);
    const env: Record<string, string> = {};
    for (const name of view.names()) {
      const value = view.get(name);
      if (value !== undefined) env[name] = value;
    }
    return env;
  }

  /** Resolves once the pool's workers hold the loaded functions (a server announces itself after). */
  async workersReady() {
    await Promise.all([this.pool?.ready(), this.actionPool?.ready()]);
  }

  /** Stops the workers and closes the snapshot connections (before the store closes). */
  async close() {
    const pools = [this.pool, this.nodePool, this.actionPool];
    this.pool = this.nodePool = this.actionPool = null;
    await Promise.all(pools.map((pool) => pool?.close()));
    this.readers?.close();
    this.readers = null;
  }

  /** Read-only connections for snapshots, when the store is a file (WAL lets them read beside the writer). */
  private snapshotReaders(): SnapshotReaders | null {
    if (this.readers) return this.readers;
    const file = this.store.sql.name;
    if (!file || file === ":memory:" || this.store.sql.memory) return null;
    const readers = new SnapshotReaders(file);
    const checkpointer = this.store.checkpointer;
    if (checkpointer) checkpointer.onLargeWal = () => readers.restartWhenIdle(() => this.store.truncateWal());
    return (this.readers = readers);
  }

  get store() {
    return this.opts.store;
  }

  /** Runs `fn` after every earlier serialized job: one query or mutation at a time. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  component(path: string): Component {
    let current = this.app;
    for (const name of path ? path.split("/") : []) {
      const next = current.children.get(name);
      if (!next) throw new FunctionError(`Component ${path} is not installed.`);
      current = next;
    }
    return current;
  }

  resolve(componentPath: string, udfPath: string): Registered {
    const [rawModule, exportName = "default"] = udfPath.split(":");
    const modulePath = rawModule.replace(/\.(js|ts)$/, "");
    const mod = this.component(componentPath).modules.get(modulePath);
    const fn = mod?.[exportName] as Registered | undefined;
    if (!fn || !(fn.isQuery || fn.isMutation || fn.isAction)) {
      throw new FunctionError(`Could not find function for '${udfPath}'. Did you forget to run \`npx convex dev\`?`);
    }
    return fn;
  }

  /**
   * A function a client may call: a public function of the root app. A component's functions
   * are reachable only through its parent app, so a client naming any component path is told
   * what Convex tells it (crates/udf/src/validation.rs), before the path is looked up.
   */
  resolveForClient(componentPath: string, udfPath: string): Registered {
    const notPublic = () =>
      new FunctionError(
        `Could not find public function for '${udfPath}'${componentPath ? ` in '${componentPath}'` : ""}. Did you forget to run \`npx convex dev\`?`,
      );
    if (componentPath !== "") throw notPublic();
    const fn = this.resolve("", udfPath);
    if (!fn.isPublic) throw notPublic();
    return fn;
  }

  /** "_reference/childComponent/rateLimiter/lib/check" and friends → component path + udf path. */
  address(from: string, address: FunctionAddress): { componentPath: string; udfPath: string } {
    if (address.functionHandle) {
      const [componentPath, udfPath] = address.functionHandle.replace(/^function:\/\//, "").split(";");
      return { componentPath, udfPath };
    }
    if (address.reference) {
      const parts = address.reference.split("/");
      const child = parts[2];
      const rest = parts.slice(3);
      const fnName = rest.pop()!;
      return { componentPath: from ? `${from}/${child}` : child, udfPath: `${rest.join("/")}:${fnName}` };
    }
    if (address.name) return { componentPath: from, udfPath: address.name };
    throw new FunctionError("A function reference is missing its name.");
  }

  private newExec(type: Exec["type"], componentPath: string, udfPath: string, identity: Identity): Exec {
    return {
      type,
      componentPath,
      udfPath,
      identity,
      logLines: [],
      reads: new ReadSet(),
      writes: new WriteSet(),
      filesToDelete: [],
      streams: new Map(),
      inTransaction: false,
      // 16 hex digits, as Convex's RequestId (crates/common/src/types/mod.rs).
      requestId: randomBytes(8).toString("hex"),
      startedAt: Date.now(),
      usage: new TransactionUsage(),
      depth: 0,
    };
  }

  /** A top-level call from a client, an action, the scheduler or an HTTP action. */
  async run(
    type: UdfType,
    componentPath: string,
    udfPath: string,
    args: Record<string, Value>,
    identity: Identity,
    opts: {
      fromClient?: boolean;
      depth?: number;
      journal?: string | null;
      beforeCommit?: (exec: Exec) => void;
      /** An action called by an HTTP action with a refused token: its getUserIdentity throws the refusal too. */
      identityError?: string;
      /** A scheduled job or a cron: an action waits for its permit without a timeout. */
      waitForPermit?: boolean;
    } = {},
  ): Promise<{ value: Value; exec: Exec }> {
    const fn = opts.fromClient ? this.resolveForClient(componentPath, udfPath) : this.resolve(componentPath, udfPath);
    const exec = {
      ...this.newExec(type, componentPath, udfPath, identity),
      ...(opts.identityError === undefined ? {} : { identityError: opts.identityError }),
      depth: checkDepth(opts.depth ?? 0),
      journal: opts.journal ?? null,
      ...(opts.waitForPermit ? { waitForPermit: true } : {}),
    };
    if (type === "action") return { value: await this.invoke(fn, type, exec, args), exec };
    const { pool, readers } = this;
    if (pool && readers) {
      if (type === "query") {
        const value = await this.onWorker(pool, exec, () => this.atSnapshot(readers, exec, () => this.invoke(fn, type, exec, args)));
        return { value, exec };
      }
      return await this.runOptimistic(pool, readers, fn, exec, args, opts.beforeCommit);
    }
    return await this.serial(async () => {
      if (type === "query") return { value: await this.invoke(fn, type, exec, args), exec };
      exec.inTransaction = true;
      this.store.begin();
      try {
        const value = await this.invoke(fn, type, exec, args);
        // In the same transaction: e.g. a scheduled mutation's job marked done (exactly once).
        opts.beforeCommit?.(exec);
        this.store.commit();
        this.afterCommit(exec);
        return { value, exec };
      } catch (error) {
        this.store.rollback();
        throw error;
      }
    });
  }

  /** One run of an optimistic mutation at its snapshot, committed if nothing it read changed since. */
  private async attempt(
    ticket: SnapshotTicket,
    fn: Registered,
    exec: Exec,
    args: Record<string, Value>,
    beforeCommit?: (exec: Exec) => void,
  ) {
    const tx = new BufferedTransaction(exec.snapshot!, this.store);
    exec.snapshot = exec.tx = tx;
    try {
      const value = await this.invoke(fn, "mutation", exec, args);
      // From here to the end, one synchronous step: no other commit falls between the check and this one.
      const conflict = this.commits.conflict(ticket, exec.reads);
      if (conflict) return { committed: false as const, conflict };
      this.store.begin();
      try {
        tx.commitTo(this.store, exec.writes);
        // In the same transaction: e.g. a scheduled mutation's job marked done (exactly once).
        beforeCommit?.(exec);
        this.store.commit();
      } catch (error) {
        this.store.rollback();
        throw error;
      }
      this.afterCommit(exec);
      return { committed: true as const, value };
    } finally {
      exec.tx = undefined;
    }
  }

  /**
   * Runs `body` with a pool worker leased for `exec` (its calls and nested calls run there). The
   * worker comes first: a snapshot opened only once the execution can run does not age in a queue.
   */
  private async onWorker<T>(pool: ExecutionPool<Exec>, exec: Exec, body: () => Promise<T>): Promise<T> {
    // A mutation in the mutations' lane: queries are never left without a worker behind them (executionPool.ts acquire).
    const worker = await pool.lease({ mutation: exec.type === "mutation" });
    exec.runsOn = { pool, worker };
    try {
      return await body();
    } finally {
      pool.release(worker);
    }
  }

  /** Runs `body` with `exec` reading a snapshot of its own, opened and closed around it. */
  private async atSnapshot<T>(readers: SnapshotReaders, exec: Exec, body: (ticket: SnapshotTicket) => Promise<T>): Promise<T> {
    const held = readers.ready();
    if (held) await held; // a WAL restart runs first (snapshotReads.ts)
    // The read transaction and the ticket are opened in one synchronous step: no commit falls between.
    const reader = readers.acquire();
    const ticket = this.commits.openSnapshot();
    exec.snapshot = reader;
    try {
      return await body(ticket);
    } finally {
      exec.snapshot = undefined;
      readers.release(reader);
      this.commits.closeSnapshot(ticket);
    }
  }

  /**
   * A mutation beside others (optimistic concurrency control): it runs on its snapshot with its
   * writes buffered; at commit, in one synchronous step, the commits since its snapshot are
   * checked against its read set and, with no overlap, its writes applied in one SQLite
   * transaction. On a conflict it runs again after Convex's backoff, at most
   * UDF_EXECUTOR_OCC_MAX_RETRIES more times, then fails with Convex's OCC error (occ.ts).
   */
  private async runOptimistic(
    pool: ExecutionPool<Exec>,
    readers: SnapshotReaders,
    fn: Registered,
    exec: Exec,
    args: Record<string, Value>,
    beforeCommit?: (exec: Exec) => void,
  ): Promise<{ value: Value; exec: Exec }> {
    for (let failures = 0; ; failures++) {
      exec.inTransaction = true;
      const release = await (failures === 0 ? this.gate.shared() : this.gate.exclusive());
      let outcome;
      try {
        outcome = await this.onWorker(pool, exec, () =>
          this.atSnapshot(readers, exec, (ticket) => this.attempt(ticket, fn, exec, args, beforeCommit)),
        );
      } finally {
        release();
      }
      if (outcome.committed) return { value: outcome.value, exec };
      if (failures >= OCC_MAX_RETRIES) throw occFailure(exec.reads, outcome.conflict);
      this.opts.onConflict?.(exec, conflictTable(exec.reads, outcome.conflict), failures + 1);
      await new Promise((resolve) => setTimeout(resolve, occBackoffMs(failures)));
      // A fresh execution: nothing of the conflicted run is kept.
      Object.assign(exec, {
        reads: new ReadSet(),
        writes: new WriteSet(),
        filesToDelete: [],
        streams: new Map(),
        logLines: [],
        usage: new TransactionUsage(),
        random: undefined,
        startedAt: Date.now(),
        runsOn: undefined,
      });
    }
  }

  /** A call made inside a running query or mutation (e.g. a component's function). */
  async runNested(parent: Exec, type: UdfType, componentPath: string, udfPath: string, args: Record<string, Value>) {
    const fn = this.resolve(componentPath, udfPath);
    const exec: Exec = {
      ...this.newExec(parent.type, componentPath, udfPath, parent.identity),
      reads: parent.reads,
      writes: parent.writes,
      filesToDelete: parent.filesToDelete,
      logLines: parent.logLines,
      inTransaction: parent.inTransaction,
      startedAt: parent.startedAt,
      random: parent.random,
      usage: parent.usage,
      depth: checkDepth(parent.depth + 1),
      snapshot: parent.snapshot,
      tx: parent.tx,
      runsOn: parent.runsOn,
      parentPoolId: parent.poolId,
    };
    if (type !== "mutation") return await this.invoke(fn, type, exec, args);
    if (exec.tx) return await exec.tx.nested(() => this.invoke(fn, type, exec, args));
    return await this.store.nested(() => this.invoke(fn, type, exec, args));
  }

  /** A small write transaction on behalf of an action (scheduling, storing a file). */
  async write<T>(exec: Exec, fn: (inner: Exec) => T): Promise<T> {
    return await this.serial(async () => {
      const inner: Exec = {
        ...exec,
        writes: new WriteSet(),
        reads: new ReadSet(),
        filesToDelete: [],
        inTransaction: true,
        usage: new TransactionUsage(),
      };
      this.store.begin();
      try {
        const value = fn(inner);
        this.store.commit();
        this.afterCommit(inner);
        return value;
      } catch (error) {
        this.store.rollback();
        throw error;
      }
    });
  }

  private afterCommit(exec: Exec) {
    for (const storageId of exec.filesToDelete) void this.opts.blobs.remove(storageId);
    if (exec.writes.size > 0) {
      // Recorded before subscribers hear of it: an execution that starts now reads this commit.
      this.commits.record(exec.writes);
      exec.commitTs = this.opts.onCommit(exec.writes);
    }
    if ([...exec.writes.tables].some((t) => t.endsWith(":_scheduled_functions"))) this.opts.onScheduled();
  }

  private async invoke(fn: Registered, type: UdfType, exec: Exec, args: Record<string, Value>): Promise<Value> {
    try {
      const value = await this.invokeOnce(fn, type, exec, args);
      if (exec.systemError) throw exec.systemError;
      return value;
    } catch (error) {
      if (exec.systemError) throw exec.systemError;
      // What the function logged before it failed goes back with its error.
      if (error instanceof FunctionError && error.logLines === undefined) error.logLines = exec.logLines;
      if (error instanceof FunctionError && error.requestId === undefined) error.requestId = exec.requestId;
      throw error;
    }
  }

  private async invokeOnce(fn: Registered, type: UdfType, exec: Exec, args: Record<string, Value>): Promise<Value> {
    const kind = fn.isQuery ? "query" : fn.isMutation ? "mutation" : "action";
    if (kind !== type) throw new FunctionError(`'${exec.udfPath}' is a ${kind}, not a ${type}.`);
    const { args: argsValidator, returns } = validatorsOf(fn);
    const encodedArgs = JSON.stringify(convexToJson([args] as Value));
    // crates/udf/src/helpers.rs `validate_args_size`, before the arguments' validator as in
    // crates/udf/src/validation.rs. JSON is never under a fifth of Convex's size.
    if (encodedArgs.length * 5 > FUNCTION_MAX_ARGS_SIZE) {
      const size = convexSize([args] as Value);
      if (size > FUNCTION_MAX_ARGS_SIZE)
        throw new FunctionError(
          `Arguments for ${canonicalPath(exec.udfPath)} are too large (actual: ${formatSize(size)}, limit: ${formatSize(FUNCTION_MAX_ARGS_SIZE)})`,
        );
    }
    if (argsValidator) {
      const problem = checkValue(argsValidator, args, (id) => this.tableNameOf(exec.componentPath, id), "args");
      if (problem) throw new FunctionError(`ArgumentValidationError: ${problem} (in ${exec.udfPath})`);
    }
    let raw: string;
    const isNode = type === "action" && this.isNodeModule(exec);
    const actionPool = type !== "action" ? null : isNode ? this.nodePool : this.actionPool;
    try {
      raw = actionPool
        ? await this.onActionWorker(
            actionPool,
            exec,
            encodedArgs,
            isNode
              ? { seconds: NODE_ACTION_TIMEOUT_SECONDS, wall: true, message: NODE_TIMEOUT_MESSAGE }
              : { seconds: V8_ACTION_TIMEOUT_SECONDS, wall: true },
          )
        : type !== "action" && exec.runsOn
          ? await this.inWorker(type as "query" | "mutation", exec, encodedArgs)
          : await this.als.run(exec, () => {
              if (type === "query") return fn.invokeQuery!(encodedArgs);
              if (type === "mutation") return fn.invokeMutation!(encodedArgs);
              return fn.invokeAction!(exec.requestId, encodedArgs);
            });
    } catch (thrown) {
      if (thrown instanceof ExecutionError) throw new FunctionError(thrown.message, thrown.data, thrown.frames);
      if (thrown instanceof TooManyConcurrentRequests) throw new FunctionError(thrown.message);
      throw toFunctionError(thrown);
    }
    const value = jsonToConvex(JSON.parse(raw));
    // crates/isolate/src/helpers.rs: "Function … return value is too large".
    if (raw.length * 5 > FUNCTION_MAX_RESULT_SIZE) {
      const size = convexSize(value);
      if (size > FUNCTION_MAX_RESULT_SIZE)
        throw new FunctionError(
          `Function ${canonicalPath(exec.udfPath)} return value is too large (actual: ${formatSize(size)}, limit: ${formatSize(FUNCTION_MAX_RESULT_SIZE)})`,
        );
    }
    if (returns) {
      const problem = checkValue(returns, value, (id) => this.tableNameOf(exec.componentPath, id), "return value");
      if (problem) throw new FunctionError(`ReturnsValidationError: ${problem} (in ${exec.udfPath})`);
    }
    return value;
  }

  private isNodeModule(exec: Exec): boolean {
    const modulePath = exec.udfPath.split(":")[0].replace(/\.(js|ts)$/, "");
    return this.nodeModules.get(exec.componentPath)?.has(modulePath) ?? false;
  }

  /**
   * An action on a worker of its own: a "use node" one in the Node pool, stopped after Convex's
   * 10 minutes of wall time (NODE_ACTION_USER_TIMEOUT); a default-runtime one in the action pool,
   * after V8_ACTION_USER_TIMEOUT.
   */
  private async onActionWorker(
    pool: ExecutionPool<Exec>,
    exec: Exec,
    encodedArgs: string,
    limit: { seconds: number; wall: boolean; message?: string },
  ): Promise<string> {
    const permit = await (pool.kind === "node" ? this.nodePermits : this.v8Permits).acquire(exec.waitForPermit ? "forever" : "timeout");
    let worker: PoolWorker;
    try {
      // Called by an action (depth > 0): its caller holds a worker while it waits, so this one never queues behind it.
      worker = await pool.lease({ overflow: exec.depth > 0 });
    } catch (error) {
      permit.release();
      throw error;
    }
    try {
      const [rawModule, exportName = "default"] = exec.udfPath.split(":");
      const message = {
        execId: pool.newExecId(),
        type: "action" as const,
        componentPath: exec.componentPath,
        udfPath: exec.udfPath,
        modulePath: rawModule.replace(/\.(js|ts)$/, ""),
        exportName,
        args: encodedArgs,
        startedAt: Date.now(),
        requestId: exec.requestId,
        // A Node worker's process.env (a default-runtime context asks for each variable instead).
        ...(pool.kind === "node" ? { env: this.envSnapshot(exec.componentPath) } : {}),
      };
      return await pool.runOn(worker, message, exec, limit);
    } finally {
      pool.release(worker);
      permit.release();
    }
  }

  /**
   * An HTTP action (a route of convex/http.ts; `handler` is its entry point in this thread). With
   * pools, it runs on a worker of the action pool with the limit Convex gives it: its action
   * environment's user timeout is V8_ACTION_USER_TIMEOUT (crates/isolate/src/environment/action/mod.rs
   * `user_timeout`), and past it the worker is stopped and the caller answered with Convex's
   * error. Its request and response bodies stream between the site server and the worker
   * (httpExchange.ts). An app built by hand runs it in this thread.
   */
  async runHttpAction(
    exec: Exec,
    request: Request,
    handler: { invokeHttpAction(request: Request): Promise<Response> },
    /** The path the component's router matched (httpRouting.ts): the request's own path less any prefix or mount. */
    route: string = new URL(request.url).pathname,
  ): Promise<Response> {
    const pool = this.actionPool;
    if (!pool) return await this.als.run(exec, () => handler.invokeHttpAction(request));
    // Past Convex's limit of concurrent actions, refused after its permit timeout (TooManyConcurrentRequests, a 429).
    const permit: Permit = await this.v8Permits.acquire("timeout");
    let worker: PoolWorker;
    try {
      worker = await pool.lease();
    } catch (error) {
      permit.release();
      throw error;
    }
    const execId = pool.newExecId();
    const exchange = new HttpExchange(
      request,
      (part) => pool.sendHttp(execId, part),
      (text) => emitLogLine(this, exec, "ERROR", text),
    );
    const message = {
      execId,
      type: "http" as const,
      componentPath: exec.componentPath,
      udfPath: exec.udfPath,
      modulePath: "http",
      exportName: "default",
      args: "[]",
      startedAt: Date.now(),
      requestId: exec.requestId,
      request: { url: request.url, method: request.method, headers: [...request.headers], hasBody: request.body !== null, route },
    };
    void pool
      .runOn(worker, message, exec, { seconds: V8_ACTION_TIMEOUT_SECONDS, wall: true }, (part) => exchange.onPart(part))
      .then(
        (raw) => exchange.finished({ raw }),
        (error: Error) =>
          exchange.finished({ failure: error instanceof ExecutionError ? new FunctionError(error.message, error.data) : error }),
      )
      .finally(() => {
        pool.release(worker);
        permit.release();
      });
    return await exchange.response;
  }

  /** A query or mutation on a pool worker: a top-level one on a free worker, a nested one on its parent's. */
  private inWorker(type: "query" | "mutation", exec: Exec, encodedArgs: string): Promise<string> {
    const runsOn = exec.runsOn;
    if (!runsOn) throw new Error(`${exec.udfPath} has no worker leased.`);
    const [rawModule, exportName = "default"] = exec.udfPath.split(":");
    const message = {
      execId: runsOn.pool.newExecId(),
      type,
      componentPath: exec.componentPath,
      udfPath: exec.udfPath,
      modulePath: rawModule.replace(/\.(js|ts)$/, ""),
      exportName,
      args: encodedArgs,
      startedAt: exec.startedAt ?? Date.now(),
    };
    exec.poolId = message.execId;
    // A nested call goes to its parent's worker, in the pool that worker belongs to (a reload may have replaced this.pool).
    if (exec.parentPoolId !== undefined) return runsOn.pool.invoke(runsOn.worker, { ...message, parentExecId: exec.parentPoolId }, exec);
    return runsOn.pool.runOn(runsOn.worker, message, exec);
  }

  /** The table name an id belongs to, within one component. */
  tableNameOf(componentPath: string, id: string): string | null {
    const tableKey = this.store.tableOfId(id);
    if (!tableKey) return null;
    const [owner, table] = splitTableKey(tableKey);
    return owner === componentPath ? table : null;
  }
}

/** "messages:send" → "messages.js:send", as Convex prints a CanonicalizedUdfPath. */
function canonicalPath(udfPath: string): string {
  const [module, name = "default"] = udfPath.split(":");
  return `${/\.[jt]s$/.test(module) ? module.replace(/\.ts$/, ".js") : `${module}.js`}:${name}`;
}

/** crates/isolate/src/environment/udf/async_syscall.rs: nested calls stop at MAX_REACTOR_CALL_DEPTH. */
function checkDepth(depth: number): number {
  if (depth > MAX_REACTOR_CALL_DEPTH)
    throw new FunctionError("Cross component call depth limit exceeded. Do you have an infinite loop in your app?");
  return depth;
}

const validatorCache = new WeakMap<object, { args: ValidatorJson | null; returns: ValidatorJson | null }>();
function validatorsOf(fn: Registered) {
  let v = validatorCache.get(fn);
  if (!v) validatorCache.set(fn, (v = { args: parseValidator(fn.exportArgs?.()), returns: parseValidator(fn.exportReturns?.()) }));
  return v;
}

const parsedValidators = new Map<string, ValidatorJson | null>();
function parseValidator(json: string | undefined): ValidatorJson | null {
  if (!json) return null;
  let parsed = parsedValidators.get(json);
  if (parsed === undefined) {
    const value = JSON.parse(json) as ValidatorJson | null;
    parsed = value && value.type !== "any" ? value : null;
    parsedValidators.set(json, parsed);
  }
  return parsed;
}

/** The console as it was before functions' output was captured: for the server's own lines. */
export const rawConsole = {
  log: console.log.bind(console),
  error: console.error.bind(console),
};

let installed: Engine | null = null;
/** process.env as functions see it, from the latest load (the pool's workers ask for it too). */
let functionEnv: (name: string) => string | undefined = (name) => process.env[name];
let functionEnvNames: () => string[] = () => [];
/** The environment's version (FunctionEnv.version), or null where values are not versioned (workers then ask for every read). */
let functionEnvVersion: () => number | null = () => null;
let consolePatched = false;

/**
 * One log line of a running function, within Convex's limits: 256 lines per execution, the last
 * one kept for the overflow notice (crates/isolate/src/environment/udf/mod.rs `emit_log_line`),
 * and each line cut at 4 KiB with Convex's suffix (crates/common/src/log_lines.rs).
 */
export function emitLogLine(engine: Engine, exec: Exec, label: string, text: string) {
  if (exec.logLines.length >= MAX_LOG_LINES) return;
  if (exec.logLines.length === MAX_LOG_LINES - 1) {
    label = "ERROR";
    text = `Log overflow (maximum ${MAX_LOG_LINES}). Remaining log lines omitted.`;
  } else if (Buffer.byteLength(text) > MAX_LOG_LINE_BYTES) {
    let cut = Buffer.from(text).subarray(0, MAX_LOG_LINE_BYTES).toString();
    if (cut.endsWith("\uFFFD")) cut = cut.slice(0, -1); // never half a character
    text = `${cut}${TRUNCATED_LINE_SUFFIX}`;
  }
  exec.logLines.push(`[${label}] ${text}`);
  engine.opts.onLog(exec, label, text);
}

function installGlobals(engine: Engine) {
  installed = engine;
  installFastDigest();
  const g = globalThis as unknown as { Convex?: unknown };
  g.Convex = convexGlobal();
  if (consolePatched) return;
  consolePatched = true;
  // "use node" modules run in this process: their console is captured the same way.
  for (const level of ["log", "info", "warn", "error", "debug"] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      const exec = installed?.als.getStore();
      if (!exec) return original(...args);
      emitLogLine(installed!, exec, level === "log" ? "LOG" : level.toUpperCase(), logMessage(args, "node"));
    };
  }
}

/** The `Convex` global functions call syscalls through (udf-runtime/src/syscall.ts). */
function convexGlobal() {
  const current = () => {
    const exec = installed!.als.getStore();
    if (!exec) throw new Error("Convex syscall outside a function");
    return exec;
  };
  return {
    syscall: (op: string, args: string) => syscalls(installed!).sync(current(), op, JSON.parse(args)),
    asyncSyscall: async (op: string, args: string) => {
      try {
        return await syscalls(installed!).async(current(), op, JSON.parse(args));
      } catch (error) {
        // ConvexErrors cross back into the caller with their data intact.
        const fe = toFunctionError(error);
        throw Object.assign(new Error(fe.message), fe.data === undefined ? {} : { data: fe.data });
      }
    },
    jsSyscall: (op: string, args: Record<string, unknown>) => syscalls(installed!).js(current(), op, args),
  };
}

/** What a default-runtime context (defaultRuntime.ts) asks of the engine that runs its functions. */
export function runtimeHost(
  env: (name: string) => string | undefined,
  names: () => string[] = () => [],
  version: () => number | null = () => null,
): RuntimeHost {
  functionEnv = env;
  functionEnvNames = names;
  functionEnvVersion = version;
  return {
    current: () => installed?.als.getStore(),
    convex: convexGlobal(),
    log: (level, text) => {
      const exec = installed?.als.getStore();
      if (exec) emitLogLine(installed!, exec, level, text);
      else rawConsole.log(`[${level}] ${text}`);
    },
    env,
  };
}
