/**
 * A worker of the execution pool (executionPool.ts): holds its own default-runtime context per
 * component, evaluated from the same bundles the loader built, and runs queries, mutations,
 * default-runtime actions and HTTP actions there (workerHttp.ts streams an HTTP action's bodies). Its syscalls are answered by the main thread: async ones by message, sync ones
 * (`Convex.syscall`, `process.env`) by a message and a wait on a shared flag, so the function
 * sees the same synchronous answer it would see in the main thread.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { readFileSync } from "node:fs";
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from "node:worker_threads";
import { createDefaultRuntime, evaluateInContext, SeededRandom, type RuntimeExec } from "./defaultRuntime";
import { installFastDigest } from "./runtimeCrypto";
import type {
  ErrorPayload,
  FromWorker,
  InvokeMessage,
  JsSyscallArgs,
  SyncReply,
  SyncRequest,
  ToWorker,
  WorkerData,
} from "./executionProtocol";
import { workerJsSyscall } from "./workerFiles";
import { functionErrorPayload, reportStrayErrors } from "./workerErrors";
import { WorkerHttpExchange } from "./workerHttp";
import { WorkerEnv } from "./workerEnv";
import { WorkerQueries } from "./workerQueries";
import { convexFrames } from "./stackFrames";

type Running = RuntimeExec & {
  execId: number;
  rng: { random?: SeededRandom };
  /** The first of its promises left rejected once its microtasks had run (see `settle`). */
  unhandled?: { reason: unknown };
};
type Registered = {
  invokeQuery?: (args: string) => Promise<string>;
  invokeMutation?: (args: string) => Promise<string>;
  invokeAction?: (requestId: string, args: string) => Promise<string>;
};
type HttpRouter = {
  lookup(path: string, method: string): [{ invokeHttpAction(request: Request): Promise<Response> }, string, string] | null;
};

const data = workerData as WorkerData;
const port = parentPort!;
const syncPort = data.syncPort as MessagePort;
const flag = new Int32Array(data.flag);
const als = new AsyncLocalStorage<Running>();

/** An error the main thread raised for a syscall: its message is the function's error as is. */
class HostError extends Error {
  constructor(
    message: string,
    readonly data: unknown,
  ) {
    super(message);
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));
/**
 * The main thread posts its answer before it raises the flag, yet under load the answer was seen
 * missing from the port right after the wake-up (a full-suite run on 2 busy cores): it is polled
 * for up to a second, a millisecond at a time, before the call is given up.
 */
function receiveReply(): SyncReply | undefined {
  for (let waited = 0; ; waited++) {
    const received = receiveMessageOnPort(syncPort);
    if (received) return received.message as SyncReply;
    if (waited >= 1000) return undefined;
    Atomics.wait(pause, 0, 0, 1);
  }
}

/** A synchronous request to the main thread: post, then block until it has answered. */
function ask(request: SyncRequest): string {
  Atomics.store(flag, 0, 0);
  syncPort.postMessage(request);
  Atomics.wait(flag, 0, 0);
  const reply = receiveReply();
  if (!reply) throw new Error("The engine did not answer a syscall.");
  if (!reply.ok) throw new HostError(reply.error.message, reply.error.data);
  return reply.value;
}

let nextCall = 0;
const calls = new Map<number, { resolve: (value: string) => void; reject: (error: unknown) => void }>();

/** A call answered by the main thread with an asyncResult message. */
function askAsync(request: (callId: number, execId: number) => FromWorker, transfer: ArrayBuffer[] = []): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const callId = ++nextCall;
    calls.set(callId, { resolve, reject });
    port.postMessage(request(callId, current().execId), transfer);
  });
}

function current(): Running {
  const exec = als.getStore();
  if (!exec) throw new Error("Convex syscall outside a function");
  return exec;
}

