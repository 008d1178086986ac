/**
 * Errors inside a pool worker (executor.ts, nodeExecutor.ts): a function's failure as the caller
 * sees it, and failures outside any function, reported to the main thread.
 */
import { types } from "node:util";
import { convexToJson, type Value } from "convex/values";
import type { ErrorPayload, FromWorker } from "./executionProtocol";
import { convexFrames } from "./stackFrames";

/** The error as the caller sees it: a ConvexError's message and data, else Convex's "Uncaught …". */
export function functionErrorPayload(thrown: unknown): ErrorPayload {
  const frames = convexFrames((thrown as { stack?: unknown } | null)?.stack);
  if (typeof thrown === "object" && thrown !== null && Symbol.for("ConvexError") in thrown) {
    const raw = (thrown as { data: unknown }).data;
    // Convex's message names the class (`Uncaught ConvexError: …`, `Uncaught FooError: …` for a subclass).
    const { name, message } = thrown as Error;
    return {
      message: `Uncaught ${name}: ${message}`,
      data: typeof raw === "string" ? JSON.parse(raw) : convexToJson(raw as Value),
      frames,
    };
  }
  if (types.isNativeError(thrown) || thrown instanceof Error)
    return { message: `Uncaught ${(thrown as Error).name}: ${(thrown as Error).message}`, frames };
  return { message: `Uncaught ${String(thrown)}` };
}

/**
 * An exception outside any call (a timer's callback) or an unhandled rejection is reported as a
 * server log line and the worker keeps serving, as the server itself does (cli.ts). A rejection
 * that `claim` takes (one of a running function's: it fails that function) is not reported.
 */
export function reportStrayErrors(post: (message: FromWorker) => void, claim: (reason: unknown) => boolean = () => false) {
  const report = (what: string, error: unknown) =>
    post({
      kind: "log",
      execId: null,
      level: "ERROR",
      text: `✖ Unexpected ${what} (still serving): ${(error as Error)?.stack ?? String(error)}`,
    });
  process.on("uncaughtException", (error) => report("error", error));
  process.on("unhandledRejection", (reason) => {
    if (!claim(reason)) report("rejection", reason);
  });
}
