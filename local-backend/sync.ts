/**
 * The WebSocket sync protocol of the `convex` client (`/api/<version>/sync`): query sets,
 * reactive transitions, mutations, actions, authentication and pings.
 */
import { createHash } from "node:crypto";
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import type { RawData, WebSocket } from "ws";
import type { Engine } from "./engine";
import type { Identity } from "./exec";
import { clientMessage, FunctionError, toFunctionError } from "./functionError";
import { SystemError } from "./systemErrors";
import type { AuthVerifier } from "./auth";
import { ClientInputError, parseClientMessage, type ClientMessage } from "./clientInput";

/** One kind of client message, as parsed and checked by clientInput.ts. */
type MessageOf<T extends ClientMessage["type"]> = Extract<ClientMessage, { type: T }>;
import { MutationLog, type MutationResponse } from "./mutationLog";
import { PendingBudget, type ConnectionBudget } from "./pendingBudget";
import { ReadSet, WriteSet } from "./readSet";
import { actingAsIdentity, AdminKeyError, type AdminAuth } from "./adminAuth";
import { isSystemPath, runSystemFunction, type SystemDeps } from "./systemFunctions";
import { journalOf } from "./querySyscalls";
import {
  MAX_PENDING_BYTES,
  MAX_PENDING_BYTES_PER_CONNECTION,
  MAX_PENDING_OPERATIONS_PER_CONNECTION,
  MAX_QUERIES_PER_CONNECTION,
  MAX_QUERY_ARGS_BYTES_PER_ADDRESS,
  MAX_QUERY_ARGS_BYTES_TOTAL,
  MAX_QUERY_ARGS_BYTES_PER_CONNECTION,
} from "./syncLimits";

type Version = { querySet: number; identity: number; ts: bigint };
/** `journal`: the query journal its last run produced (or the client sent), passed to its next run (pagination.ts). */
type Subscription = {
  udfPath: string;
  componentPath: string;
  argsJson: string;
  reads: ReadSet;
  last: string | null;
  journal: string | null;
};
/** A query's result as sent: `body` is the QueryUpdated / QueryFailed message's JSON fields without queryId; `key` identifies the result (a digest when long). */
/** A query's result for its subscribers; `systemError` when the run ended in one (the subscriber's connection closes for a retry). */
type QueryOutcome = { key: string; reads: ReadSet; body: string; journal: string | null; systemError?: SystemError };

/** What a subscription remembers of its last result: short results themselves, long ones by digest. */
function resultKey(text: string): string {
  return text.length <= 64 ? text : `#${createHash("sha256").update(text).digest("base64")}`;
}