/** As the main thread's `Convex.asyncSyscall` fails: an Error of this realm, ConvexError data attached. */
const syscallFailure = (error: ErrorPayload) =>
  Object.assign(new Error(error.message), error.data === undefined ? {} : { data: error.data });

/** process.env as read at the environment's current version (workerEnv.ts). */
const env = new WorkerEnv();

/** `first()` / `unique()` streams, read whole in one message (workerQueries.ts). */
const queries = new WorkerQueries((op, args) => ask({ op, args, execId: current().execId }), syscallFailure);

const convex = {
  syscall: (op: string, args: string) => queries.syscall(op, args) ?? ask({ op, args, execId: current().execId }),
  asyncSyscall: (op: string, args: string) =>
    queries.asyncSyscall(op, args) ?? askAsync((callId, execId) => ({ kind: "async", callId, execId, op, args })),
  // An action's files (queries and mutations never make js syscalls).
  jsSyscall: workerJsSyscall((op: string, args: JsSyscallArgs, transfer: ArrayBuffer[]) =>
    askAsync((callId, execId) => ({ kind: "js", callId, execId, op, args }), transfer),
  ),
};

const host = {
  current: () => {
    const exec = als.getStore();
    if (!exec) return undefined;
    // One random stream per top-level execution, shared by its nested calls.
    return {
      type: exec.type,
      startedAt: exec.startedAt,
      monotonicStart: exec.monotonicStart,
      get random() {
        return exec.rng.random;
      },
      set random(r) {
        exec.rng.random = r;
      },
      // Its own marks and measures (userTiming.ts), not its nested calls'.
      get timing() {
        return exec.timing;
      },
      set timing(entries) {
        exec.timing = entries;
      },
    };
  },
  convex,
  log: (level: string, text: string) => port.postMessage({ kind: "log", execId: als.getStore()?.execId ?? null, level, text }),
};
/** A component's own host: its `process.env` is its own (a child sees what its parent passed), kept per environment version (workerEnv.ts). */
const hostFor = (componentPath: string) => ({
  ...host,
  env: (name: string) =>
    env.read(
      `${componentPath}
${name}`,
      () => {
        const value = ask({ op: "env", args: name, execId: null, componentPath });
        return value === "" ? undefined : (JSON.parse(value) as string);
      },
    ),
});

/**
 * Node emits `unhandledRejection` in the async context of the promise (so `als` names the
 * execution that made it) once the microtask queue has drained — the point at which Convex checks
 * its isolate's pending rejections and terminates the execution with the first one
 * (crates/isolate/src/environment/udf/mod.rs and action/mod.rs `UnhandledPromiseRejection`).
 */
reportStrayErrors(
  (message) => port.postMessage(message),
  (reason) => {
    const exec = als.getStore();
    if (!exec || !executions.has(exec.execId)) return false;
    exec.unhandled ??= { reason };
    return true;
  },
);

/**
 * The execution's outcome once Node has processed the rejections of its last microtasks (they are
 * emitted after the queue drains, so one macrotask later): a rejection left unhandled is the
 * execution's error, whatever its handler returned or threw, as on Convex.
 */
async function settle(exec: Running, run: () => Promise<string>): Promise<string> {
  let outcome: { ok: true; raw: string } | { ok: false; thrown: unknown };
  try {
    outcome = { ok: true, raw: await run() };
  } catch (thrown) {
    outcome = { ok: false, thrown };
  }
  await new Promise((resolve) => setImmediate(resolve));
  if (exec.unhandled) throw exec.unhandled.reason;
  if (!outcome.ok) throw outcome.thrown;
  return outcome.raw;
}

installFastDigest();
const components = new Map<string, Map<string, Record<string, unknown>>>();
for (const bundle of data.bundles) {
  // Each component in a context of its own, as the loader evaluates them.
  const exported = evaluateInContext(
    createDefaultRuntime(hostFor(bundle.componentPath)),
    readFileSync(bundle.file, "utf8"),
    bundle.file,
    "__convexModules",
  ) as {
    modules: Record<string, Record<string, unknown>>;
  };
  components.set(bundle.componentPath, new Map(Object.entries(exported.modules)));
}

