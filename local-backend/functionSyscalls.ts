/**
 * Syscalls about functions themselves (convex/server actions_impl.ts, components, auth): calls
 * from an action or a component's parent, function handles, the caller's identity, and what a
 * function may learn of its own execution.
 */
import { jsonToConvex } from "convex/values";
import type { UdfType } from "./exec";
import { FunctionError, toFunctionError } from "./functionError";
import { jsonResult, type SyscallArgs, type SyscallContext, type SyscallTable } from "./syscallContext";
import type { Exec } from "./exec";

export function functionSyscalls(ctx: SyscallContext): SyscallTable<Promise<string>> {
  const { host } = ctx;

  /** An action's runQuery / runMutation / runAction: a top-level call one level deeper. */
  async function fromAction(exec: Exec, args: SyscallArgs, type: UdfType) {
    const target = host.address(exec.componentPath, args);
    const { value } = await host
      .run(type, target.componentPath, target.udfPath, jsonToConvex(args.args) as never, exec.identity, {
        depth: exec.depth + 1,
        // The identity crosses as it is: an action given Identity::Unknown(error) throws it from
        // getUserIdentity (action/task_executor.rs `user_identity`), while a query or mutation's
        // transaction reads it as no user (database/src/transaction.rs `user_identity`).
        ...(type === "action" && exec.identityError !== undefined ? { identityError: exec.identityError } : {}),
      })
      .catch((thrown: unknown) => {
        // The action is told the callee's whole error, its frames included, once
        // (crates/application/src/redaction.rs RedactedJsError::nested_to_string).
        const error = toFunctionError(thrown);
        throw new FunctionError(`${error.message}\n${error.frames}`, error.data);
      });
    return jsonResult(value);
  }

  return {
    "1.0/actions/query": (exec, args) => fromAction(exec, args, "query"),
    "1.0/actions/mutation": (exec, args) => fromAction(exec, args, "mutation"),
    "1.0/actions/action": (exec, args) => fromAction(exec, args, "action"),
    "1.0/runUdf": async (exec, args) => {
      const type = args.udfType === "snapshotQuery" ? "query" : (args.udfType as "query" | "mutation");
      const target = host.address(exec.componentPath, args);
      return jsonResult(await host.runNested(exec, type, target.componentPath, target.udfPath, jsonToConvex(args.args) as never));
    },
    "1.0/createFunctionHandle": async (exec, args) => {
      const target = host.address(exec.componentPath, args);
      return jsonResult(`function://${target.componentPath};${target.udfPath}`);
    },
    "1.0/getUserIdentity": async (exec) => {
      if (exec.identityError !== undefined) throw new FunctionError(exec.identityError);
      return jsonResult(exec.identity);
    },
    "1.0/getFunctionMetadata": async (exec) => jsonResult({ name: exec.udfPath, componentPath: exec.componentPath }),
    "1.0/getRequestMetadata": async (exec) => jsonResult({ ip: null, userAgent: null, requestId: exec.requestId }),
    "1.0/getDeploymentMetadata": async () => jsonResult({ name: "local", region: null, class: "local" }),
    "1.0/getTransactionMetrics": async (exec) => jsonResult(exec.usage.metrics()),
  };
}