const frameBytes = (data: RawData) =>
  Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;

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
  /** Responses of recent mutations per client session, for requests re-sent after a reconnect. */
  readonly mutationResults = new MutationLog();
  /** Mutation / action messages received and not yet answered, per connection and over all. */
  readonly pending = new PendingBudget({
    bytesPerConnection: MAX_PENDING_BYTES_PER_CONNECTION,
    bytes: MAX_PENDING_BYTES,
    operationsPerConnection: MAX_PENDING_OPERATIONS_PER_CONNECTION,
  });
  commitTs = BigInt(Date.now()) * 1000n;
  /** Admin authentication and the system functions admins may subscribe to (adminAuth.ts); unset, admin auth is refused. */
  admin: { auth: AdminAuth; system: SystemDeps } | null = null;

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
  outcome(
    componentPath: string,
    udfPath: string,
    argsJson: string,
    identity: Identity,
    admin = false,
    journal: string | null = null,
  ): QueryOutcome | Promise<QueryOutcome> {
    if (this.sharedTs !== this.commitTs) {
      this.shared.clear();
      this.sharedTs = this.commitTs;
    }
    // An unambiguous prefix (the identity's every claim, JSON in a string), then the arguments as the client sent them.
    // System queries answer from deployment state that changes without a commit (an import's progress): never shared.
    if (admin && isSystemPath(udfPath)) return this.evaluate(componentPath, udfPath, argsJson, identity, admin, journal);
    const key = JSON.stringify([componentPath, udfPath, identityCacheKey(identity), admin, journal]) + argsJson;
    const known = this.shared.get(key);
    if (known) return known;
    const pending = this.evaluate(componentPath, udfPath, argsJson, identity, admin, journal).then((outcome) => {
      // A system error is the deployment's state of the moment, never a result to hand others.
      if (this.shared.get(key) === pending) {
        if (outcome.systemError) this.shared.delete(key);
        else this.shared.set(key, outcome);
      }
      return outcome;
    });
    this.shared.set(key, pending);
    return pending;
  }

  private async evaluate(
    componentPath: string,
    udfPath: string,
    argsJson: string,
    identity: Identity,
    admin: boolean,
    journal: string | null,
  ): Promise<QueryOutcome> {
    try {
      const args = (jsonToConvex(JSON.parse(argsJson)) as Record<string, Value>) ?? {};
      if (admin && this.admin && isSystemPath(udfPath)) {
        // System queries read deployment state beyond tables: re-run after any commit.
        const valueText = JSON.stringify(convexToJson(await runSystemFunction(this.admin.system, componentPath, udfPath, args)));
        return {
          key: resultKey(valueText),
          reads: ReadSet.everything(),
          body: `"type":"QueryUpdated","value":${valueText},"logLines":[],"journal":null`,
          journal: null,
        };
      }
      const { value, exec } = await this.engine.run("query", componentPath, udfPath, args, identity, { fromClient: !admin, journal });
      const valueText = JSON.stringify(convexToJson(value as Value));
      const next = journalOf(exec);
      return {
        key: resultKey(valueText),
        reads: exec.reads,
        body: `"type":"QueryUpdated","value":${valueText},"logLines":${JSON.stringify(exec.logLines)},"journal":${JSON.stringify(next)}`,
        journal: next,
      };
    } catch (thrown) {
      if (thrown instanceof SystemError) return { key: "", reads: ReadSet.everything(), body: "", journal: null, systemError: thrown };
      const error = toFunctionError(thrown);
      const data = JSON.stringify(error.data ?? null);
      return {
        key: resultKey(`error:${error.message}:${data}`),
        reads: ReadSet.everything(),
        // errorData only for a ConvexError (crates/convex/sync_types/src/types/json.rs StateModification::QueryFailed).
        body: `"type":"QueryFailed","errorMessage":${JSON.stringify(clientMessage(error))},${error.data === undefined ? "" : `"errorData":${data},`}"logLines":${JSON.stringify(error.logLines ?? [])},"journal":null`,
        journal,
      };
    }
  }

  nextTs(): bigint {
    const candidate = BigInt(Date.now()) * 1000n;
    this.commitTs = candidate > this.commitTs ? candidate : this.commitTs + 1n;
    return this.commitTs;
  }

  /** After a commit: every session re-runs the queries whose read ranges contain a written key. */
  committed(writes: WriteSet, ts: bigint) {
    for (const session of this.sessions) session.invalidate(writes, ts);
  }

  /** Bytes of subscribed queries' arguments held for each client address, over its connections. */
  readonly argsBytesByAddress = new Map<string, number>();
  /** Bytes of subscribed queries' arguments over every connection. */
  argsBytesTotal = 0;
  addArgsBytes(address: string, delta: number) {
    const total = (this.argsBytesByAddress.get(address) ?? 0) + delta;
    this.argsBytesTotal += delta;
    if (total > 0) this.argsBytesByAddress.set(address, total);
    else this.argsBytesByAddress.delete(address);
  }

  attach(socket: WebSocket, address = "") {
    const session = new SyncSession(this, socket, address);
    this.sessions.add(session);
    // Runs before the session's own message handler: the size of the frame being handled.
    socket.prependListener("message", (data: RawData) => (session.frameBytes = frameBytes(data)));
    socket.on("close", () => {
      session.closed = true;
      this.sessions.delete(session);
      session.detach();
      session.dropQueries();
    });
    return session;
  }
}

const DONE = Promise.resolve();
/** Keeps idle clients from reconnecting (the convex client gives up on a server silent for 30 s). */
const PING_INTERVAL_MS = Number(process.env.LOCAL_BACKEND_PING_MS) || 15_000;

export class SyncSession {
  closed = false;
  /** Size of the WebSocket message being handled (set before it is parsed). */
  frameBytes = 0;
  private pending: ConnectionBudget;
  /** The session id this connection is counted under in the hub's mutation log. */
  private loggedSession: string | null = null;
  private argsBytes = 0;
  private version: Version = { querySet: 0, identity: 0, ts: 0n };
  private identity: Identity = null;
  /** Authenticated with the admin key: internal, component and system functions are reachable. */
  private admin = false;
  private sessionId = "";
  private subs = new Map<number, Subscription>();
  private chain: Promise<void> = Promise.resolve();
  private idle = true;
  private dirty = new WriteSet();
  private dirtyTs = 0n;
  private refreshQueued = false;
  private ping: NodeJS.Timeout;

