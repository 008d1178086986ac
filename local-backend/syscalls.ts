/**
 * The syscalls that `convex/server` makes through the `Convex` global, answered from our store:
 * one table of ops, made of one module per family (as convex/server's `impl/*_impl.ts`), and
 * every op it does not hold refused as Convex refuses an unknown syscall.
 */
import type { Exec } from "./exec";
import { FunctionError } from "./functionError";
import { databaseSyscalls } from "./databaseSyscalls";
import { functionSyscalls } from "./functionSyscalls";
import { querySyscalls } from "./querySyscalls";
import { schedulerSyscalls } from "./schedulerSyscalls";
import { storageSyscalls } from "./storageSyscalls";
import { SyscallContext, type SyscallArgs, type SyscallHost, type SyscallTable } from "./syscallContext";

/** One op → handler map of the families' tables; an op two families both answer is a mistake here, not a choice. */
function opsOf<R>(...tables: SyscallTable<R>[]): Map<string, SyscallTable<R>[string]> {
  const ops = new Map<string, SyscallTable<R>[string]>();
  for (const table of tables)
    for (const [op, handler] of Object.entries(table)) {
      if (ops.has(op)) throw new Error(`Syscall ${op} is answered twice.`);
      ops.set(op, handler);
    }
  return ops;
}

const cache = new WeakMap<SyscallHost, ReturnType<typeof build>>();
export function syscalls(host: SyscallHost) {
  let s = cache.get(host);
  if (!s) cache.set(host, (s = build(host)));
  return s;
}

function build(host: SyscallHost) {
  const ctx = new SyscallContext(host);
  const database = databaseSyscalls(ctx);
  const queries = querySyscalls(ctx);
  const storage = storageSyscalls(ctx);
  const syncOps = opsOf(database.sync, queries.sync);
  const asyncOps = opsOf(database.async, queries.async, storage.async, schedulerSyscalls(ctx), functionSyscalls(ctx));
  const jsOps = opsOf(storage.js);

  const sync = (exec: Exec, op: string, args: SyscallArgs): string => {
    const handler = syncOps.get(op);
    if (!handler) throw new FunctionError(`The local backend does not support syscall ${op}.`);
    return handler(exec, args);
  };
  const async = async (exec: Exec, op: string, args: SyscallArgs): Promise<string> => {
    const handler = asyncOps.get(op);
    if (!handler) throw new FunctionError(`The local backend does not support syscall ${op}.`);
    return await handler(exec, args);
  };
  const js = (exec: Exec, op: string, args: SyscallArgs): unknown => {
    const handler = jsOps.get(op);
    if (!handler) throw new FunctionError(`The local backend does not support ${op}.`);
    return handler(exec, args);
  };
  return { sync, async, js, storeBlob: storage.storeBlob, storedFile: storage.storedFile };
}
