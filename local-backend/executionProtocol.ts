/**
 * Messages between the engine (main thread) and the workers of its execution pools: executor.ts
 * (queries and mutations in the default runtime) and nodeExecutor.ts ("use node" actions).
 */
import type { MessagePort } from "node:worker_threads";

/** A function's error: Convex's message, a ConvexError's data, the source-mapped stack frames (stackFrames.ts). */
export type ErrorPayload = { message: string; data?: unknown; frames?: string };

/** A default-runtime bundle of one component (isolate.js), or one "use node" module of it (.mjs). */
export type WorkerBundle = { componentPath: string; file: string; module?: string };

export type WorkerData = {
  bundles: WorkerBundle[];
  /** Sync syscalls: the worker posts here and waits on `flag` until the answer is posted back. */
  syncPort: MessagePort;
  flag: SharedArrayBuffer;
};

export type InvokeMessage = {
  kind: "invoke";
  execId: number;
  /** The execution this one is nested in (a component's function), whose random stream it shares. */
  parentExecId: number | null;
  type: "query" | "mutation" | "action" | "http";
  componentPath: string;
  udfPath: string;
  modulePath: string;
  exportName: string;
  /** JSON of `[args]`, as `invokeQuery` / `invokeMutation` take it. */
  args: string;
  startedAt: number;
  /** An action's request id (`invokeAction(requestId, args)`). */
  requestId?: string;
  /** A "use node" action's process.env: the deployment variables now. */
  env?: Record<string, string>;
  /** An HTTP action's request (its body, if any, streamed by `http` messages). */
  request?: HttpRequestHead;
  /** The environment's version now (FunctionEnv.version): values the worker read at this version still hold. */
  envVersion?: number | null;
};

/**
 * An HTTP action's request as the site server received it; the worker routes `route` (the path the
 * site server routed to this component, httpRouting.ts) with that component's router.
 */
export type HttpRequestHead = { url: string; method: string; headers: Array<[string, string]>; hasBody: boolean; route?: string };

/** A stored file's byte range as an HTTP action's response body: sent from disk by the site server. */
export type FileRange = { path: string; start: number; end: number };

/**
 * An HTTP action's streams, engine → worker: the request body's bytes, each chunk answering one
 * `pullRequest`; and the site server giving up on the response body.
 */
export type HttpToWorker =
  | { type: "requestChunk"; bytes: ArrayBuffer }
  | { type: "requestEnd" }
  | { type: "requestError"; message: string }
  | { type: "cancelResponse" };

/**
 * An HTTP action's response head. A body of none or a stored file's range comes back as the
 * execution's result (JSON), so the worker is free the moment the response is known; a streamed
 * body's head comes as a `head` part, its chunks follow, and the execution's end is the body's end.
 */
export type HttpResponseHead = {
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  body: "none" | "stream" | FileRange;
};

/** Worker → engine: the request body wanted or dropped; a streamed response's head, then its body chunk by chunk as the action makes it. */
export type HttpFromWorker =
  | { type: "pullRequest" }
  | { type: "cancelRequest" }
  | ({ type: "head" } & HttpResponseHead)
  | { type: "chunk"; bytes: ArrayBuffer }
  | { type: "error"; message: string };

export type ToWorker =
  | InvokeMessage
  | ({ kind: "asyncResult"; callId: number } & ({ ok: true; value: string } | { ok: false; error: ErrorPayload }))
  | { kind: "http"; execId: number; part: HttpToWorker };

export type FromWorker =
  | { kind: "ready"; tid: number | null }
  | { kind: "log"; execId: number | null; level: string; text: string }
  | { kind: "async"; callId: number; execId: number; op: string; args: string }
  /** A "use node" action's `Convex.jsSyscall`: storing a file (its bytes) or reading one (answered with where it lies). */
  | { kind: "js"; callId: number; execId: number; op: string; args: JsSyscallArgs }
  | { kind: "http"; execId: number; part: HttpFromWorker }
  | ({ kind: "done"; execId: number } & ({ ok: true; raw: string } | { ok: false; error: ErrorPayload }));

/** A syscall answered at once; `env` names the component whose `process.env` is read. */
export type SyncRequest = { op: string; args: string; execId: number | null; componentPath?: string };
export type SyncReply = { ok: true; value: string } | { ok: false; error: ErrorPayload };

export type JsSyscallArgs = { bytes?: ArrayBuffer; type?: string; storageId?: string };
/** The answer to `storage/getBlob`: the stored file's bytes on disk, for the worker's own FileBlob. */
export type StoredFile = { path: string; size: number; contentType: string } | null;
