/**
 * The scheduler's syscalls (convex/server scheduler_impl.ts): a job is a `_scheduled_functions`
 * row written in the caller's transaction (a mutation's own, an action's small one of its own),
 * which scheduler.ts runs when it is due.
 */
import { jsonToConvex, type JSONValue, type Value } from "convex/values";
import { convexSize } from "./valueLimits";
import type { Doc } from "./database";
import type { Exec, FunctionAddress } from "./exec";
import { canonicalPath, jsonResult, withinLimits, type SyscallContext, type SyscallTable } from "./syscallContext";

type ScheduleArgs = FunctionAddress & { args: JSONValue; ts: number };

export function schedulerSyscalls(ctx: SyscallContext): SyscallTable<Promise<string>> {
  const { store, host } = ctx;

  function schedule(exec: Exec, args: ScheduleArgs) {
    const target = host.address(exec.componentPath, args);
    host.resolve(target.componentPath, target.udfPath); // fail now if it does not exist
    const tableKey = ctx.key(exec, "_scheduled_functions");
    // Convex's shape (convex/server schema.ts _scheduled_functions; model/src/scheduled_jobs/
    // virtual_table.rs): name as the canonical path ("module.js:function"), nothing else; the
    // target's component is kept only when it is not the caller's own.
    const doc = {
      _id: store.newId(tableKey),
      _creationTime: store.nextCreationTime(),
      name: canonicalPath(target.udfPath),
      args: [jsonToConvex(args.args)],
      scheduledTime: args.ts * 1000,
      state: { kind: "pending" },
      ...(target.componentPath === exec.componentPath ? {} : { componentPath: target.componentPath }),
    } as unknown as Doc;
    // crates/model/src/scheduled_jobs/mod.rs `check_scheduling_limits`: `args.size()`, the
    // arguments array's size as Convex counts values (crates/value/src/size.rs), not its JSON.
    withinLimits(() => exec.usage.schedule(convexSize(doc.args as Value)));
    ctx.put(exec, tableKey, doc, null);
    return doc._id;
  }

  function cancel(exec: Exec, id: string) {
    const found = ctx.ownDoc(exec, id);
    if (!found) return;
    const state = (found.doc.state as { kind: string }).kind;
    if (state === "pending" || state === "inProgress") {
      ctx.put(exec, found.tableKey, { ...found.doc, state: { kind: "canceled" }, completedTime: Date.now() }, found.doc);
    }
  }

  return {
    "1.0/schedule": async (exec, args) => {
      ctx.requireWrite(exec);
      return jsonResult(schedule(exec, args as ScheduleArgs));
    },
    "1.0/actions/schedule": async (exec, args) => jsonResult(await host.write(exec, (inner) => schedule(inner, args as ScheduleArgs))),
    "1.0/cancel_job": async (exec, args) => {
      ctx.requireWrite(exec);
      cancel(exec, args.id);
      return JSON.stringify(null);
    },
    "1.0/actions/cancel_job": async (exec, args) => {
      await host.write(exec, (inner) => cancel(inner, args.id));
      return JSON.stringify(null);
    },
  };
}
