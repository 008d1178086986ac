/**
 * The WebSocket sync protocol of the `convex` client (`/api/<version>/sync`): query sets,
 * reactive transitions, mutations, actions, authentication and pings.
 */
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { WebSocket } from "ws";
import { FunctionError, toFunctionError, type Engine, type Identity } from "./engine";
import type { AuthVerifier } from "./auth";

type Version = { querySet: number; identity: number; ts: bigint };
type Subscription = { udfPath: string; componentPath: string; args: Record<string, Value>; reads: Set<string>; last: string | null };
type Modification = Record<string, unknown>;

export function encodeTs(ts: bigint): string {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64LE(ts);
  return buf.toString("base64");
}

const encodeVersion = (v: Version) => ({ querySet: v.querySet, identity: v.identity, ts: encodeTs(v.ts) });

export class SyncHub {
  readonly sessions = new Set<SyncSession>();
  /** Results of recent mutations per client session, for requests re-sent after a reconnect. */
  readonly mutationResults = new Map<string, Map<number, Promise<Record<string, unknown>>>>();
  commitTs = BigInt(Date.now()) * 1000n;

  constructor(
    readonly engine: Engine,
    readonly auth: AuthVerifier,
  ) {}

  private shared = new Map<string, ReturnType<Engine["run"]>>();
  private sharedTs = -1n;

  /**
   * Sessions subscribed to the same query (same arguments, same identity) share one run
   * per commit: a change fanned out to many clients costs one execution, not one each.
   */
  runQuery(componentPath: string, udfPath: string, args: Record<string, Value>, identity: Identity) {
    if (this.sharedTs !== this.commitTs) {
      this.shared.clear();
      this.sharedTs = this.commitTs;
    }
    const key = JSON.stringify([componentPath, udfPath, convexToJson(args), identity?.tokenIdentifier ?? null]);
    let run = this.shared.get(key);
    if (!run) {
      run = this.engine.run("query", componentPath, udfPath, args, identity, { fromClient: true });
      this.shared.set(key, run);
      run.catch(() => this.shared.delete(key));
    }
    return run;
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

export class SyncSession {
  closed = false;
  private version: Version = { querySet: 0, identity: 0, ts: 0n };
  private identity: Identity = null;
  private sessionId = "";
  private subs = new Map<number, Subscription>();
  private chain: Promise<void> = Promise.resolve();
  private dirty = new Set<string>();
  private dirtyTs = 0n;
  private refreshQueued = false;
  private ping: NodeJS.Timeout;

  constructor(
    private hub: SyncHub,
    private socket: WebSocket,
  ) {
    socket.on("message", (data) => this.receive(String(data)));
    this.ping = setInterval(() => this.send({ type: "Ping" }), 15_000);
    socket.on("close", () => clearInterval(this.ping));
  }

  private send(message: Record<string, unknown>) {
    if (!this.closed && this.socket.readyState === 1) this.socket.send(JSON.stringify(message));
  }

  /** Per-session ordering: everything that changes what the client sees goes through here. */
  private enqueue(job: () => Promise<void>): Promise<void> {
    return (this.chain = this.chain.then(job).catch((error) => {
      this.send({ type: "FatalError", error: String((error as Error)?.message ?? error) });
      this.socket.close(1011, "InternalServerError");
    }));
  }

  /** Settles once every Authenticate received so far is applied: requests run as the identity sent before them. */
  private authApplied: Promise<void> = Promise.resolve();

  private receive(raw: string) {
    let message: Record<string, any>;
    try {
      message = JSON.parse(raw);
    } catch {
      this.send({ type: "FatalError", error: "Malformed message" });
      return;
    }
    switch (message.type) {
      case "Connect":
        this.sessionId = String(message.sessionId);
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
      default:
        this.send({ type: "FatalError", error: `Unknown message type ${String(message.type)}` });
    }
  }

  private async runQuery(sub: Subscription): Promise<Modification & { changed: boolean }> {
    try {
      const { value, exec } = await this.hub.runQuery(sub.componentPath, sub.udfPath, sub.args, this.identity);
      sub.reads = exec.reads;
      const json = convexToJson(value as Value);
      const key = JSON.stringify(json);
      const changed = key !== sub.last;
      sub.last = key;
      return { type: "QueryUpdated", value: json, logLines: exec.logLines, journal: null, changed };
    } catch (thrown) {
      const error = toFunctionError(thrown);
      const key = `error:${error.message}:${JSON.stringify(error.data ?? null)}`;
      const changed = key !== sub.last;
      sub.last = key;
      sub.reads = new Set(["*"]);
      return { type: "QueryFailed", errorMessage: error.message, errorData: error.data ?? null, logLines: [], journal: null, changed };
    }
  }

  private transition(next: Version, modifications: Modification[]) {
    const start = this.version;
    this.version = next;
    this.send({
      type: "Transition",
      startVersion: encodeVersion(start),
      endVersion: encodeVersion(next),
      modifications,
      serverTs: Date.now(),
    });
  }

  private async modifyQuerySet(message: Record<string, any>) {
    if (message.baseVersion !== this.version.querySet) throw new Error("Query set version mismatch");
    const modifications: Modification[] = [];
    for (const mod of message.modifications as Array<Record<string, any>>) {
      if (mod.type === "Add") {
        const sub: Subscription = {
          udfPath: mod.udfPath,
          componentPath: mod.componentPath ?? "",
          args: (jsonToConvex(mod.args[0] ?? {}) as Record<string, Value>) ?? {},
          reads: new Set(),
          last: null,
        };
        this.subs.set(mod.queryId, sub);
        const { changed: _, ...result } = await this.runQuery(sub);
        modifications.push({ ...result, queryId: mod.queryId });
      } else if (mod.type === "Remove") {
        this.subs.delete(mod.queryId);
        modifications.push({ type: "QueryRemoved", queryId: mod.queryId });
      }
    }
    this.transition({ ...this.version, querySet: message.newVersion, ts: this.maxTs() }, modifications);
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
    const modifications: Modification[] = [];
    for (const [queryId, sub] of this.subs) {
      const { changed, ...result } = await this.runQuery(sub);
      if (changed) modifications.push({ ...result, queryId });
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
    const modifications: Modification[] = [];
    for (const [queryId, sub] of this.subs) {
      if (!dirty.has("*") && ![...sub.reads].some((t) => t === "*" || dirty.has(t))) continue;
      const { changed, ...result } = await this.runQuery(sub);
      if (changed) modifications.push({ ...result, queryId });
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
