/**
 * Convex's default runtime, reproduced with `node:vm`: modules without "use node" run in a
 * context whose globals are the ones Convex's isolate installs (npm-packages/udf-runtime/src/
 * setup.ts and its 00_…–27_… files) and nothing else — no `Buffer`, `require`, `global`,
 * `setImmediate`, `process.cwd`. The Web APIs themselves are Node's, handed in one by one.
 *
 * Queries and mutations are deterministic as on Convex (crates/isolate/src/environment/udf/):
 * `Date.now()` / `new Date()` are the execution's start time, `Math.random` and
 * `crypto.getRandomValues` / `randomUUID` draw from a stream seeded per execution, and
 * timers, `fetch()` and key generation throw Convex's `not_allowed_in_udf` message.
 */
import { createCipheriv, randomBytes } from "node:crypto";
import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import vm from "node:vm";
import { ConsoleTimers, logMessage } from "./logFormat";
import { existsSync, readFileSync } from "node:fs";
import { registerSourceMap } from "./stackFrames";
import { userTiming, type EntryFields } from "./userTiming";

/** What the runtime needs to know about the running function, if any. */
export type RuntimeExec = {
  type: "query" | "mutation" | "action" | "http";
  /** Date.now() for the whole of a query or mutation (crates/isolate/src/ops/time.rs op_now). */
  startedAt?: number;
  /** The host's performance.now() when the execution began on this thread (a mutation's performance.now() moves from it). */
  monotonicStart?: number;
  random?: SeededRandom;
  /** Its performance.mark / measure entries (userTiming.ts). */
  timing?: EntryFields[];
};

export type RuntimeHost = {
  current(): RuntimeExec | undefined;
  convex: Record<string, unknown>;
  log(level: string, text: string): void;
  /** process.env as functions see it. */
  env(name: string): string | undefined;
};

/**
 * A deterministic byte stream per execution, as Convex seeds ChaCha12 per execution: AES-256-CTR
 * keyed by a random seed (unpredictable from outside, the same stream for one seed).
 */
export class SeededRandom {
  private readonly cipher;
  constructor(seed: Uint8Array = randomBytes(32)) {
    this.cipher = createCipheriv("aes-256-ctr", seed, Buffer.alloc(16));
  }
  bytes(n: number): Uint8Array {
    return this.cipher.update(Buffer.alloc(n));
  }
  /** A float in [0, 1) from 53 random bits. */
  float(): number {
    const b = this.bytes(8);
    const hi = (b[0] << 13) | (b[1] << 5) | (b[2] >>> 3); // 21 bits
    const lo = ((b[3] << 24) | (b[4] << 16) | (b[5] << 8) | b[6]) >>> 0; // 32 bits
    return (hi * 2 ** 32 + lo) / 2 ** 53;
  }
}

/** User Timing entries kept for a context outside its executions (module load, stray callbacks). */
const OUTSIDE_MARKS = 1000;

const isDeterministic = (exec: RuntimeExec | undefined): exec is RuntimeExec => exec?.type === "query" || exec?.type === "mutation";

/** crates/isolate/src/environment/udf/mod.rs `not_allowed_in_udf`. */
export function notAllowedInUdf(description: string): Error {
  return new Error(
    `Can't use ${description} in queries and mutations. Please consider using an action. See https://docs.convex.dev/functions/actions for more details.`,
  );
}

/** Date patched as udf-runtime/src/setup.ts `setupDate` does, evaluated inside the context. */
const DATE_SHIM = `(function (now) {
  const OriginalDate = globalThis.Date;
  function Date(...args) {
    if (!new.target) return new Date().toString();
    if (args.length === 0) return new OriginalDate(now());
    return new OriginalDate(...args);
  }
  Date.now = function now_() { return now(); };
  Date.parse = OriginalDate.parse;
  Date.UTC = OriginalDate.UTC;
  Date.prototype = OriginalDate.prototype;
  Date.prototype.constructor = Date;
  globalThis.Date = Date;
})`;

/** The typed-array family is shared with the host so Web APIs' bytes pass `instanceof` checks. */
const SHARED_INTRINSICS = [
  "ArrayBuffer",
  "DataView",
  "Uint8Array",
  "Int8Array",
  "Uint16Array",
  "Int16Array",
  "Uint32Array",
  "Int32Array",
  "Float32Array",
  "Float64Array",
  "Uint8ClampedArray",
  "BigUint64Array",
  "BigInt64Array",
] as const;

