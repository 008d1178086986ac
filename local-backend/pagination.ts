/**
 * Pagination as Convex does it (crates/isolate/src/environment/udf/async_syscall.rs `query_page`,
 * `read_page_from_query`; crates/database/src/query/index_range.rs; crates/keybroker cursors):
 *
 * - a cursor names a position in one query: it carries that query's fingerprint, and a cursor
 *   of another query is refused with Convex's InvalidCursor ConvexError (query/mod.rs `invalid_cursor`);
 *   one that does not parse with "Failed to parse cursor" (keybroker `cursor_parse_error`);
 * - `numItems` ≥ 1 and ≤ 32,000, `maximumRowsRead` / `maximumBytesRead` ≥ 1;
 * - one paginated query per function (MultiplePaginatedDatabaseQueries);
 * - the page's end position is the function's query journal: a subscription re-run with that
 *   journal reads up to the same end instead of `numItems` rows, so a page grows when documents
 *   are inserted inside it and no row falls between two pages;
 * - `maximumRowsRead` stops the scan (pageStatus "SplitRequired"), a page past 3/4 of a limit or
 *   of 8,192 rows is "SplitRecommended", and `splitCursor` is the middle of the rows scanned.
 */
import { createHash } from "node:crypto";
import { FunctionError } from "./functionError";
import { TRANSACTION_MAX_READ_SIZE_BYTES, TRANSACTION_MAX_READ_SIZE_ROWS } from "./convexLimits";

const VERSION = 1;
const FINGERPRINT_BYTES = 8;
const AFTER = 0;
const END = 1;

export type CursorPosition = { kind: "after"; key: Buffer } | { kind: "end" };

export function queryFingerprint(query: unknown): Buffer {
  return createHash("sha256").update(JSON.stringify(query)).digest().subarray(0, FINGERPRINT_BYTES);
}

export function encodeCursor(fingerprint: Buffer, position: CursorPosition): string {
  const head = Buffer.from([VERSION, ...fingerprint, position.kind === "end" ? END : AFTER]);
  return Buffer.concat([head, position.kind === "end" ? Buffer.alloc(0) : position.key]).toString("base64url");
}

export function decodeCursor(cursor: unknown, fingerprint: Buffer): CursorPosition {
  const bytes = typeof cursor === "string" && /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, "base64url") : null;
  const kind = bytes?.[1 + FINGERPRINT_BYTES];
  if (!bytes || bytes[0] !== VERSION || (kind !== AFTER && kind !== END) || (kind === END && bytes.length !== 2 + FINGERPRINT_BYTES)) {
    throw new FunctionError("Failed to parse cursor");
  }
  if (!bytes.subarray(1, 1 + FINGERPRINT_BYTES).equals(fingerprint)) {
    throw new FunctionError(
      "InvalidCursor: Tried to run a query starting from a cursor, but it looks like this cursor is from a different query.",
      {
        isConvexSystemError: true,
        paginationError: "InvalidCursor",
      },
    );
  }
  return kind === END ? { kind: "end" } : { kind: "after", key: Buffer.from(bytes.subarray(2 + FINGERPRINT_BYTES)) };
}

export type PageRequest = { pageSize?: unknown; maximumRowsRead?: unknown; maximumBytesRead?: unknown };

/** Convex's checks of `numItems` and the read limits, before anything is read. */
export function checkPageRequest({ pageSize, maximumRowsRead, maximumBytesRead }: PageRequest): number {
  if (typeof pageSize !== "number" || !Number.isInteger(pageSize) || pageSize < 0)
    throw new FunctionError(`Invalid pageSize: ${String(pageSize)}`);
  if (pageSize === 0) throw new FunctionError("Must request at least 1 document while paginating");
  if (pageSize > TRANSACTION_MAX_READ_SIZE_ROWS) throw new FunctionError(`Requested too many items: ${pageSize}`);
  if (maximumRowsRead === 0 || maximumBytesRead === 0)
    throw new FunctionError("maximumRowsRead and maximumBytesRead must be greater than 0");
  return pageSize;
}

export const multiplePaginatedQueries = () =>
  new FunctionError(
    "This query or mutation function ran multiple paginated queries. Convex only supports a single paginated query in each function.",
  );

/** index_range.rs `soft_data_limit`: 3/4 of a hard limit. */
export const softLimit = (hard: number) => Math.floor((hard * 3) / 4);
/** async_syscall.rs SOFT_MAX_PAGE_LEN. */
export const SOFT_MAX_PAGE_LEN = softLimit(8192);

/** What a page's scan counts, and where it must stop (index_range.rs `start_next`). */
export type ScanBudget = {
  maxRows?: number;
  maxBytes?: number;
  rowsRead: number;
  bytesReturned: number;
  limitHit: boolean;
  scanned: Buffer[];
};

export function scanBudget(limits: { maximumRowsRead?: unknown; maximumBytesRead?: unknown } | null): ScanBudget {
  const n = (x: unknown) => (typeof x === "number" && x > 0 ? x : undefined);
  return {
    maxRows: n(limits?.maximumRowsRead),
    maxBytes: n(limits?.maximumBytesRead),
    rowsRead: 0,
    bytesReturned: 0,
    limitHit: false,
    scanned: [],
  };
}

/** True (and recorded) when the next row may not be read. */
export function budgetSpent(budget: ScanBudget): boolean {
  if (
    (budget.maxRows !== undefined && budget.rowsRead >= budget.maxRows) ||
    (budget.maxBytes !== undefined && budget.bytesReturned >= budget.maxBytes)
  )
    budget.limitHit = true;
  return budget.limitHit;
}

/** pageStatus as read_page_from_query sets it. */
export function pageStatusOf(budget: ScanBudget, pageLength: number): "SplitRequired" | "SplitRecommended" | null {
  if (budget.limitHit) return "SplitRequired";
  const softRows = softLimit(Math.min(budget.maxRows ?? TRANSACTION_MAX_READ_SIZE_ROWS, TRANSACTION_MAX_READ_SIZE_ROWS));
  const softBytes = softLimit(Math.min(budget.maxBytes ?? TRANSACTION_MAX_READ_SIZE_BYTES, TRANSACTION_MAX_READ_SIZE_BYTES));
  return budget.rowsRead > softRows || budget.bytesReturned > softBytes || pageLength > SOFT_MAX_PAGE_LEN ? "SplitRecommended" : null;
}

/** index_range.rs `split_cursor_position`: the middle of the positions scanned, when there are more than two. */
export function splitKeyOf(budget: ScanBudget): Buffer | null {
  return budget.scanned.length <= 2 ? null : budget.scanned[Math.floor(budget.scanned.length / 2)];
}
