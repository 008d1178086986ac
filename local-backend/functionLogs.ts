/**
 * Function log lines for `npx convex logs`: a bounded in-memory history that
 * `GET /api/stream_function_logs?cursor=n` long-polls (crates/local_backend/src/logs.rs), each
 * entry in Convex's `FunctionExecutionJson` shape (crates/common/src/log_streaming.rs). Lines
 * are streamed as they are printed (`Progress` entries, as Convex streams actions' lines).
 */
import type { Exec } from "./exec";

const MAX_ENTRIES = 10_000;
/** Convex answers an idle long poll after 60 s; the CLI then polls again with the same cursor. */
export const LONG_POLL_MS = 55_000;

export type LogEntry = {
  kind: "Progress";
  udfType: "Query" | "Mutation" | "Action" | "HttpAction";
  componentPath: string | null;
  identifier: string;
  timestamp: number;
  logLines: string[];
  requestId: string;
  executionId: string;
};

const UDF_TYPES = { query: "Query", mutation: "Mutation", action: "Action", http: "HttpAction" } as const satisfies Record<
  Exec["type"],
  LogEntry["udfType"]
>;

export class FunctionLogs {
  private entries: Array<{ seq: number; entry: LogEntry }> = [];
  private seq = 0;
  private waiters = new Set<() => void>();

  constructor(private readonly limit = MAX_ENTRIES) {}

  /** One printed line of a running function (`[LEVEL] text`, as Convex's log lines read). */
  record(exec: Pick<Exec, "type" | "componentPath" | "udfPath" | "requestId">, level: string, text: string) {
    const entry: LogEntry = {
      kind: "Progress",
      udfType: UDF_TYPES[exec.type],
      componentPath: exec.componentPath || null,
      identifier: identifierOf(exec.udfPath),
      timestamp: Date.now() / 1000,
      logLines: [`[${level}] ${text}`],
      requestId: exec.requestId,
      executionId: exec.requestId,
    };
    this.entries.push({ seq: ++this.seq, entry });
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    for (const wake of [...this.waiters]) wake();
  }

  /** Entries after `cursor` now. */
  after(cursor: number): { entries: LogEntry[]; newCursor: number } {
    const fresh = this.entries.filter((e) => e.seq > cursor);
    return { entries: fresh.map((e) => e.entry), newCursor: fresh.length > 0 ? fresh[fresh.length - 1].seq : Math.min(cursor, this.seq) };
  }

  /** Entries after `cursor`, waiting up to `timeoutMs` (or until `signal` aborts) for the first one. */
  async stream(cursor: number, signal: AbortSignal, timeoutMs = LONG_POLL_MS): Promise<{ entries: LogEntry[]; newCursor: number }> {
    // A cursor from before a restart (larger than anything here) starts over.
    if (cursor > this.seq) cursor = 0;
    const now = this.after(cursor);
    if (now.entries.length > 0 || signal.aborted) return now;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
      signal.addEventListener("abort", done);
    });
    return this.after(cursor);
  }
}

/** "messages:send" → "messages.js:send", the identifier Convex logs. */
function identifierOf(udfPath: string): string {
  const [module, name = "default"] = udfPath.split(":");
  return `${module.endsWith(".js") ? module : `${module}.js`}:${name}`;
}
