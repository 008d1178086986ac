/**
 * Query streams inside a pool worker (executor.ts): `1.0/queryStream` is asked of the main thread
 * as `local/queryStreamRead` (syscalls.ts `readWholeStream`), which sends back the whole of a
 * `first()` / `unique()` with the stream's id. Those rows are then handed to the function's
 * `queryStreamNext` calls here, and its `queryCleanup` forgets them here: one message to the
 * main thread instead of four, with the same answers in the same order. Other streams go to the
 * main thread as before.
 */
import type { ErrorPayload } from "./executionProtocol";

/** A stream read whole: its rows as stored JSON, and the error its next `next` fails with, if one. */
type Read = { rows: string[]; error?: ErrorPayload };
type WholeStream = { queryId: number; rows?: string[]; error?: ErrorPayload };

export class WorkerQueries {
  /** Streams read whole, by id: their rows not yet handed over. */
  private readonly read = new Map<number, Read>();

  constructor(
    private readonly askMain: (op: string, args: string) => string,
    private readonly failure: (error: ErrorPayload) => Error,
  ) {}

  /** A sync syscall, answered here when it concerns a stream read whole; null to ask the main thread. */
  syscall(op: string, args: string): string | null {
    if (op === "1.0/queryStream") {
      const reply = JSON.parse(this.askMain("local/queryStreamRead", args)) as WholeStream;
      if (reply.rows) this.read.set(reply.queryId, { rows: reply.rows, error: reply.error });
      return JSON.stringify({ queryId: reply.queryId });
    }
    if (op === "1.0/queryCleanup" && this.read.size > 0) {
      const { queryId } = JSON.parse(args) as { queryId: number };
      if (this.read.delete(queryId)) return "{}";
    }
    return null;
  }

  /** An async syscall answered here (the next row of a stream read whole), or null to ask the main thread. */
  asyncSyscall(op: string, args: string): Promise<string> | null {
    if (op !== "1.0/queryStreamNext" || this.read.size === 0) return null;
    const { queryId } = JSON.parse(args) as { queryId: number };
    const stream = this.read.get(queryId);
    if (!stream) return null;
    const row = stream.rows.shift();
    if (row !== undefined) return Promise.resolve(`{"value":${row},"done":false}`);
    if (stream.error) {
      const error = stream.error;
      // As the main thread would have failed it: the stream is then spent.
      this.read.delete(queryId);
      return Promise.reject(this.failure(error));
    }
    return Promise.resolve(`{"value":null,"done":true}`);
  }

  /** Streams read whole and not cleaned up (none once every function using them has ended). */
  get open(): number {
    return this.read.size;
  }

  /** Forgets streams left without a cleanup (called when no execution runs on the worker). */
  clear() {
    this.read.clear();
  }
}
