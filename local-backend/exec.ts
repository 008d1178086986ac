/**
 * One execution of a function (query, mutation, action or HTTP action) and the names it is
 * called by: what the engine runs, its syscalls answer and the servers report on. Types only,
 * in a module of their own, so that the syscalls (syscalls.ts) need not import the engine.
 */
import type { ComponentEnvBinding } from "./componentEnv";
import type { SystemError } from "./systemErrors";
import type { DocumentReads } from "./database";
import type { ReadSet, WriteSet } from "./readSet";
import type { SeededRandom } from "./defaultRuntime";
import type { TransactionUsage } from "./convexLimits";
import type { BufferedTransaction } from "./transaction";
import type { ExecutionPool, PoolWorker } from "./executionPool";

export type Identity = Record<string, unknown> | null;
export type UdfType = "query" | "mutation" | "action";
export type Component = {
  path: string;
  modules: Map<string, Record<string, unknown>>;
  children: Map<string, Component>;
  /** The default-runtime bundle the loader built (isolate.js): what the execution pool's workers evaluate. */
  bundle?: string;
  /** Its "use node" modules as the loader bundled them (.mjs): what the Node pool's workers import. */
  nodeModules?: Array<{ module: string; file: string }>;
  /** The app's prefix for its own HTTP routes (`defineApp({ httpPrefix })`), ending with "/". */
  httpPrefix?: string;
  /** Mount path ("/…/") → the name of the child whose HTTP routes answer there (`app.use(c, { httpPrefix })`). */
  httpMounts?: Map<string, string>;
  /** A child's absolute HTTP mount, ending with "/": its CONVEX_SITE_URL points there. */
  siteMount?: string;
  /** A child's environment: what its parent passed (`app.use(c, { env })`), values or deployment variables. */
  env?: Map<string, ComponentEnvBinding>;
};
export type FunctionAddress = { name?: string; reference?: string; functionHandle?: string };

export type Exec = {
  type: UdfType | "http";
  componentPath: string;
  udfPath: string;
  identity: Identity;
  /**
   * An HTTP action's refused `Authorization` token: the action still runs, and getUserIdentity
   * throws this (crates/local_backend/src/http_actions.rs TryExtractIdentity → Identity::Unknown(Some(e));
   * crates/isolate/src/environment/action/task_executor.rs user_identity).
   */
  identityError?: string;
  /** A system error a syscall raised (systemErrors.ts): the execution ends with it, whatever the function did. */
  systemError?: SystemError;
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
  /** A scheduled job's or a cron's action: it waits for an action permit as long as it takes (actionPermits.ts). */
  waitForPermit?: boolean;
  /** A query's journal from its previous execution: where its page ended (pagination.ts). */
  journal?: string | null;
  /** Where documents are read: a query's snapshot or a mutation's transaction; unset, the store itself. */
  snapshot?: DocumentReads;
  /** A mutation's buffered writes (transaction.ts); unset, writes go to the store's open transaction. */
  tx?: BufferedTransaction;
  /** The pool and worker a query or mutation runs on, and its id there (nested calls run on the same worker). */
  runsOn?: { pool: ExecutionPool<Exec>; worker: PoolWorker };
  poolId?: number;
  parentPoolId?: number;
};
