/**
 * The WebSocket sync protocol of the `convex` client (`/api/<version>/sync`): query sets,
 * reactive transitions, mutations, actions, authentication and pings.
 */
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { WebSocket } from "ws";
import { FunctionError, toFunctionError, type Engine, type Identity } from "./engine";
import type { AuthVerifier } from "./auth";
import { ClientInputError, parseClientMessage, type ClientMessage } from "./clientInput";

type Version = { querySet: number; identity: number; ts: bigint };
type Subscription = { udfPath: string; componentPath: string; argsJson: string; reads: Set<string>; last: string | null };
/** A query's result as sent: `body` is the QueryUpdated / QueryFailed message's JSON fields without queryId. */
type QueryOutcome = { key: string; reads: Set<string>; body: string };

let lastTs = -1n;
let lastTsText = "";
export function encodeTs(ts: bigint): string {
  if (ts === lastTs) return lastTsText;
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64LE(ts);
  lastTs = ts;
  return (lastTsText = buf.toString("base64"));
}

const versionJson = (v: Version) => `{"querySet":${v.querySet},"identity":${v.identity},"ts":"${encodeTs(v.ts)}"}`;

export class SyncHub {
  readonly sessions = new Set<SyncSession>();
  /** Results of recent mutations per client session, for requests re-sent after a reconnect. */
  readonly mutationResults = new Map<string, Map<number, Promise<Record<string, unknown>>>>();
  commitTs = BigInt(Date.now()) * 1000n;

  constructor(
    readonly engine: Engine,
    readonly auth: AuthVerifier,
  ) {}

  private shared = new Map<string, QueryOutcome | Promise<QueryOutcome>>();
  private sharedTs = -1n;

  /**
   * A query's outcome at the latest commit, serialized once: sessions subscribed to the same
   * query (same arguments, same identity) share one run and one JSON encoding per commit, so a
   * change fanned out to many clients costs one execution, and a repeated query none.
   */
  outcome(componentPath: string, udfPath: string, argsJson: string, identity: Identity): QueryOutcome | Promise<QueryOutcome> {
    if (this.sharedTs !== this.commitTs) {
      this.shared.clear();
      this.sharedTs = this.commitTs;
    }
    // An unambiguous prefix (token identifiers contain "|"), then the arguments as the client sent them.
    const key = JSON.stringify([componentPath, udfPath, identity?.tokenIdentifier ?? null]) + argsJson;
    const known = this.shared.get(key);
    if (known) return known;
    const pending = this.evaluate(componentPath, udfPath, argsJson, identity).then((outcome) => {
      if (this.shared.get(key) === pending) this.shared.set(key, outcome);
      return outcome;
    });
    this.shared.set(key, pending);
    return pending;
  }

  private async evaluate(componentPath: string, udfPath: string, argsJson: string, identity: Identity): Promise<QueryOutcome> {
    try {
      const args = (jsonToConvex(JSON.parse(argsJson)) as Record<string, Value>) ?? {};
      const { value, exec } = await this.engine.run("query", componentPath, udfPath, args, identity, { fromClient: true });
      const valueText = JSON.stringify(convexToJson(value as Value));
      return { key: valueText, reads: exec.reads, body: `"type":"QueryUpdated","value":${valueText},"logLines":${JSON.stringify(exec.logLines)},"journal":null` };
    } catch (thrown) {
      const error = toFunctionError(thrown);
      const data = JSON.stringify(error.data ?? null);
      return { key: `error:${error.message}:${data}`, reads: new Set(["*"]), body: `"type":"QueryFailed","errorMessage":${JSON.stringify(error.message)},"errorData":${data},"logLines":[],"journal":null` };
    }
  }

  nextTs(): bigint {
    const candidate = BigInt(Date.now()) * 1000n;
    this.commitTs = candidate > this.commitTs ? candidate : this.commitTs + 1n;
    return this.commitTs;
  }

  /** After a commit: every session re-runs the queries that read a written table. */
  committed(writes: Set<string>, ts: bigint) {
    for (const session of this.sessions) session.invalidate(writes, ts);
  }

  attach(socket: WebSocket) {
    const session = new SyncSession(this, socket);
    this.sessions.add(session);
    socket.on("close", () => {
      session.closed = true;
      this.sessions.delete(session);
    });
    return session;
  }
}

const DONE = Promise.resolve();
/** Keeps idle clients from reconnecting (the convex client gives up on a server silent for 30 s). */
const PING_INTERVAL_MS = Number(process.env.LOCAL_BACKEND_PING_MS) || 15_000;

export class SyncSession {
  closed = false;
  private version: Version = { querySet: 0, identity: 0, ts: 0n };
  private identity: Identity = null;
  private sessionId = "";
  private subs = new Map<number, Subscription>();
  private chain: Promise<void> = Promise.resolve();
  private idle = true;
  private dirty = new Set<string>();
  private dirtyTs = 0n;
  private refreshQueued = false;
  private ping: NodeJS.Timeout;

