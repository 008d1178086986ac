/**
 * Queries' syscalls (convex/server query_impl.ts): a query as a stream of documents over an
 * index range or a search index's results, read a batch at a time, and a page of it
 * (pagination.ts). What a stream hands over, and what it passes over, is in the execution's read set.
 */
import type Database from "better-sqlite3";
import { parseDoc, SqlDocumentReads, type DocumentReads } from "./database";
import type { Exec } from "./exec";
import { evaluate } from "./filters";
import { FunctionError, toFunctionError } from "./functionError";
import type { RangeBound } from "./indexRange";
import { WriteSet, type Interval } from "./readSet";
import type { BufferedTransaction } from "./transaction";
import type { TransactionUsage } from "./convexLimits";
import { storedDocumentSize } from "./valueLimits";
import { SearchError, type SearchFilterJson } from "./searchText";
import { searchIndexesOf, type SearchResults } from "./search";
import {
  budgetSpent,
  checkPageRequest,
  decodeCursor,
  encodeCursor,
  multiplePaginatedQueries,
  pageStatusOf,
  queryFingerprint,
  scanBudget,
  splitKeyOf,
  type CursorPosition,
  type ScanBudget,
} from "./pagination";
import { withinLimits, type SyscallArgs, type SyscallContext, type SyscallTable } from "./syscallContext";

const ZERO = Buffer.from([0]);
const minKey = (a: Buffer, b: Buffer) => (Buffer.compare(a, b) <= 0 ? a : b);
const maxKey = (a: Buffer, b: Buffer) => (Buffer.compare(a, b) >= 0 ? a : b);

/** The end cursor of the page each execution read (keyed by its TransactionUsage, new for every run): its next query journal. */
const pageJournals = new WeakMap<TransactionUsage, string>();
/** The query journal a query's execution produced: the end of its page, or null when it did not paginate. */
export function journalOf(exec: Exec): string | null {
  return pageJournals.get(exec.usage) ?? null;
}

type QuerySource =
  | { type: "FullTableScan"; tableName: string; order: "asc" | "desc" | null }
  | { type: "IndexRange"; indexName: string; range: RangeBound[]; order: "asc" | "desc" | null }
  | { type: "Search"; indexName: string; filters: SearchFilterJson[] };
type SerializedQuery = { source: QuerySource; operators: Array<{ filter?: Record<string, unknown>; limit?: number }> };

type Stream = {
  tableKey: string;
  indexName: string;
  low: Buffer;
  high: Buffer;
  order: "asc" | "desc";
  after: Buffer | null;
  /** Rows read but not yet returned, as stored JSON. */
  buffer: string[];
  exhausted: boolean;
  filters: Record<string, unknown>[];
  remaining: number;
  /** Rows to read next: starts small (first()/unique() read one or two) and doubles. */
  batch: number;
  keys: Buffer[];
  /**
   * The part of [low, high) the function has seen, in the exec's read set: it grows row by row
   * as rows are handed over (or passed over by a filter) and becomes the whole range only when
   * the stream reaches its end, so `first()` / `take(n)` depend on the rows up to the last one.
   */
  seen: Interval;
  /** A page's scan: rows and bytes read against maximumRowsRead / maximumBytesRead (pagination.ts). */
  budget?: ScanBudget;
  /** A search index's results (search.ts), read instead of an index range. */
  search?: SearchResults;
  /** The transaction's reads, counted against Convex's limits (convexLimits.ts). */
  usage?: TransactionUsage;
  /** Where rows are read: the execution's snapshot or transaction (engine.ts), else the store. */
  docs: DocumentReads;
};