/** Web APIs Convex's default runtime installs, taken from Node as they are. */
const WEB_GLOBALS = [
  "URL",
  "URLSearchParams",
  "DOMException",
  "Event",
  "EventTarget",
  "structuredClone",
  "AbortController",
  "AbortSignal",
  "ReadableStream",
  "ReadableStreamBYOBReader",
  "ReadableStreamDefaultReader",
  "TransformStream",
  "WritableStream",
  "WritableStreamDefaultWriter",
  "TextDecoder",
  "TextDecoderStream",
  "TextEncoder",
  "TextEncoderStream",
  "atob",
  "btoa",
  "Blob",
  "File",
  "Headers",
  "FormData",
  "Request",
  "Response",
  "Crypto",
  "SubtleCrypto",
  "CryptoKey",
] as const;

export function createDefaultRuntime(host: RuntimeHost): vm.Context {
  const g = globalThis as unknown as Record<string, unknown>;
  // Convex starts V8 with `--disallow-code-generation-from-strings` (crates/isolate/src/client.rs):
  // `eval` and `new Function` throw V8's own EvalError there, as they do here.
  const context = vm.createContext({}, { codeGeneration: { strings: false, wasm: true } });
  const global = vm.runInContext("globalThis", context) as Record<string, unknown>;
  for (const name of SHARED_INTRINSICS) global[name] = g[name];
  for (const name of WEB_GLOBALS) if (g[name] !== undefined) global[name] = g[name];
  global.self = global;
  global.Convex = host.convex;
  global.AsyncLocalStorage = AsyncLocalStorage;
  global.AsyncResource = AsyncResource;

  const now = () => {
    const exec = host.current();
    return isDeterministic(exec) && exec.startedAt !== undefined ? exec.startedAt : Date.now();
  };
  (vm.runInContext(DATE_SHIM, context) as (now: () => number) => void)(now);
  const contextMath = global.Math as { random: () => number };
  contextMath.random = function random() {
    const exec = host.current();
    return isDeterministic(exec) ? (exec.random ??= new SeededRandom()).float() : Math.random();
  };

  global.crypto = udfCrypto(host);
  // crates/isolate/src/environment/helpers/performance.rs: a query's now() is fixed at the
  // execution's start; a mutation's starts there and moves with elapsed (monotonic) time, while
  // its Date.now() stays fixed (udf/mod.rs performance_now: now_fixed / now_incrementing).
  const performanceNow = () => {
    const exec = host.current();
    if (!isDeterministic(exec)) return performance.now();
    const atStart = now() - performance.timeOrigin;
    return exec.type === "mutation" && exec.monotonicStart !== undefined ? atStart + (performance.now() - exec.monotonicStart) : atStart;
  };
  // Marks made outside any execution (module load, a callback left running) stay with the
  // context, which outlives executions here: the latest OUTSIDE_MARKS of them are kept.
  const outsideExecutions: EntryFields[] = [];
  const timing = userTiming(performanceNow, performance.timeOrigin, () => {
    const exec = host.current();
    if (exec) return (exec.timing ??= []);
    if (outsideExecutions.length >= OUTSIDE_MARKS) outsideExecutions.splice(0, outsideExecutions.length - OUTSIDE_MARKS + 1);
    return outsideExecutions;
  });
  for (const [name, value] of Object.entries(timing))
    Object.defineProperty(global, name, {
      value,
      enumerable: name === "performance",
      configurable: true,
      writable: name === "performance",
    });
  Object.assign(global, timers(host));
  global.fetch = async function fetch(input: RequestInfo | URL, init?: RequestInit) {
    // crates/isolate/src/environment/async_op.rs: Fetch → "fetch()"; udf-runtime/src/26_fetch.ts
    // is an async function, so the refusal is a rejected promise, not a throw.
    if (isDeterministic(host.current())) throw notAllowedInUdf("fetch()");
    return await globalThis.fetch(input, init);
  };
  global.console = consoleFor(host);
  global.process = { env: envProxy(host) };
  global.Request = withConvexFormData(globalThis.Request, host);
  global.Response = withConvexFormData(globalThis.Response, host);
  return context;
}