/** The error as the caller sees it: Convex's "Uncaught …", or a ConvexError's data. */
function payload(thrown: unknown): ErrorPayload {
  if (thrown instanceof HostError) return { message: thrown.message, data: thrown.data, frames: convexFrames(thrown.stack) };
  return functionErrorPayload(thrown);
}

const executions = new Map<number, Running>();
/** HTTP actions running here, by execution: their request and response streams. */
const exchanges = new Map<number, WorkerHttpExchange>();

/** An HTTP action: routed by its component's router (convex/http.ts for the app) as in the server, its response streamed back. */
async function runHttpAction(exec: Running, message: InvokeMessage): Promise<string> {
  const head = message.request;
  const router = components.get(message.componentPath)?.get("http")?.default as HttpRouter | undefined;
  const found = head && router?.lookup(head.route ?? new URL(head.url).pathname, head.method);
  if (!head || !found) throw new HostError(`No HTTP route for '${message.udfPath}'.`, undefined);
  const exchange = new WorkerHttpExchange((part, transfer = []) => port.postMessage({ kind: "http", execId: exec.execId, part }, transfer));
  exchanges.set(exec.execId, exchange);
  try {
    const result = await als.run(exec, async () => {
      const response = await found[0].invokeHttpAction(exchange.request(head));
      // Still the action's own context: reading a body it streams runs its code.
      return await exchange.respond(response);
    });
    return JSON.stringify(result);
  } finally {
    exchanges.delete(exec.execId);
  }
}

port.on("message", (message: ToWorker) => {
  if (message.kind === "asyncResult") {
    const call = calls.get(message.callId);
    calls.delete(message.callId);
    if (!call) return;
    if (message.ok) call.resolve(message.value);
    else call.reject(syscallFailure(message.error));
    return;
  }
  if (message.kind === "http") return exchanges.get(message.execId)?.onPart(message.part);
  env.at(message.envVersion ?? null);
  const parent = message.parentExecId === null ? undefined : executions.get(message.parentExecId);
  const exec: Running = {
    execId: message.execId,
    type: message.type,
    startedAt: message.startedAt,
    monotonicStart: performance.now(),
    rng: parent?.rng ?? {},
  };
  executions.set(exec.execId, exec);
  void (async () => {
    try {
      if (message.type === "http") {
        port.postMessage({ kind: "done", execId: exec.execId, ok: true, raw: await settle(exec, () => runHttpAction(exec, message)) });
        return;
      }
      const fn = components.get(message.componentPath)?.get(message.modulePath)?.[message.exportName] as Registered | undefined;
      const invoke =
        message.type === "query"
          ? fn?.invokeQuery
          : message.type === "mutation"
            ? fn?.invokeMutation
            : fn?.invokeAction && ((args: string) => fn.invokeAction!(message.requestId ?? "", args));
      if (!invoke) throw new HostError(`Could not find function for '${message.udfPath}'.`, undefined);
      const raw = await settle(exec, () => als.run(exec, () => invoke(message.args)));
      port.postMessage({ kind: "done", execId: exec.execId, ok: true, raw });
    } catch (thrown) {
      port.postMessage({ kind: "done", execId: exec.execId, ok: false, error: payload(thrown) });
    } finally {
      executions.delete(exec.execId);
      if (executions.size === 0) queries.clear();
    }
  })();
});

/** This thread's id in the OS (Linux), for the pool to read its CPU time from /proc. */
function threadId(): number | null {
  try {
    return Number(readFileSync("/proc/thread-self/stat", "utf8").split(" ")[0]) || null;
  } catch {
    return null;
  }
}

port.postMessage({ kind: "ready", tid: threadId() });