  constructor(
    private hub: SyncHub,
    private socket: WebSocket,
    /** The client's address (the socket's, never what it claims): its sessions share one argument budget. */
    private readonly address: string,
  ) {
    socket.on("message", (data) => this.receive(String(data)));
    this.pending = hub.pending.connection({ pause: () => socket.pause(), resume: () => !this.closed && socket.resume() });
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
      if (error instanceof SystemError) return this.closeForRetry(error);
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
    return this.hub.outcome(sub.componentPath, sub.udfPath, sub.argsJson, this.identity, this.admin, sub.journal);
  }

  /** Records what the query read and returned; the modification to send, or null if `onlyChanged` and it did not change. */
  private update(queryId: number, sub: Subscription, outcome: QueryOutcome, onlyChanged: boolean): string | null {
    // Not the query's answer: the job fails with it and the connection closes for a retry (enqueue).
    if (outcome.systemError) throw outcome.systemError;
    sub.reads = outcome.reads;
    sub.journal = outcome.journal;
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
  private modifyQuerySet(message: MessageOf<"ModifyQuerySet">): void | Promise<void> {
    if (message.baseVersion !== this.version.querySet) throw new Error("Query set version mismatch");
    const parts: Array<string | Promise<string>> = [];
    for (const mod of message.modifications) {
      if (mod.type === "Add") {
        const queryId = Number(mod.queryId);
        const sub: Subscription = {
          udfPath: String(mod.udfPath),
          componentPath: String(mod.componentPath ?? ""),
          argsJson: JSON.stringify(mod.args?.[0] ?? {}),
          reads: new ReadSet(),
          last: null,
          journal: typeof mod.journal === "string" ? mod.journal : null,
        };
        const refusal = this.refuseQuery(queryId, sub);
        if (refusal) {
          parts.push(refusal);
          continue;
        }
        this.forgetQuery(queryId);
        this.subs.set(queryId, sub);
        this.argsBytes += sub.argsJson.length;
        this.hub.addArgsBytes(this.address, sub.argsJson.length);
        const outcome = this.outcome(sub);
        parts.push(
          outcome instanceof Promise
            ? outcome.then((o) => this.update(queryId, sub, o, false)!)
            : this.update(queryId, sub, outcome, false)!,
        );
      } else if (mod.type === "Remove") {
        this.forgetQuery(Number(mod.queryId));
        parts.push(`{"type":"QueryRemoved","queryId":${Number(mod.queryId)}}`);
      }
    }
    const finish = (modifications: string[]) =>
      this.transition({ ...this.version, querySet: message.newVersion, ts: this.maxTs() }, modifications);
    if (parts.every((part) => typeof part === "string")) return finish(parts as string[]);
    return Promise.all(parts).then(finish);
  }

  /** A QueryFailed modification when the connection already holds as many queries (or argument bytes) as it may. */
  private refuseQuery(queryId: number, sub: Subscription): string | null {
    const replaced = this.subs.get(queryId);
    const count = this.subs.size + (replaced ? 0 : 1);
    const others = this.argsBytes - (replaced?.argsJson.length ?? 0);
    const bytes = others + sub.argsJson.length;
    // A query alone on its connection is never refused for its bytes (the frame size already
    // bounds them): the engine answers it as Convex does, "Arguments for … are too large" when
    // Convex's count of them is over FUNCTION_MAX_ARGS_SIZE (crates/udf/src/helpers.rs).
    const bytesOver = others > 0 && bytes > MAX_QUERY_ARGS_BYTES_PER_CONNECTION;
    const fromAddress = (this.hub.argsBytesByAddress.get(this.address) ?? 0) - (replaced?.argsJson.length ?? 0) + sub.argsJson.length;
    const addressOver = fromAddress > MAX_QUERY_ARGS_BYTES_PER_ADDRESS;
    // Past the server's total, only an address under its fair share of it adds more, up to twice the total.
    const inAll = this.hub.argsBytesTotal - (replaced?.argsJson.length ?? 0) + sub.argsJson.length;
    const holders = this.hub.argsBytesByAddress.size + (this.hub.argsBytesByAddress.has(this.address) ? 0 : 1);
    const serverOver =
      inAll > MAX_QUERY_ARGS_BYTES_TOTAL && (fromAddress > MAX_QUERY_ARGS_BYTES_TOTAL / holders || inAll > 2 * MAX_QUERY_ARGS_BYTES_TOTAL);
    if (count <= MAX_QUERIES_PER_CONNECTION && !bytesOver && !addressOver && !serverOver) return null;
    const message =
      count > MAX_QUERIES_PER_CONNECTION
        ? `Too many queries on one connection: at most ${MAX_QUERIES_PER_CONNECTION} subscriptions per WebSocket. Unsubscribe from others first.`
        : bytesOver
          ? `Too many query arguments on one connection: at most ${MAX_QUERY_ARGS_BYTES_PER_CONNECTION} bytes across its subscriptions.`
          : addressOver
            ? `Too many query arguments from one address: at most ${MAX_QUERY_ARGS_BYTES_PER_ADDRESS} bytes across its connections' subscriptions.`
            : `Too many query arguments on this server: past ${MAX_QUERY_ARGS_BYTES_TOTAL} bytes in all, an address holds at most its share (${Math.floor(MAX_QUERY_ARGS_BYTES_TOTAL / holders)} bytes now).`;
    const data = {
      code: "TooManyQueries",
      limit: MAX_QUERIES_PER_CONNECTION,
      argumentBytesLimit: MAX_QUERY_ARGS_BYTES_PER_CONNECTION,
      argumentBytesPerAddressLimit: MAX_QUERY_ARGS_BYTES_PER_ADDRESS,
      argumentBytesTotalLimit: MAX_QUERY_ARGS_BYTES_TOTAL,
    };
    return `{"queryId":${queryId},"type":"QueryFailed","errorMessage":${JSON.stringify(message)},"errorData":${JSON.stringify(data)},"logLines":[],"journal":null}`;
  }

  /** The connection closed: its queries' argument bytes are its address's again. */
  dropQueries() {
    for (const queryId of [...this.subs.keys()]) this.forgetQuery(queryId);
  }

  private forgetQuery(queryId: number) {
    const sub = this.subs.get(queryId);
    if (!sub) return;
    this.subs.delete(queryId);
    this.argsBytes -= sub.argsJson.length;
    this.hub.addArgsBytes(this.address, -sub.argsJson.length);
  }

  private maxTs() {
    return this.version.ts > this.hub.commitTs ? this.version.ts : this.hub.commitTs;
  }

  /**
   * A refused token ends the connection, as on Convex: the sync worker fails with AuthUpdateFailed,
   * its AuthError is the last message and the socket is closed without a close code (an auth error
   * has none: crates/local_backend/src/subs/mod.rs run_sync_socket, crates/errors/src/lib.rs
   * close_frame). The client then reconnects with a fresh token or none.
   */
  private authFailed(baseVersion: unknown, error: unknown) {
    this.send({ type: "AuthError", error: (error as Error).message, baseVersion, authUpdateAttempted: true });
    this.socket.close();
  }

  private async authenticate(message: MessageOf<"Authenticate">) {
    if (message.baseVersion !== this.version.identity) throw new Error("Identity version mismatch");
    if (message.tokenType === "User") {
      try {
        this.identity = await this.hub.auth.verify(String(message.value));
        this.admin = false;
      } catch (error) {
        return this.authFailed(message.baseVersion, error);
      }
    } else if (message.tokenType === "None") {
      this.identity = null;
      this.admin = false;
    } else {
      try {
        if (!this.hub.admin) throw new AdminKeyError();
        this.hub.admin.auth.caller(String(message.value));
        this.identity = actingAsIdentity(message.impersonating);
        this.admin = true;
      } catch (error) {
        return this.authFailed(message.baseVersion, error);
      }
    }
    const modifications: string[] = [];
    for (const [queryId, sub] of this.subs) {
      const modification = this.update(queryId, sub, await this.outcome(sub), true);
      if (modification) modifications.push(modification);
    }
    this.transition({ ...this.version, identity: message.baseVersion + 1, ts: this.maxTs() }, modifications);
  }

  /** Marks index keys written at `ts`; one refresh runs per burst of commits. */
  invalidate(writes: WriteSet, ts: bigint) {
    this.dirty.merge(writes);
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
    this.dirty = new WriteSet();
    const modifications: string[] = [];
    for (const [queryId, sub] of this.subs) {
      if (!sub.reads.overlaps(dirty)) continue;
      const modification = this.update(queryId, sub, await this.outcome(sub), true);
      if (modification) modifications.push(modification);
    }
    if (modifications.length > 0 || always || ts > this.version.ts) {
      this.transition({ ...this.version, ts: ts > this.version.ts ? ts : this.version.ts }, modifications);
    }
  }

  /** The connection closed: its session's mutation results start their grace period. */
  detach() {
    this.pending.close();
    if (this.loggedSession !== null) this.hub.mutationResults.disconnected(this.loggedSession);
    this.loggedSession = null;
  }

  private tooBusy(type: "MutationResponse" | "ActionResponse", requestId: unknown) {
    const message = `Too many concurrent requests: at most ${MAX_PENDING_OPERATIONS_PER_CONNECTION} mutations and actions may wait on one WebSocket.`;
    this.enqueue(() =>
      this.send(
        failure(
          type,
          requestId,
          new FunctionError(message, { code: "TooManyConcurrentRequests", limit: MAX_PENDING_OPERATIONS_PER_CONNECTION }),
        ),
      ),
    );
  }

  private mutation(message: MessageOf<"Mutation">) {
    if (!this.pending.hold(this.frameBytes, () => this.mutationResponse(message))) this.tooBusy("MutationResponse", message.requestId);
  }

  private async mutationResponse(message: MessageOf<"Mutation">) {
    const requestId = Number(message.requestId);
    const sessionId = this.sessionId;
    if (sessionId && this.loggedSession !== sessionId) {
      this.detach();
      this.hub.mutationResults.connected(sessionId);
      this.loggedSession = sessionId;
    }
    await this.authApplied;
    // Without a session id (no Connect) there is nothing to match a re-sent request against.
    const owner = typeof this.identity?.tokenIdentifier === "string" ? this.identity.tokenIdentifier : null;
    let answer: Awaited<ReturnType<typeof this.hub.mutationResults.respond>>;
    try {
      answer = sessionId
        ? await this.hub.mutationResults.respond(sessionId, requestId, owner, () => this.runMutation(message))
        : { fresh: await this.runMutation(message) };
    } catch (error) {
      if (error instanceof SystemError) return this.closeForRetry(error);
      throw error;
    }
    this.enqueue(async () => {
      if ("fresh" in answer) this.send(answer.fresh);
      else this.write(answer.again.text);
      if ("fresh" in answer ? answer.fresh.success : answer.again.success) await this.refresh(true);
    });
  }

  private async runMutation(message: MessageOf<"Mutation">): Promise<MutationResponse> {
    try {
      const args = jsonToConvex((message.args as JSONValue[])[0] ?? {}) as Record<string, Value>;
      const { value, exec } = await this.hub.engine.run("mutation", message.componentPath ?? "", message.udfPath, args, this.identity, {
        fromClient: !this.admin,
      });
      const ts = exec.commitTs ?? this.hub.commitTs;
      return {
        type: "MutationResponse",
        requestId: message.requestId,
        success: true,
        result: convexToJson(value),
        ts: encodeTs(ts),
        logLines: exec.logLines,
      };
    } catch (thrown) {
      if (thrown instanceof SystemError) throw thrown;
      const error = toFunctionError(thrown);
      return failure("MutationResponse", message.requestId, error) as MutationResponse;
    }
  }

  /**
   * A system error (systemErrors.ts) is not the function's answer: the connection closes with
   * 1013 and the error's code, as Convex's sync worker closes it (errors/src/lib.rs `close_frame`),
   * and the client reconnects and sends what was not answered again.
   */
  private closeForRetry(error: SystemError) {
    this.socket.close(error.closeCode, error.code);
  }

  private action(message: MessageOf<"Action">) {
    if (!this.pending.hold(this.frameBytes, () => this.actionResponse(message))) this.tooBusy("ActionResponse", message.requestId);
  }

  private async actionResponse(message: MessageOf<"Action">) {
    await this.authApplied;
    let response: Record<string, unknown>;
    try {
      const args = jsonToConvex((message.args as JSONValue[])[0] ?? {}) as Record<string, Value>;
      const { value, exec } = await this.hub.engine.run("action", message.componentPath ?? "", message.udfPath, args, this.identity, {
        fromClient: !this.admin,
      });
      response = {
        type: "ActionResponse",
        requestId: message.requestId,
        success: true,
        result: convexToJson(value),
        logLines: exec.logLines,
      };
    } catch (thrown) {
      if (thrown instanceof SystemError) return this.closeForRetry(thrown);
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
    result: clientMessage(error),
    logLines: error.logLines ?? [],
    ...(error.data === undefined ? {} : { errorData: error.data }),
  };
}

/**
 * Who a shared query result is for: every claim of the identity, as Convex keys cached results
 * (crates/keybroker/src/broker.rs `IdentityCacheKey::User(attributes)`) — two tokens of one
 * subject with different claims (a renamed user, a refreshed token) never share a result.
 */
export function identityCacheKey(identity: Identity): string | null {
  if (!identity) return null;
  // A session keeps its identity object until it authenticates again: the key is made once for it.
  let key = identityKeys.get(identity);
  if (key === undefined) {
    key = JSON.stringify(
      Object.keys(identity)
        .sort()
        .map((k) => [k, identity[k]]),
    );
    identityKeys.set(identity, key);
  }
  return key;
}
const identityKeys = new WeakMap<object, string>();
