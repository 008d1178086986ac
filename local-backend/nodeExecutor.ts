/**
 * A worker of the Node execution pool (executionPool.ts): runs `"use node"` actions in a Node
 * environment of their own, as Convex runs them in a separate Node process
 * (crates/node_executor). It imports the modules the loader bundled for Node; their syscalls
 * (`Convex.asyncSyscall`, `Convex.jsSyscall`) are answered by the main thread by message. Its
 * `process.env` holds the deployment variables only (sent with each call, a fresh copy each); its
 * console lines are the function's log lines.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { ConsoleTimers, logMessage } from "./logFormat";
import { pathToFileURL } from "node:url";
import { workerJsSyscall } from "./workerFiles";
import { functionErrorPayload, reportStrayErrors } from "./workerErrors";
import type { FromWorker, JsSyscallArgs, ToWorker, WorkerData } from "./executionProtocol";

type Registered = { invokeAction?: (requestId: string, args: string) => Promise<string> };

const data = workerData as WorkerData;
const port = parentPort!;
const als = new AsyncLocalStorage<number>();
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

let nextCall = 0;
const calls = new Map<number, { resolve: (value: string) => void; reject: (error: unknown) => void }>();

function current(): number {
  const execId = als.getStore();
  if (execId === undefined) throw new Error("Convex syscall outside a function");
  return execId;
}

/** A call answered by the main thread (an asyncResult message). */
function ask(kind: "async", op: string, args: string): Promise<string>;
function ask(kind: "js", op: string, args: JsSyscallArgs, transfer?: ArrayBuffer[]): Promise<string>;
function ask(kind: "async" | "js", op: string, args: string | JsSyscallArgs, transfer: ArrayBuffer[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    const callId = ++nextCall;
    calls.set(callId, { resolve, reject });
    const execId = current();
    if (kind === "async") post({ kind, callId, execId, op, args: args as string });
    else post({ kind, callId, execId, op, args: args as JsSyscallArgs }, transfer);
  });
}

(globalThis as unknown as { Convex: unknown }).Convex = {
  syscall: (op: string) => {
    throw new Error(`${op} is not available in actions.`);
  },
  asyncSyscall: (op: string, args: string) => ask("async", op, args),
  jsSyscall: workerJsSyscall((op, args, transfer) => ask("js", op, args, transfer)),
};

// The function's console: its log lines (outside a function, the server's output), each argument
// inspected as Convex's Node executor does (logFormat.ts); timers kept per call.
for (const level of ["log", "info", "warn", "error", "debug"] as const) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    const execId = als.getStore();
    if (execId === undefined) return original(...args);
    post({ kind: "log", execId, level: level === "log" ? "LOG" : level.toUpperCase(), text: logMessage(args, "node") });
  };
}
const timersByCall = new Map<number, ConsoleTimers>();
const timersOf = (execId: number) => {
  let timers = timersByCall.get(execId);
  if (!timers) {
    timers = new ConsoleTimers((level, text) => post({ kind: "log", execId, level, text }), "node");
    timersByCall.set(execId, timers);
  }
  return timers;
};
for (const method of ["time", "timeLog", "timeEnd"] as const) {
  const original = console[method].bind(console);
  console[method] = (label?: unknown, ...args: unknown[]) => {
    const execId = als.getStore();
    if (execId === undefined) return original(label as string, ...args);
    const timers = timersOf(execId);
    if (method === "timeLog") timers.timeLog(label, args);
    else timers[method](label);
  };
}

/**
 * process.env: the deployment variables of the running call (functionEnv.ts's rule). Convex's Node
 * executor makes it a plain object per call (npm-packages/node-executor/src/executor.ts
 * `runWithEnvironmentVariables`): the action may change it, and the next call starts afresh.
 */
let env: Record<string, string> = {};
const write = (prop: string | symbol, value: unknown): boolean => {
  if (typeof prop === "string") env[prop] = String(value);
  return true;
};
process.env = new Proxy({} as NodeJS.ProcessEnv, {
  get: (_target, prop) => (typeof prop === "string" ? env[prop] : undefined),
  has: (_target, prop) => typeof prop === "string" && prop in env,
  ownKeys: () => Object.keys(env),
  getOwnPropertyDescriptor: (_target, prop) =>
    typeof prop === "string" && prop in env ? { value: env[prop], enumerable: true, configurable: true, writable: true } : undefined,
  set: (_target, prop, value) => write(prop, value),
  defineProperty: (_target, prop, descriptor) => write(prop, descriptor.value),
  deleteProperty: (_target, prop) => {
    if (typeof prop === "string") delete env[prop];
    return true;
  },
});

reportStrayErrors((message) => port.postMessage(message));

const modules = new Map<string, Record<string, unknown>>();

port.on("message", (message: ToWorker) => {
  if (message.kind === "asyncResult") {
    const call = calls.get(message.callId);
    calls.delete(message.callId);
    if (!call) return;
    if (message.ok) call.resolve(message.value);
    else call.reject(Object.assign(new Error(message.error.message), message.error.data === undefined ? {} : { data: message.error.data }));
    return;
  }
  if (message.kind === "http") return; // HTTP actions run in the default runtime, never here
  env = message.env ?? {};
  void als.run(message.execId, async () => {
    try {
      const fn = modules.get(`${message.componentPath}\0${message.modulePath}`)?.[message.exportName] as Registered | undefined;
      if (!fn?.invokeAction) throw new Error(`Could not find function for '${message.udfPath}'.`);
      const raw = await fn.invokeAction(message.requestId ?? "", message.args);
      post({ kind: "done", execId: message.execId, ok: true, raw });
    } catch (thrown) {
      post({ kind: "done", execId: message.execId, ok: false, error: functionErrorPayload(thrown) });
    } finally {
      timersByCall.delete(message.execId);
    }
  });
});

void (async () => {
  for (const bundle of data.bundles) {
    modules.set(`${bundle.componentPath}\0${bundle.module}`, (await import(pathToFileURL(bundle.file).href)) as Record<string, unknown>);
  }
  post({ kind: "ready", tid: null });
})();
