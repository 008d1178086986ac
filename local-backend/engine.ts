/**
 * Runs registered Convex functions the way Convex does: through their own entry points
 * (`invokeQuery` / `invokeMutation` / `invokeAction`), with the `Convex` syscall global
 * answered by this server. Queries and mutations run one at a time (serializable), each
 * mutation inside one SQLite transaction; nested calls (component functions) use savepoints.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { format, types } from "node:util";
import { convexToJson, jsonToConvex, type Value } from "convex/values";
import type { DocumentStore } from "./database";
import type { BlobStore } from "./blobs";
import { checkValue, type ValidatorJson } from "./validate";
import { syscalls } from "./syscalls";
import { installFastDigest } from "./runtimeCrypto";
import { ReadSet, WriteSet } from "./readSet";
import { SeededRandom, type RuntimeHost } from "./defaultRuntime";
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

export type Identity = Record<string, unknown> | null;
export type UdfType = "query" | "mutation" | "action";
export type Component = {
  path: string;
  modules: Map<string, Record<string, unknown>>;
  children: Map<string, Component>;
};
export type FunctionAddress = { name?: string; reference?: string; functionHandle?: string };

export type Exec = {
  type: UdfType | "http";
  componentPath: string;
  udfPath: string;
  identity: Identity;
  logLines: string[];
  /** Index ranges and documents read (what a subscription depends on). */
  reads: ReadSet;
  /** Index keys written (what a commit may have changed). */
  writes: WriteSet;
  filesToDelete: string[];
  streams: Map<number, unknown>;
  inTransaction: boolean;
  requestId: string;
  commitTs?: bigint;
  /** Date.now() of a query or mutation, fixed at its start (crates/isolate/src/ops/time.rs). */
  startedAt?: number;
  /** Math.random / getRandomValues of a query or mutation, seeded per execution. */
  random?: SeededRandom;
  /** Reads, writes and scheduling of the transaction, against Convex's limits. */
  usage: TransactionUsage;
  /** Nesting of runQuery/runMutation/runAction calls (crates/common/src/knobs.rs MAX_REACTOR_CALL_DEPTH). */
  depth: number;
  /** A query's journal from its previous execution: where its page ended (pagination.ts). */
  journal?: string | null;
};

/** An error a function threw, as the client sees it. `data` is set for ConvexError. */
export class FunctionError extends Error {
  constructor(
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

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
};

export class Engine {
  readonly als = new AsyncLocalStorage<Exec>();
  app: Component = { path: "", modules: new Map(), children: new Map() };
  private tail: Promise<unknown> = Promise.resolve();
  private requestCounter = 0;

  constructor(readonly opts: EngineOptions) {
    installGlobals(this);
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
      requestId: String(++this.requestCounter),
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
    opts: { fromClient?: boolean; depth?: number; journal?: string | null; beforeCommit?: (exec: Exec) => void } = {},
  ): Promise<{ value: Value; exec: Exec }> {
    const fn = opts.fromClient ? this.resolveForClient(componentPath, udfPath) : this.resolve(componentPath, udfPath);
    const exec = {
      ...this.newExec(type, componentPath, udfPath, identity),
      depth: checkDepth(opts.depth ?? 0),
      journal: opts.journal ?? null,
    };
    if (type === "action") return { value: await this.invoke(fn, type, exec, args), exec };
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
    };
    if (type !== "mutation") return await this.invoke(fn, type, exec, args);
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
    if (exec.writes.size > 0) exec.commitTs = this.opts.onCommit(exec.writes);
    if ([...exec.writes.tables].some((t) => t.endsWith(":_scheduled_functions"))) this.opts.onScheduled();
  }

  private async invoke(fn: Registered, type: UdfType, exec: Exec, args: Record<string, Value>): Promise<Value> {
    const kind = fn.isQuery ? "query" : fn.isMutation ? "mutation" : "action";
    if (kind !== type) throw new FunctionError(`'${exec.udfPath}' is a ${kind}, not a ${type}.`);
    const { args: argsValidator, returns } = validatorsOf(fn);
    if (argsValidator) {
      const problem = checkValue(argsValidator, args, (id) => this.tableNameOf(exec.componentPath, id), "args");
      if (problem) throw new FunctionError(`ArgumentValidationError: ${problem} (in ${exec.udfPath})`);
    }
    const encodedArgs = JSON.stringify(convexToJson([args] as Value));
    // crates/udf/src/helpers.rs `validate_args_size`. JSON is never under a third of Convex's size.
    if (encodedArgs.length * 5 > FUNCTION_MAX_ARGS_SIZE) {
      const size = convexSize([args] as Value);
      if (size > FUNCTION_MAX_ARGS_SIZE)
        throw new FunctionError(
          `Arguments for ${canonicalPath(exec.udfPath)} are too large (actual: ${formatSize(size)}, limit: ${formatSize(FUNCTION_MAX_ARGS_SIZE)})`,
        );
    }
    let raw: string;
    try {
      raw = await this.als.run(exec, () => {
        if (type === "query") return fn.invokeQuery!(encodedArgs);
        if (type === "mutation") return fn.invokeMutation!(encodedArgs);
        return fn.invokeAction!(exec.requestId, encodedArgs);
      });
    } catch (thrown) {
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

export function splitTableKey(tableKey: string): [string, string] {
  const at = tableKey.lastIndexOf(":");
  return [tableKey.slice(0, at), tableKey.slice(at + 1)];
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

/** ConvexError data arrives serialized as a JSON string by the function wrapper. */
export function toFunctionError(thrown: unknown): FunctionError {
  if (thrown instanceof FunctionError) return thrown;
  if (typeof thrown === "object" && thrown !== null && Symbol.for("ConvexError") in thrown) {
    const raw = (thrown as { data: unknown }).data;
    const data = typeof raw === "string" ? JSON.parse(raw) : convexToJson(raw as Value);
    return new FunctionError((thrown as Error).message, data);
  }
  // Errors from the default runtime's context are another realm's: not `instanceof Error` here.
  if (types.isNativeError(thrown) || thrown instanceof Error) return new FunctionError(`Uncaught ${thrown.name}: ${thrown.message}`);
  return new FunctionError(`Uncaught ${String(thrown)}`);
}

/** The console as it was before functions' output was captured: for the server's own lines. */
export const rawConsole = {
  log: console.log.bind(console),
  error: console.error.bind(console),
};

let installed: Engine | null = null;
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
      emitLogLine(installed!, exec, level === "log" ? "LOG" : level.toUpperCase(), format(...args));
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
export function runtimeHost(env: (name: string) => string | undefined): RuntimeHost {
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
