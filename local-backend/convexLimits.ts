/**
 * Convex's limits on what one function execution may do, with Convex's numbers. Each cites
 * where Convex defines it (get-convex/convex-backend).
 */

/** crates/isolate/src/environment/helpers/mod.rs `MAX_LOG_LINES`; docs production/state/limits.mdx "Log lines per function". */
export const MAX_LOG_LINES = 256;
/**
 * docs production/state/limits.mdx "Length of a console.log line: 4 KiB". (The backend's code
 * truncates at crates/common/src/log_lines.rs `MAX_LOG_LINE_LENGTH` = 32768; the documented,
 * stricter number is kept so nothing relies on longer lines.)
 */
export const MAX_LOG_LINE_BYTES = 4096;
/** crates/common/src/log_lines.rs `TRUNCATED_LINE_SUFFIX`. */
export const TRUNCATED_LINE_SUFFIX = " (truncated due to length)";

/** crates/common/src/knobs.rs `TRANSACTION_MAX_READ_SIZE_ROWS`. */
export const TRANSACTION_MAX_READ_SIZE_ROWS = 32_000;
/** crates/common/src/knobs.rs `TRANSACTION_MAX_READ_SIZE_BYTES` (16 MiB). */
export const TRANSACTION_MAX_READ_SIZE_BYTES = 1 << 24;
/** crates/common/src/knobs.rs `TRANSACTION_MAX_READ_SET_INTERVALS`: index ranges read. */
export const TRANSACTION_MAX_READ_SET_INTERVALS = 4096;
/** crates/common/src/knobs.rs `TRANSACTION_MAX_NUM_USER_WRITES`. */
export const TRANSACTION_MAX_NUM_USER_WRITES = 16_000;
/** crates/common/src/knobs.rs `TRANSACTION_MAX_USER_WRITE_SIZE_BYTES` (16 MiB). */
export const TRANSACTION_MAX_USER_WRITE_SIZE_BYTES = 1 << 24;
/** crates/common/src/knobs.rs `TRANSACTION_MAX_NUM_SCHEDULED`. */
export const TRANSACTION_MAX_NUM_SCHEDULED = 1000;
/** crates/common/src/knobs.rs `TRANSACTION_MAX_SCHEDULED_TOTAL_ARGUMENT_SIZE_BYTES` (16 MiB). */
export const TRANSACTION_MAX_SCHEDULED_ARGS_BYTES = 1 << 24;
/** crates/common/src/knobs.rs `MAX_REACTOR_CALL_DEPTH`: nested runQuery/runMutation/runAction. */
export const MAX_REACTOR_CALL_DEPTH = 8;
/** crates/common/src/knobs.rs `FUNCTION_MAX_ARGS_SIZE` / `FUNCTION_MAX_RESULT_SIZE` (16 MiB each). */
export const FUNCTION_MAX_ARGS_SIZE = 1 << 24;
export const FUNCTION_MAX_RESULT_SIZE = 1 << 24;
/** docs production/state/limits.mdx "HTTP action response size": 20 MiB, streamed bodies included. */
export const HTTP_ACTION_MAX_RESPONSE_BYTES = 20 * (1 << 20);

/**
 * crates/common/src/fmt.rs `format_bytes`: the unit (binary or decimal, largest first) that
 * divides the count exactly, or to one decimal place; else the count in bytes.
 */
export function formatBytes(n: number): string {
  if (n === 0) return "0 bytes";
  const units: Array<[number, string]> = [
    [2 ** 30, "GiB"],
    [1e9, "GB"],
    [2 ** 20, "MiB"],
    [1e6, "MB"],
    [2 ** 10, "KiB"],
    [1e3, "KB"],
  ];
  for (const [unit, name] of units) {
    if (n < unit) continue;
    if (n % unit === 0) return `${n / unit} ${name}`;
    if ((n * 10) % unit === 0) return `${Math.floor(n / unit)}.${Math.floor((n * 10) / unit) % 10} ${name}`;
  }
  return `${n} bytes`;
}

/** crates/database/src/reads.rs `OVER_LIMIT_HELP`. */
const OVER_LIMIT_HELP =
  "Consider using smaller limits in your queries, paginating your queries, or using indexed queries with a selective index range expressions.";