  constructor(
    private hub: SyncHub,
    private socket: WebSocket,
  ) {
    socket.on("message", (data) => this.receive(String(data)));
    this.ping = setInterval(() => this.send({ type: "Ping" }), PING_INTERVAL_MS);
    socket.on("close", () => clearInterval(this.ping));
  }

  private send(message: Record<string, unknown>) {
    this.write(JSON.stringify(message));
  }

  private write(text: string) {
    if (!this.closed && this.socket.readyState === 1) this.socket.send(text);
  }

  /**
   * Per-session ordering: everything that changes what the client sees goes through here.
   * When the session is idle the job starts at once, and a job that finishes synchronously
   * (a query set served from cached outcomes) leaves it idle.
   */
  private enqueue(job: () => void | Promise<void>): Promise<void> {
    const fail = (error: unknown) => {
      this.send({ type: "FatalError", error: String((error as Error)?.message ?? error) });
      this.socket.close(1011, "InternalServerError");
    };
    if (!this.idle) return this.track(this.chain.then(job).catch(fail));
    try {
      const result = job();
      if (!(result instanceof Promise)) return DONE;
      this.idle = false;
      return this.track(result.catch(fail));
    } catch (error) {
      fail(error);
      return DONE;
    }
  }

  private track(run: Promise<void>): Promise<void> {
    const tail: Promise<void> = run.then(() => {
      if (this.chain === tail) this.idle = true;
    });
    return (this.chain = tail);
  }

  /** Settles once every Authenticate received so far is applied: requests run as the identity sent before them. */
  private authApplied: Promise<void> = Promise.resolve();

  /**
   * One frame from the client. Anything that is not a well-formed message of the protocol
   * (not JSON, `null`, an unknown type, a field of the wrong type) is a FatalError and the
   * connection is closed: the client reconnects with a clean slate, the server carries on.
   */
  private receive(raw: string) {
    let message: ClientMessage;
    try {
      message = parseClientMessage(raw);
    } catch (error) {
      const reason = error instanceof ClientInputError ? error.message : "Malformed message";
      this.send({ type: "FatalError", error: reason });
      this.socket.close(1002, "Malformed message");
      return;
    }
    switch (message.type) {
      case "Connect":
        this.sessionId = message.sessionId;
        return;
      case "ModifyQuerySet":
        return void this.enqueue(() => this.modifyQuerySet(message));
      case "Authenticate":
        this.authApplied = this.enqueue(() => this.authenticate(message));
        return;
      case "Mutation":
        return void this.mutation(message);
      case "Action":
        return void this.action(message);
      case "Event":
        return;
      default: {
        const unreachable: never = message;
        return void unreachable;
      }
    }
  }

  /** The query's current outcome; cached outcomes come back without waiting. */
  private outcome(sub: Subscription): QueryOutcome | Promise<QueryOutcome> {
    return this.hub.outcome(sub.componentPath, sub.udfPath, sub.argsJson, this.identity);
  }

  /** Records what the query read and returned; the modification to send, or null if `onlyChanged` and it did not change. */
  private update(queryId: number, sub: Subscription, outcome: QueryOutcome, onlyChanged: boolean): string | null {
    sub.reads = outcome.reads;
    const changed = outcome.key !== sub.last;
    sub.last = outcome.key;
    return changed || !onlyChanged ? `{"queryId":${queryId},${outcome.body}}` : null;
  }

  private transition(next: Version, modifications: string[]) {
    const start = this.version;
    this.version = next;
    this.write(
      `{"type":"Transition","startVersion":${versionJson(start)},"endVersion":${versionJson(next)},"modifications":[${modifications.join(",")}],"serverTs":${Date.now()}}`,
    );
  }

  /** Synchronous when every added query's outcome is cached at the current commit. */
  private modifyQuerySet(message: Record<string, any>): void | Promise<void> {
    if (message.baseVersion !== this.version.querySet) throw new Error("Query set version mismatch");
    const parts: Array<string | Promise<string>> = [];
    for (const mod of message.modifications as Array<Record<string, any>>) {
      if (mod.type === "Add") {
        const queryId = Number(mod.queryId);
        const sub: Subscription = { udfPath: String(mod.udfPath), componentPath: String(mod.componentPath ?? ""), argsJson: JSON.stringify(mod.args?.[0] ?? {}), reads: new Set(), last: null };
        this.subs.set(queryId, sub);
        const outcome = this.outcome(sub);
        parts.push(outcome instanceof Promise ? outcome.then((o) => this.update(queryId, sub, o, false)!) : this.update(queryId, sub, outcome, false)!);
      } else if (mod.type === "Remove") {
        this.subs.delete(mod.queryId);
        parts.push(`{"type":"QueryRemoved","queryId":${Number(mod.queryId)}}`);
      }
    }
    const finish = (modifications: string[]) => this.transition({ ...this.version, querySet: message.newVersion, ts: this.maxTs() }, modifications);
    if (parts.every((part) => typeof part === "string")) return finish(parts as string[]);
    return Promise.all(parts).then(finish);
  }