/**
 * Why `formData()` cannot decode a body with this Content-Type, in udf-runtime/src/21_formdata.ts
 * `parseFormData`'s words, or null. A multipart body is parsed by an async op there
 * (crates/isolate/src/environment/async_op.rs ParseMultiPart, "formData()"), which a query or
 * mutation may not start (udf/mod.rs `start_async_op` → not_allowed_in_udf); a urlencoded body is
 * parsed by a sync op and decodes everywhere.
 */
export function formDataRefusal(contentType: string | null, deterministic: boolean): Error | null {
  if (contentType === null) return new TypeError("Missing content type");
  const [essence, ...params] = contentType.split(";").map((part) => part.trim());
  if (!/^[!#$%&'*+.^\w`|~-]+\/[!#$%&'*+.^\w`|~-]+$/.test(essence)) return new TypeError("Invalid content type");
  switch (essence.toLowerCase()) {
    case "multipart/form-data":
      if (!params.some((param) => /^boundary=./i.test(param)))
        return new TypeError("Missing boundary parameter in mime type of multipart formdata.");
      return deterministic ? notAllowedInUdf("formData()") : null;
    case "application/x-www-form-urlencoded":
      return null;
    default:
      return new TypeError("Body cannot be decoded as form data");
  }
}

/** The host's Request or Response with Convex's `formData()` checks first (copies from clone() included). */
function withConvexFormData<C extends typeof Request | typeof Response>(Base: C, host: RuntimeHost): C {
  const Checked = class extends (Base as typeof Request) {
    override async formData(): Promise<FormData> {
      const refusal = formDataRefusal(this.headers.get("content-type"), isDeterministic(host.current()));
      if (!refusal) return await super.formData();
      // As `_markBodyUsed("formData")` does before Convex parses: the body is spent either way.
      if (!this.bodyUsed) await this.arrayBuffer().catch(() => undefined);
      throw refusal;
    }
    override clone(): Request {
      return Object.setPrototypeOf(super.clone(), Checked.prototype) as Request;
    }
  };
  Object.defineProperty(Checked, "name", { value: Base.name });
  return Checked as unknown as C;
}

/**
 * Convex's `process.env`: a proxy answering each name (udf-runtime setup.ts `setupMisc`). It has
 * only a `get` trap there, so a write lands on its empty target, which no read consults: writes
 * do not throw and change nothing. (Here the write is dropped rather than kept on the target, as
 * this context outlives the execution.)
 */
function envProxy(host: RuntimeHost) {
  const ignore = (): boolean => true;
  return new Proxy({} as Record<string, string>, {
    get(target, prop, receiver) {
      if (typeof prop !== "string") return Reflect.get(target, prop, receiver);
      const value = host.env(prop);
      if (value === undefined && prop === "inspect") return () => "[process.env]";
      return value;
    },
    set: ignore,
    defineProperty: ignore,
    deleteProperty: ignore,
  });
}

function udfCrypto(host: RuntimeHost) {
  const hostCrypto = globalThis.crypto;
  const hostSubtle = hostCrypto.subtle;
  const subtle = Object.create(Object.getPrototypeOf(hostSubtle)) as SubtleCrypto;
  for (const method of [
    "encrypt",
    "decrypt",
    "sign",
    "verify",
    "digest",
    "generateKey",
    "deriveKey",
    "deriveBits",
    "importKey",
    "exportKey",
    "wrapKey",
    "unwrapKey",
  ] as const) {
    Object.defineProperty(subtle, method, {
      value: (...args: unknown[]) => {
        // crates/isolate/src/ops/subtle_crypto/mod.rs: generateKey draws on crypto_rng, which
        // queries and mutations do not have (environment/udf/mod.rs `crypto_rng`).
        if (method === "generateKey" && isDeterministic(host.current())) return Promise.reject(notAllowedInUdf("cryptographic randomness"));
        return (hostSubtle[method] as (...a: unknown[]) => unknown).apply(hostSubtle, args);
      },
    });
  }
  const crypto = Object.create(Object.getPrototypeOf(hostCrypto)) as Crypto;
  Object.defineProperties(crypto, {
    subtle: { get: () => subtle },
    getRandomValues: {
      value: <T extends ArrayBufferView>(array: T): T => {
        const exec = host.current();
        if (!isDeterministic(exec)) return hostCrypto.getRandomValues(array as unknown as Uint8Array) as unknown as T;
        if (!ArrayBuffer.isView(array) || array instanceof Float32Array || array instanceof Float64Array || array instanceof DataView) {
          throw new DOMException("The provided ArrayBufferView is not an integer array type", "TypeMismatchError");
        }
        // crates/isolate/src/ops/crypto.rs op_crypto_get_random_values.
        if (array.byteLength > 65536)
          throw new TypeError(`Byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`);
        new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set((exec.random ??= new SeededRandom()).bytes(array.byteLength));
        return array;
      },
    },
    randomUUID: {
      value: (): string => {
        const exec = host.current();
        if (!isDeterministic(exec)) return hostCrypto.randomUUID();
        const b = (exec.random ??= new SeededRandom()).bytes(16);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
        return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      },
    },
  });
  return crypto;
}

/** udf-runtime/src/02_timers.ts: numeric ids; the sleep op is refused in queries and mutations. */
function timers(host: RuntimeHost) {
  const active = new Map<number, ReturnType<typeof setTimeout>>();
  let nextId = 1;
  const start = (name: "setTimeout" | "setInterval", handler: unknown, ms: unknown, args: unknown[]) => {
    if (isDeterministic(host.current())) {
      // Convex's timer returns its id and leaves its refused sleep op's promise rejected
      // (`void performAsyncOp("sleep", …)`), which fails the execution once its microtasks have
      // run (executor.ts): a try/catch around the call does not save it there either.
      void Promise.reject(notAllowedInUdf(name));
      return nextId++;
    }
    if (typeof handler !== "function")
      throw new Error(
        `Not implemented: code string argument for ${name}. Consider calling an action defined in Node.js instead (https://docs.convex.dev/functions/actions).`,
      );
    const id = nextId++;
    const delay = Math.max(0, Number(ms) || 0);
    const run = () => {
      if (name === "setTimeout") active.delete(id);
      (handler as (...a: unknown[]) => void)(...args);
    };
    active.set(id, name === "setTimeout" ? setTimeout(run, delay) : setInterval(run, delay));
    return id;
  };
  const clear = (id: unknown) => {
    const timer = active.get(Number(id));
    if (timer !== undefined) clearTimeout(timer);
    active.delete(Number(id));
  };
  return {
    setTimeout: (handler: unknown, ms?: unknown, ...args: unknown[]) => start("setTimeout", handler, ms, args),
    setInterval: (handler: unknown, ms?: unknown, ...args: unknown[]) => start("setInterval", handler, ms, args),
    clearTimeout: clear,
    clearInterval: clear,
  };
}

function consoleFor(host: RuntimeHost) {
  const counts = new Map<string, number>();
  // One set of timers per context (Convex keeps them per execution).
  const timers = new ConsoleTimers((level, text) => host.log(level, text));
  const emit =
    (level: string) =>
    (...args: unknown[]) =>
      host.log(level, logMessage(args));
  return {
    log: emit("LOG"),
    info: emit("INFO"),
    warn: emit("WARN"),
    error: emit("ERROR"),
    debug: emit("DEBUG"),
    trace: (...args: unknown[]) => host.log("ERROR", `${logMessage(args)}\n${new Error().stack?.split("\n").slice(2).join("\n") ?? ""}`),
    assert: (condition: unknown, ...args: unknown[]) => {
      if (!condition) host.log("ERROR", args.length ? `Assertion failed: ${logMessage(args)}` : "Assertion failed");
    },
    count: (label = "default") => {
      const n = (counts.get(label) ?? 0) + 1;
      counts.set(label, n);
      host.log("INFO", `${label}: ${n}`);
    },
    countReset: (label = "default") => void counts.delete(label),
    time: (label?: unknown) => timers.time(label),
    timeLog: (label?: unknown, ...args: unknown[]) => timers.timeLog(label, args),
    timeEnd: (label?: unknown) => timers.timeEnd(label),
    table: emit("LOG"),
    dir: emit("LOG"),
  };
}

/** Evaluates a script (an esbuild IIFE bundle) in the context; returns the global it assigns. */
export function evaluateInContext(context: vm.Context, code: string, filename: string, globalName: string): unknown {
  // Its source map, if it has one, maps the frames of errors it throws (stackFrames.ts).
  if (existsSync(`${filename}.map`)) registerSourceMap(filename, readFileSync(`${filename}.map`, "utf8"));
  new vm.Script(code, { filename }).runInContext(context);
  return (vm.runInContext("globalThis", context) as Record<string, unknown>)[globalName];
}