export function querySyscalls(ctx: SyscallContext): { sync: SyscallTable<string>; async: SyscallTable<Promise<string>> } {
  let streamCounter = 0;

  function startStream(exec: Exec, query: SerializedQuery): Stream {
    const source = query.source;
    if (source.type === "Search") return startSearch(exec, query, source);
    let tableKey: string;
    let indexName: string;
    let range: RangeBound[] = [];
    if (source.type === "FullTableScan") {
      tableKey = ctx.key(exec, source.tableName);
      indexName = "by_creation_time";
    } else {
      const dot = source.indexName.lastIndexOf(".");
      tableKey = ctx.key(exec, source.indexName.slice(0, dot));
      indexName = source.indexName.slice(dot + 1);
      range = source.range;
    }
    const { low, high } = ctx.store.bounds(tableKey, indexName, range);
    withinLimits(() => exec.usage.range());
    const order = source.order ?? "asc";
    // Nothing seen yet: an empty interval at the end the scan starts from.
    const seen = order === "asc" ? exec.reads.range(tableKey, indexName, low, low) : exec.reads.range(tableKey, indexName, high, high);
    return { ...unread(exec, query), tableKey, indexName, low, high, order, seen, usage: exec.usage };
  }

  /** What every stream starts with: nothing read yet, the query's filters and limit, the execution's documents. */
  function unread(exec: Exec, query: SerializedQuery) {
    const limit = query.operators.find((o) => o.limit !== undefined)?.limit;
    return {
      after: null,
      buffer: [],
      exhausted: false,
      filters: query.operators.filter((o) => o.filter).map((o) => o.filter!),
      remaining: limit ?? Number.POSITIVE_INFINITY,
      batch: 2,
      keys: [],
      docs: ctx.docsOf(exec),
    };
  }

  /** A stream over a search index's results, in relevance order; its key space is the results' (score, creation time, id). */
  function startSearch(exec: Exec, query: SerializedQuery, source: Extract<QuerySource, { type: "Search" }>): Stream {
    const dot = source.indexName.lastIndexOf(".");
    const tableKey = ctx.key(exec, source.indexName.slice(0, dot));
    let search: SearchResults;
    try {
      const run = (at: Database.Database) =>
        searchIndexesOf(ctx.store).search(tableKey, source.indexName.slice(dot + 1), source.filters, exec.reads, ctx.docsOf(exec), at);
      // At the execution's snapshot, as its documents are read; a mutation that wrote already: at
      // the latest commit with its writes applied (a read-only snapshot cannot hold them; its read
      // set still makes any commit between its snapshot and this search a conflict).
      search = exec.tx && exec.tx.size > 0 ? withOwnWrites(exec.tx, () => run(ctx.store.sql).materialized()) : run(searchConnection(exec));
    } catch (error) {
      throw error instanceof SearchError ? new FunctionError(error.message) : error;
    }
    const none = Buffer.alloc(0);
    return {
      ...unread(exec, query),
      tableKey,
      indexName: source.indexName.slice(dot + 1),
      low: none,
      high: none,
      order: "asc",
      seen: { low: none, high: none },
      search,
      usage: exec.usage,
    };
  }

  /** The connection a search reads its index on: its execution's snapshot, or the store's (an execution inside the store's own transaction). */
  function searchConnection(exec: Exec): Database.Database {
    const reads = exec.tx ? exec.tx.base : exec.snapshot;
    return reads instanceof SqlDocumentReads ? reads.connection : ctx.store.sql;
  }

  /**
   * Runs a search with a mutation's buffered writes applied to the store, then undone: the search
   * index (FTS5, kept by the store's write hooks) sees what the mutation wrote so far. One
   * synchronous step, so no commit or other reader sees the tentative writes.
   */
  function withOwnWrites<T>(tx: BufferedTransaction, run: () => T): T {
    ctx.store.begin();
    try {
      tx.commitTo(ctx.store, new WriteSet());
      return run();
    } finally {
      ctx.store.rollback();
    }
  }

  /** Starts a stream strictly after `cursor` (pagination): what lies before it is not read. */
  function startAfter(stream: Stream, cursor: Buffer) {
    if (stream.search) return stream.search.skipThrough(cursor);
    stream.after = cursor;
    if (stream.order === "asc") {
      const start = Buffer.concat([cursor, ZERO]);
      if (Buffer.compare(start, stream.low) > 0) stream.seen.low = stream.seen.high = start;
    } else if (Buffer.compare(cursor, stream.high) < 0) {
      stream.seen.low = stream.seen.high = cursor;
    }
  }

  /** The stream has handed over (or filtered out) the row at `rowKey`. */
  function sawRow(stream: Stream, rowKey: Buffer) {
    if (stream.order === "asc") stream.seen.high = Buffer.concat([rowKey, ZERO]);
    else stream.seen.low = rowKey;
  }

  /** The stream reached the end of its range: all of what remained was read. */
  function sawEnd(stream: Stream) {
    if (stream.order === "asc") stream.seen.high = stream.high;
    else stream.seen.low = stream.low;
    return null;
  }

  /** The next document (stored JSON) of a stream that passes its filters, or null at the end. */
  function next(stream: Stream): { json: string; key: Buffer } | null {
    for (;;) {
      if (stream.remaining <= 0) return null;
      if (stream.budget && budgetSpent(stream.budget)) return null;
      if (stream.buffer.length === 0 && stream.search) {
        let rows;
        try {
          rows = stream.search.take(stream.batch);
        } catch (error) {
          throw error instanceof SearchError ? new FunctionError(error.message) : error;
        }
        stream.batch = Math.min(stream.batch * 4, 256);
        if (rows.length === 0) return sawEnd(stream);
        stream.keys = rows.map((r) => r.key);
        stream.buffer = rows.map((r) => r.json);
      } else if (stream.buffer.length === 0) {
        if (stream.exhausted) return sawEnd(stream);
        const want = Math.min(
          stream.batch,
          Number.isFinite(stream.remaining) && stream.filters.length === 0 ? Math.max(stream.remaining, 1) : stream.batch,
        );
        const rows = stream.docs.scan(stream.tableKey, stream.indexName, stream.low, stream.high, stream.order, stream.after, want);
        stream.batch = Math.min(stream.batch * 4, 256);
        // Fewer rows than asked for: the range has nothing more (no second scan to find that out).
        stream.exhausted = rows.length < want;
        if (rows.length === 0) return sawEnd(stream);
        stream.after = rows[rows.length - 1].key;
        stream.keys = rows.map((r) => r.key);
        stream.buffer = rows.map((r) => r.json);
      }
      const json = stream.buffer.shift()!;
      const rowKey = stream.keys.shift()!;
      sawRow(stream, rowKey);
      if (stream.budget) {
        stream.budget.rowsRead++;
        stream.budget.scanned.push(rowKey);
      }
      // Rows a filter passes over count as read, as on Convex, with Convex's size. A search
      // result is fetched by id on Convex (database/src/query/search_query.rs: `get_with_ts` per
      // candidate), so each one is also a read interval of its own.
      if (stream.usage) {
        const usage = stream.usage;
        withinLimits(() => {
          if (stream.search) usage.range();
          usage.read(storedDocumentSize(json));
        });
      }
      // Documents go back to the function as stored; they are parsed only to evaluate filters.
      if (stream.filters.length === 0 || stream.filters.every((f) => evaluate(parseDoc(json), f) === true)) {
        stream.remaining--;
        if (stream.budget) stream.budget.bytesReturned += json.length;
        return { json, key: rowKey };
      }
    }
  }

  /** crates/isolate/src/environment/udf/async_syscall.rs `query_page` (pagination.ts). */
  function queryPage(exec: Exec, args: SyscallArgs): string {
    const pageSize = checkPageRequest(args);
    // async_syscall.rs `query_page`: PaginationUnsupportedInComponents (system functions aside,
    // and ours never paginate through this syscall).
    if (exec.componentPath !== "")
      throw new FunctionError(
        "paginate() is only supported in the app. Learn more at https://docs.convex.dev/components/authoring#pagination",
      );
    if (pageJournals.has(exec.usage)) throw multiplePaginatedQueries();
    const fingerprint = queryFingerprint(args.query);
    const start = args.cursor === null || args.cursor === undefined ? null : decodeCursor(args.cursor, fingerprint);
    // Without an explicit end, the end of this query's previous page (its journal) is kept.
    const endText: string | null = args.endCursor ?? exec.journal ?? null;
    const end = endText === null ? null : decodeCursor(endText, fingerprint);
    const stream = startStream(exec, args.query);
    // An end position bounds the scan and lifts the row and byte limits (index_range.rs `enforce_limits`).
    const budget = (stream.budget = scanBudget(end ? null : args));
    if (end?.kind === "after" && !stream.search) {
      if (stream.order === "asc") stream.high = minKey(stream.high, Buffer.concat([end.key, ZERO]));
      else stream.low = maxKey(stream.low, end.key);
    }
    const page: string[] = [];
    let done = false;
    if (start?.kind === "end") done = true;
    else {
      if (start) startAfter(stream, start.key);
      while (end || page.length < pageSize) {
        const row = next(stream);
        if (!row) {
          done = !budget.limitHit;
          break;
        }
        if (end?.kind === "after" && stream.search && Buffer.compare(row.key, end.key) > 0) break;
        page.push(row.json);
      }
    }
    const last = budget.scanned.at(-1) ?? (start?.kind === "after" ? start.key : null);
    const position: CursorPosition =
      end ?? (done ? { kind: "end" } : last ? { kind: "after", key: last } : { kind: "after", key: Buffer.alloc(0) });
    const continueCursor = end ? endText! : encodeCursor(fingerprint, position);
    const split = stream.search ? null : splitKeyOf(budget);
    const splitCursor = split ? encodeCursor(fingerprint, { kind: "after", key: split }) : null;
    pageJournals.set(exec.usage, continueCursor);
    const isDone = end ? end.kind === "end" : done;
    return `{"page":[${page.join(",")}],"isDone":${isDone},"continueCursor":${JSON.stringify(continueCursor)},"splitCursor":${JSON.stringify(splitCursor)},"pageStatus":${JSON.stringify(pageStatusOf(budget, page.length))}}`;
  }

  /**
   * `1.0/queryStream` for a pool worker (workerQueries.ts): a `first()` / `unique()` over an index
   * range (a limit of one or two, no filter) is read to its end at once and its rows sent with the
   * stream's id, so the worker answers the function's `queryStreamNext` calls itself, one message
   * instead of four. Nothing differs for the function: such a stream is read in one scan at its
   * first `next` anyway (`next` above), which the worker posts without running any code between,
   * and `collect()` reads it to its end; the reads and the limits counted are the same. A limit
   * broken on the way is sent as the error the `next` that met it would have failed with.
   * Any other query is opened as `1.0/queryStream` opens it.
   */
  function readWholeStream(exec: Exec, query: SerializedQuery): string {
    const id = ++streamCounter;
    const stream = startStream(exec, query);
    const limit = query.operators.find((o) => o.limit !== undefined)?.limit;
    const whole = query.source.type !== "Search" && stream.filters.length === 0 && limit !== undefined && limit <= 2;
    if (!whole) {
      exec.streams.set(id, stream);
      return JSON.stringify({ queryId: id });
    }
    const rows: string[] = [];
    let error: { message: string; data?: unknown } | undefined;
    try {
      for (let row = next(stream); row; row = next(stream)) rows.push(row.json);
    } catch (thrown) {
      const failure = toFunctionError(thrown);
      error = { message: failure.message, ...(failure.data === undefined ? {} : { data: failure.data }) };
    }
    return JSON.stringify({ queryId: id, rows, ...(error ? { error } : {}) });
  }

  return {
    sync: {
      "1.0/queryStream": (exec, args) => {
        const id = ++streamCounter;
        exec.streams.set(id, startStream(exec, args.query));
        return JSON.stringify({ queryId: id });
      },
      "local/queryStreamRead": (exec, args) => readWholeStream(exec, args.query),
      "1.0/queryCleanup": (exec, args) => {
        exec.streams.delete(args.queryId);
        return JSON.stringify({});
      },
    },
    async: {
      "1.0/queryStreamNext": async (exec, args) => {
        const stream = exec.streams.get(args.queryId) as Stream | undefined;
        if (!stream) throw new FunctionError("Query stream is closed.");
        const row = next(stream);
        return row ? `{"value":${row.json},"done":false}` : `{"value":null,"done":true}`;
      },
      "1.0/queryPage": async (exec, args) => queryPage(exec, args),
    },
  };
}
