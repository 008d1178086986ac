/**
 * What every family of syscalls (querySyscalls.ts, databaseSyscalls.ts, storageSyscalls.ts,
 * schedulerSyscalls.ts, functionSyscalls.ts) shares: the engine as they see it, where an
 * execution reads and writes, and the checks Convex makes before any of them runs.
 */
import { convexToJson, type Value } from "convex/values";
import type { Doc, DocumentReads, DocumentStore } from "./database";
import type { BlobStore } from "./blobs";
import type { Exec, FunctionAddress, Identity, UdfType } from "./exec";
import { FunctionError } from "./functionError";
import { splitTableKey } from "./tableKeys";

/** What the syscalls ask of the engine that runs the function (engine.ts `Engine`). */
export interface SyscallHost {
  readonly store: DocumentStore;
  readonly opts: { readonly blobs: BlobStore; cloudUrl(): string; uploadToken(): string };
  /** The table name an id belongs to, within one component. */
  tableNameOf(componentPath: string, id: string): string | null;
  /** A function reference (name, reference or handle) → component path + udf path. */
  address(from: string, address: FunctionAddress): { componentPath: string; udfPath: string };
  /** Throws when no function is registered at the path. */
  resolve(componentPath: string, udfPath: string): unknown;
  /** A small write transaction on behalf of an action. */
  write<T>(exec: Exec, fn: (inner: Exec) => T): Promise<T>;
  /** A top-level call (an action calling a query, mutation or action). */
  run(
    type: UdfType,
    componentPath: string,
    udfPath: string,
    args: Record<string, Value>,
    identity: Identity,
    /** `identityError`: an action called with a refused token throws it from getUserIdentity too. */
    opts: { depth: number; identityError?: string },
  ): Promise<{ value: Value }>;
  /** A call inside a running query or mutation. */
  runNested(parent: Exec, type: UdfType, componentPath: string, udfPath: string, args: Record<string, Value>): Promise<Value>;
}

/**
 * A syscall's JSON arguments as the `convex` library sends them: each op has its own shape, read
 * field by field by its handler (the library, not a client, builds them).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type SyscallArgs = Record<string, any>;

/** One family's handlers, by op ("1.0/get", "storage/storeBlob"…). */
export type SyscallTable<R> = Record<string, (exec: Exec, args: SyscallArgs) => R>;

/** A syscall's result as the function's library reads it: a value in Convex's JSON, as text. */
export const jsonResult = (v: unknown) => JSON.stringify(convexToJson((v === undefined ? null : v) as Value));

/** A Convex limit broken inside a syscall, as the function's error (not an internal one). */
export function withinLimits<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw new FunctionError((error as Error).message);
  }
}

/**
 * crates/isolate/src/environment/udf/async_syscall.rs `system_table_guard`: system tables are read
 * through db.system only and never written by functions; user tables never through db.system.
 */
export function systemTableGuard(tableKey: string, expectSystem: boolean) {
  const isSystem = splitTableKey(tableKey)[1].startsWith("_");
  if (expectSystem && !isSystem) throw new FunctionError("User tables cannot be accessed with db.system.");
  if (!expectSystem && isSystem) throw new FunctionError("System tables can only be accessed with db.system.");
}

/** "messages:send" → "messages.js:send", as Convex's CanonicalizedUdfPath prints it. */
export const canonicalPath = (udfPath: string) => {
  const [module, name = "default"] = udfPath.split(":");
  return `${module.replace(/\.(js|ts)$/, "")}.js:${name}`;
};

/** Where an execution reads and writes documents, for every family of syscalls. */
export class SyscallContext {
  readonly store: DocumentStore;
  constructor(readonly host: SyscallHost) {
    this.store = host.store;
  }

  /** A table of the execution's own component. */
  key(exec: Exec, table: string) {
    return `${exec.componentPath}:${table}`;
  }

  /** A query reads its snapshot, a mutation its transaction; a function run in this thread, the store. */
  docsOf(exec: Exec): DocumentReads {
    return exec.snapshot ?? this.store;
  }

  /** Writes go to the mutation's buffered transaction (transaction.ts), else to the store's open transaction. */
  put(exec: Exec, tableKey: string, doc: Doc, previous: Doc | null) {
    if (exec.tx) exec.tx.write(tableKey, doc, previous);
    else this.store.write(tableKey, doc, previous, exec.writes);
  }

  remove(exec: Exec, tableKey: string, doc: Doc) {
    if (exec.tx) exec.tx.delete(tableKey, doc);
    else this.store.delete(tableKey, doc, exec.writes);
  }

  requireWrite(exec: Exec) {
    if (!exec.inTransaction || exec.type !== "mutation") {
      throw new FunctionError("Writes are only allowed in mutations.");
    }
  }

  /** A document of the execution's own component, read (and so depended on) by it; null if none. */
  ownDoc(exec: Exec, id: string): { tableKey: string; doc: Doc } | null {
    const tableKey = this.store.tableOfId(id);
    if (!tableKey || splitTableKey(tableKey)[0] !== exec.componentPath) return null;
    exec.reads.point(tableKey, id);
    const doc = this.docsOf(exec).get(id);
    return doc ? { tableKey, doc } : null;
  }
}
