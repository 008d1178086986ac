/**
 * Convex's optimistic concurrency control, as its function runner applies it to a mutation
 * whose reads changed before it could commit (crates/application/src/application_function_runner/
 * mod.rs): the mutation runs again after a jittered exponential backoff
 * (crates/convex/sync_types/src/backoff.rs), at most UDF_EXECUTOR_OCC_MAX_RETRIES more times
 * (crates/common/src/knobs.rs), then fails with the user-facing OCC error
 * (crates/errors/src/lib.rs `user_occ`, short code OptimisticConcurrencyControlFailure).
 */
import type { ReadSet, WriteSet } from "./readSet";
import { userOcc, type SystemError } from "./systemErrors";

/** crates/common/src/knobs.rs UDF_EXECUTOR_OCC_MAX_RETRIES (default 4). */
export const OCC_MAX_RETRIES = Number(process.env.UDF_EXECUTOR_OCC_MAX_RETRIES ?? 4);
/** UDF_EXECUTOR_OCC_INITIAL_BACKOFF_MS (100) and UDF_EXECUTOR_OCC_MAX_BACKOFF_MS (2000). */
const INITIAL_BACKOFF_MS = Number(process.env.UDF_EXECUTOR_OCC_INITIAL_BACKOFF_MS ?? 100);
const MAX_BACKOFF_MS = Number(process.env.UDF_EXECUTOR_OCC_MAX_BACKOFF_MS ?? 2000);

/** Backoff::fail: min(initial · 2^failures, max) scaled by a uniform jitter in [0, 1). */
export function occBackoffMs(failures: number, jitter = Math.random()): number {
  return Math.min(INITIAL_BACKOFF_MS * 2 ** failures, MAX_BACKOFF_MS) * jitter;
}

/** The table (name within its component) whose documents were read and then written by another commit. */
export function conflictTable(reads: ReadSet, writes: WriteSet): string | null {
  const readTables = new Set([...reads.wholeTables, ...[...reads.ranges.keys()].map((index) => index.slice(0, index.lastIndexOf(".")))]);
  for (const tableKey of writes.tables) {
    if (reads.everything || readTables.has(tableKey)) return tableKey.slice(tableKey.lastIndexOf(":") + 1);
  }
  return null;
}

/** The error once the retries ran out (`user_occ`): a system error, not the mutation's own failure. */
export function occFailure(reads: ReadSet, writes: WriteSet): SystemError {
  return userOcc(conflictTable(reads, writes));
}