  private maxTs() {
    return this.version.ts > this.hub.commitTs ? this.version.ts : this.hub.commitTs;
  }

  private async authenticate(message: Record<string, any>) {
    if (message.baseVersion !== this.version.identity) throw new Error("Identity version mismatch");
    if (message.tokenType === "User") {
      try {
        this.identity = await this.hub.auth.verify(String(message.value));
      } catch (error) {
        this.send({ type: "AuthError", error: (error as Error).message, baseVersion: message.baseVersion, authUpdateAttempted: true });
        return;
      }
    } else if (message.tokenType === "None") {
      this.identity = null;
    } else {
      this.send({ type: "AuthError", error: "Admin authentication is not supported by the local backend.", baseVersion: message.baseVersion, authUpdateAttempted: true });
      return;
    }
    const modifications: string[] = [];
    for (const [queryId, sub] of this.subs) {
      const modification = this.update(queryId, sub, await this.outcome(sub), true);
      if (modification) modifications.push(modification);
    }
    this.transition({ ...this.version, identity: message.baseVersion + 1, ts: this.maxTs() }, modifications);
  }

  /** Marks tables written at `ts`; one refresh runs per burst of commits. */
  invalidate(writes: Set<string>, ts: bigint) {
    for (const t of writes) this.dirty.add(t);
    if (ts > this.dirtyTs) this.dirtyTs = ts;
    if (!this.refreshQueued) {
      this.refreshQueued = true;
      this.enqueue(() => this.refresh(false));
    }
  }

  private async refresh(always: boolean) {
    this.refreshQueued = false;
    const dirty = this.dirty;
    const ts = this.dirtyTs > this.hub.commitTs ? this.dirtyTs : this.hub.commitTs;
    this.dirty = new Set();
    const modifications: string[] = [];
    for (const [queryId, sub] of this.subs) {
      if (!dirty.has("*") && ![...sub.reads].some((t) => t === "*" || dirty.has(t))) continue;
      const modification = this.update(queryId, sub, await this.outcome(sub), true);
      if (modification) modifications.push(modification);
    }
    if (modifications.length > 0 || always || ts > this.version.ts) {
      this.transition({ ...this.version, ts: ts > this.version.ts ? ts : this.version.ts }, modifications);
    }
  }

  private async mutation(message: Record<string, any>) {
    const requestId = Number(message.requestId);
    let results = this.hub.mutationResults.get(this.sessionId);
    if (!results) this.hub.mutationResults.set(this.sessionId, (results = new Map()));
    await this.authApplied;
    let outcome = results.get(requestId);
    if (!outcome) {
      outcome = this.runMutation(message);
      results.set(requestId, outcome);
      if (results.size > 1000) results.delete(results.keys().next().value as number);
    }
    const response = await outcome;
    this.enqueue(async () => {
      this.send(response);
      if (response.success) await this.refresh(true);
    });
  }

  private async runMutation(message: Record<string, any>): Promise<Record<string, unknown>> {
    try {
      const args = jsonToConvex((message.args as JSONValue[])[0] ?? {}) as Record<string, Value>;
      const { value, exec } = await this.hub.engine.run("mutation", message.componentPath ?? "", message.udfPath, args, this.identity, { fromClient: true });
      const ts = exec.commitTs ?? this.hub.commitTs;
      return { type: "MutationResponse", requestId: message.requestId, success: true, result: convexToJson(value), ts: encodeTs(ts), logLines: exec.logLines };
    } catch (thrown) {
      const error = toFunctionError(thrown);
      return failure("MutationResponse", message.requestId, error);
    }
  }

  private async action(message: Record<string, any>) {
    await this.authApplied;
    let response: Record<string, unknown>;
    try {
      const args = jsonToConvex((message.args as JSONValue[])[0] ?? {}) as Record<string, Value>;
      const { value, exec } = await this.hub.engine.run("action", message.componentPath ?? "", message.udfPath, args, this.identity, { fromClient: true });
      response = { type: "ActionResponse", requestId: message.requestId, success: true, result: convexToJson(value), logLines: exec.logLines };
    } catch (thrown) {
      response = failure("ActionResponse", message.requestId, toFunctionError(thrown));
    }
    this.enqueue(async () => this.send(response));
  }
}

function failure(type: string, requestId: unknown, error: FunctionError) {
  return {
    type,
    requestId,
    success: false,
    result: error.message,
    logLines: [],
    ...(error.data === undefined ? {} : { errorData: error.data }),
  };
}
