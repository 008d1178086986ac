/**
 * An error a function threw, as the client sees it: what the engine, its syscalls, pagination
 * and the servers throw and translate, in a module of its own so none of them imports another
 * for it.
 */
import { types } from "node:util";
import { convexToJson, type Value } from "convex/values";
import { convexFrames, serverErrorMessage } from "./stackFrames";

/** An error a function threw, as the client sees it. `data` is set for ConvexError. */
export class FunctionError extends Error {
  /** The log lines of the execution that failed: Convex returns them with the error (QueryFailed, a failed MutationResponse, an HTTP error). */
  logLines?: string[];
  /** The failed execution's request id, shown to the client (stackFrames.ts serverErrorMessage). */
  requestId?: string;
  constructor(
    message: string,
    readonly data?: unknown,
    /** The source-mapped frames of the user's code, one "    at …\n" each (stackFrames.ts). */
    readonly frames = "",
  ) {
    super(message);
  }
}

/** ConvexError data arrives serialized as a JSON string by the function wrapper. */
export function toFunctionError(thrown: unknown): FunctionError {
  if (thrown instanceof FunctionError) return thrown;
  if (typeof thrown === "object" && thrown !== null && Symbol.for("ConvexError") in thrown) {
    const raw = (thrown as { data: unknown }).data;
    const data = typeof raw === "string" ? JSON.parse(raw) : convexToJson(raw as Value);
    const { name, message, stack } = thrown as Error;
    return new FunctionError(`Uncaught ${name}: ${message}`, data, convexFrames(stack));
  }
  // Errors from the default runtime's context are another realm's: not `instanceof Error` here.
  if (types.isNativeError(thrown) || thrown instanceof Error)
    return new FunctionError(`Uncaught ${thrown.name}: ${thrown.message}`, undefined, convexFrames(thrown.stack));
  return new FunctionError(`Uncaught ${String(thrown)}`);
}

/**
 * A failed function's error as the client is told it (crates/application/src/redaction.rs
 * `impl Display for RedactedJsError`, dev deployment; crates/common/src/errors.rs `impl Debug for
 * JsError`): "[Request ID: …] Server Error", the message, its source-mapped frames.
 */
export function clientMessage(error: FunctionError): string {
  return serverErrorMessage(error.requestId, `${error.message}\n${error.frames}`);
}