/**
 * What one transaction has read, written and scheduled, checked against Convex's limits with
 * Convex's messages (crates/database/src/reads.rs, writes.rs, crates/model/src/scheduled_jobs)
 * and reported by `getTransactionMetrics`.
 */
export class TransactionUsage {
  documentsRead = 0;
  bytesRead = 0;
  databaseQueries = 0;
  documentsWritten = 0;
  bytesWritten = 0;
  functionsScheduled = 0;
  scheduledFunctionArgsBytes = 0;

  read(bytes: number) {
    this.documentsRead++;
    this.bytesRead += bytes;
    if (this.documentsRead > TRANSACTION_MAX_READ_SIZE_ROWS)
      throw new Error(
        `Too many documents read in a single function execution (limit: ${TRANSACTION_MAX_READ_SIZE_ROWS}). ${OVER_LIMIT_HELP}`,
      );
    if (this.bytesRead > TRANSACTION_MAX_READ_SIZE_BYTES)
      throw new Error(
        `Too many bytes read in a single function execution (limit: ${TRANSACTION_MAX_READ_SIZE_BYTES} bytes). ${OVER_LIMIT_HELP}`,
      );
  }

  /** One index range (a query, or a point read by id). */
  range() {
    this.databaseQueries++;
    if (this.databaseQueries > TRANSACTION_MAX_READ_SET_INTERVALS)
      throw new Error(`Too many reads in a single function execution (limit: ${TRANSACTION_MAX_READ_SET_INTERVALS}). ${OVER_LIMIT_HELP}`);
  }

  write(bytes: number) {
    this.documentsWritten++;
    this.bytesWritten += bytes;
    if (this.documentsWritten > TRANSACTION_MAX_NUM_USER_WRITES)
      throw new Error(`Too many writes in a single function execution (limit: ${TRANSACTION_MAX_NUM_USER_WRITES})`);
    if (this.bytesWritten > TRANSACTION_MAX_USER_WRITE_SIZE_BYTES)
      // crates/database/src/writes.rs: this one limit is printed with `format_bytes` ("16 MiB").
      throw new Error(
        `Too many bytes written in a single function execution (limit: ${formatBytes(TRANSACTION_MAX_USER_WRITE_SIZE_BYTES)})`,
      );
  }

  schedule(argsBytes: number) {
    this.functionsScheduled++;
    this.scheduledFunctionArgsBytes += argsBytes;
    if (this.functionsScheduled > TRANSACTION_MAX_NUM_SCHEDULED)
      throw new Error(`Too many functions scheduled by this mutation (limit: ${TRANSACTION_MAX_NUM_SCHEDULED})`);
    if (this.scheduledFunctionArgsBytes > TRANSACTION_MAX_SCHEDULED_ARGS_BYTES)
      throw new Error(
        `Too large total size of the arguments of scheduled functions from this mutation (limit: ${TRANSACTION_MAX_SCHEDULED_ARGS_BYTES} bytes)`,
      );
  }

  /** The shape `ctx.meta.getTransactionMetrics()` returns (convex/server `TransactionMetrics`). */
  metrics() {
    const pair = (used: number, limit: number) => ({ used, remaining: Math.max(0, limit - used) });
    return {
      bytesRead: pair(this.bytesRead, TRANSACTION_MAX_READ_SIZE_BYTES),
      bytesWritten: pair(this.bytesWritten, TRANSACTION_MAX_USER_WRITE_SIZE_BYTES),
      databaseQueries: pair(this.databaseQueries, TRANSACTION_MAX_READ_SET_INTERVALS),
      documentsRead: pair(this.documentsRead, TRANSACTION_MAX_READ_SIZE_ROWS),
      documentsWritten: pair(this.documentsWritten, TRANSACTION_MAX_NUM_USER_WRITES),
      functionsScheduled: pair(this.functionsScheduled, TRANSACTION_MAX_NUM_SCHEDULED),
      scheduledFunctionArgsBytes: pair(this.scheduledFunctionArgsBytes, TRANSACTION_MAX_SCHEDULED_ARGS_BYTES),
    };
  }
}
