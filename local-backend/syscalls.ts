/** The syscalls that `convex/server` makes through the `Convex` global, answered from our store. */
import { Readable } from "node:stream";
import { convexToJson, jsonToConvex, type JSONValue, type Value } from "convex/values";
import type Database from "better-sqlite3";
import { parseDoc, SqlDocumentReads, type Doc, type DocumentReads, type RangeBound } from "./database";
import { FunctionError, splitTableKey, toFunctionError, type Engine, type Exec, type FunctionAddress } from "./engine";
import { evaluate } from "./filters";
import { FileBlob } from "./fileBlob";
import { documentValidationError } from "./schemaValidationError";
import type { ValidatorJson } from "./validate";
import { WriteSet, type Interval } from "./readSet";
import type { BufferedTransaction } from "./transaction";
import type { StoredFile } from "./executionProtocol";
import type { TransactionUsage } from "./convexLimits";
import { checkDocument } from "./valueLimits";
import { SearchError, type SearchFilterJson } from "./searchText";
import { overloaded, userOcc } from "./systemErrors";
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

const ZERO = Buffer.from([0]);
/**
 * crates/isolate/src/environment/udf/async_syscall.rs `system_table_guard`: system tables are read
 * through db.system only and never written by functions; user tables never through db.system.
 */
function systemTableGuard(tableKey: string, expectSystem: boolean) {
  const isSystem = splitTableKey(tableKey)[1].startsWith("_");
  if (expectSystem && !isSystem) throw new FunctionError("User tables cannot be accessed with db.system.");
  if (!expectSystem && isSystem) throw new FunctionError("System tables can only be accessed with db.system.");
}
/** "messages:send" → "messages.js:send", as Convex's CanonicalizedUdfPath prints it. */
const canonicalPath = (udfPath: string) => {
  const [module, name = "default"] = udfPath.split(":");
  return `${module.replace(/\.(js|ts)$/, "")}.js:${name}`;
};
const minKey = (a: Buffer, b: Buffer) => (Buffer.compare(a, b) <= 0 ? a : b);
const maxKey = (a: Buffer, b: Buffer) => (Buffer.compare(a, b) >= 0 ? a : b);

/** The end cursor of the page each execution read (keyed by its TransactionUsage, new for every run): its next query journal. */
const pageJournals = new WeakMap<TransactionUsage, string>();
/** The query journal a query's execution produced: the end of its page, or null when it did not paginate. */
export function journalOf(exec: Exec): string | null {
  return pageJournals.get(exec.usage) ?? null;
}

/**
 * A syscall's JSON arguments as the \`convex\` library sends them: each op has its own shape, read
 * field by field by its handler below (the library, not a client, builds them).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type SyscallArgs = Record<string, any>;

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

/** A Convex limit broken inside a syscall, as the function's error (not an internal one). */
function withinLimits<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw new FunctionError((error as Error).message);
  }
}

const cache = new WeakMap<Engine, ReturnType<typeof build>>();
export function syscalls(engine: Engine) {
  let s = cache.get(engine);
  if (!s) cache.set(engine, (s = build(engine)));
  return s;
}

/** Schema document validators by table key, set by the loader. */
export const documentValidators = new Map<string, ValidatorJson>();

function build(engine: Engine) {
  const store = engine.store;
  const key = (exec: Exec, table: string) => `${exec.componentPath}:${table}`;
  let streamCounter = 0;
  /** A query reads its snapshot, a mutation its transaction; a function run in this thread, the store. */
  const docsOf = (exec: Exec): DocumentReads => exec.snapshot ?? store;
  /** Writes go to the mutation's buffered transaction (transaction.ts), else to the store's open transaction. */
  const put = (exec: Exec, tableKey: string, doc: Doc, previous: Doc | null) =>
    exec.tx ? exec.tx.write(tableKey, doc, previous) : store.write(tableKey, doc, previous, exec.writes);
  const remove = (exec: Exec, tableKey: string, doc: Doc) =>
    exec.tx ? exec.tx.delete(tableKey, doc) : store.delete(tableKey, doc, exec.writes);

  function requireWrite(exec: Exec) {
    if (!exec.inTransaction || exec.type !== "mutation") {
      throw new FunctionError("Writes are only allowed in mutations.");
    }
  }

  function ownDoc(exec: Exec, id: string): { tableKey: string; doc: Doc } | null {
    const tableKey = store.tableOfId(id);
    if (!tableKey || splitTableKey(tableKey)[0] !== exec.componentPath) return null;
    exec.reads.point(tableKey, id);
    const doc = docsOf(exec).get(id);
    return doc ? { tableKey, doc } : null;
  }

  function checkSchema(exec: Exec, tableKey: string, doc: Doc) {
    const validator = documentValidators.get(tableKey);
    if (!validator) {
      const table = splitTableKey(tableKey)[1];
      if (!table.startsWith("_") && documentValidators.size > 0 && !knownTable(tableKey)) {
        throw new FunctionError(`Table "${table}" is not in the schema.`);
      }
      return;
    }
    const problem = documentValidationError(validator, doc as Record<string, Value>, (id) => engine.tableNameOf(exec.componentPath, id));
    if (problem) {
      throw new FunctionError(
        `Failed to insert or update a document in table "${splitTableKey(tableKey)[1]}" because it does not match the schema: ${problem}`,
      );
    }
  }
  const knownTable = (tableKey: string) => documentValidators.has(tableKey);

  function write(exec: Exec, tableKey: string, doc: Doc, previous: Doc | null) {
    withinLimits(() => exec.usage.write(checkDocument(doc as Record<string, Value>)));
    checkSchema(exec, tableKey, doc);
    put(exec, tableKey, doc, previous);
  }

  function startStream(exec: Exec, query: SerializedQuery): Stream {
    const source = query.source;
    if (source.type === "Search") return startSearch(exec, query, source);
    let tableKey: string;
    let indexName: string;
    let range: RangeBound[] = [];
    if (source.type === "FullTableScan") {
      tableKey = key(exec, source.tableName);
      indexName = "by_creation_time";
    } else {
      const dot = source.indexName.lastIndexOf(".");
      tableKey = key(exec, source.indexName.slice(0, dot));
      indexName = source.indexName.slice(dot + 1);
      range = source.range;
    }
    const { low, high } = store.bounds(tableKey, indexName, range);
    withinLimits(() => exec.usage.range());
    const limit = query.operators.find((o) => o.limit !== undefined)?.limit;
    const order = source.order ?? "asc";
    // Nothing seen yet: an empty interval at the end the scan starts from.
    const seen = order === "asc" ? exec.reads.range(tableKey, indexName, low, low) : exec.reads.range(tableKey, indexName, high, high);
    return {
      tableKey,
      indexName,
      low,
      high,
      order,
      after: null,
      buffer: [],
      exhausted: false,
      filters: query.operators.filter((o) => o.filter).map((o) => o.filter!),
      remaining: limit ?? Number.POSITIVE_INFINITY,
      batch: 2,
      keys: [],
      seen,
      usage: exec.usage,
      docs: docsOf(exec),
    };
  }

  /** A stream over a search index's results, in relevance order; its key space is the results' (score, creation time, id). */
  function startSearch(exec: Exec, query: SerializedQuery, source: Extract<QuerySource, { type: "Search" }>): Stream {
    const dot = source.indexName.lastIndexOf(".");
    const tableKey = key(exec, source.indexName.slice(0, dot));
    let search: SearchResults;
    try {
      const run = (at: Database.Database) =>
        searchIndexesOf(store).search(tableKey, source.indexName.slice(dot + 1), source.filters, exec.reads, docsOf(exec), at);
      // At the execution's snapshot, as its documents are read; a mutation that wrote already: at
      // the latest commit with its writes applied (a read-only snapshot cannot hold them; its read
      // set still makes any commit between its snapshot and this search a conflict).
      search = exec.tx && exec.tx.size > 0 ? withOwnWrites(exec.tx, () => run(store.sql).materialized()) : run(searchConnection(exec));
    } catch (error) {
      throw error instanceof SearchError ? new FunctionError(error.message) : error;
    }
    const limit = query.operators.find((o) => o.limit !== undefined)?.limit;
    const none = Buffer.alloc(0);
    return {
      tableKey,
      indexName: source.indexName.slice(dot + 1),
      low: none,
      high: none,
      order: "asc",
      after: null,
      buffer: [],
      exhausted: false,
      filters: query.operators.filter((o) => o.filter).map((o) => o.filter!),
      remaining: limit ?? Number.POSITIVE_INFINITY,
      batch: 2,
      keys: [],
      seen: { low: none, high: none },
      search,
      usage: exec.usage,
      docs: docsOf(exec),
    };
  }

  /** The connection a search reads its index on: its execution's snapshot, or the store's (an execution inside the store's own transaction). */
  function searchConnection(exec: Exec): Database.Database {
    const reads = exec.tx ? exec.tx.base : exec.snapshot;
    return reads instanceof SqlDocumentReads ? reads.connection : store.sql;
  }

  /**
   * Runs a search with a mutation's buffered writes applied to the store, then undone: the search
   * index (FTS5, kept by the store's write hooks) sees what the mutation wrote so far. One
   * synchronous step, so no commit or other reader sees the tentative writes.
   */
  function withOwnWrites<T>(tx: BufferedTransaction, run: () => T): T {
    store.begin();
    try {
      tx.commitTo(store, new WriteSet());
      return run();
    } finally {
      store.rollback();
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
      // Rows a filter passes over count as read, as on Convex; bytes as stored JSON. A search
      // result is fetched by id on Convex (database/src/query/search_query.rs: `get_with_ts` per
      // candidate), so each one is also a read interval of its own.
      if (stream.usage) {
        const usage = stream.usage;
        withinLimits(() => {
          if (stream.search) usage.range();
          usage.read(json.length);
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

  function fileUrl(storageId: string) {
    return `${engine.opts.cloudUrl()}/api/storage/${storageId}`;
  }

  function storageDoc(exec: Exec, storageId: string) {
    const found = ownDoc(exec, storageId);
    return found && splitTableKey(found.tableKey)[1] === "_storage" ? found : null;
  }

  function schedule(exec: Exec, args: FunctionAddress & { args: JSONValue; ts: number }) {
    const target = engine.address(exec.componentPath, args);
    engine.resolve(target.componentPath, target.udfPath); // fail now if it does not exist
    const tableKey = key(exec, "_scheduled_functions");
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
    withinLimits(() => exec.usage.schedule(JSON.stringify(args.args).length));
    put(exec, tableKey, doc, null);
    return doc._id;
  }

  function cancel(exec: Exec, id: string) {
    const found = ownDoc(exec, id);
    if (!found) return;
    const state = (found.doc.state as { kind: string }).kind;
    if (state === "pending" || state === "inProgress") {
      put(exec, found.tableKey, { ...found.doc, state: { kind: "canceled" }, completedTime: Date.now() }, found.doc);
    }
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

  const sync = (exec: Exec, op: string, args: SyscallArgs): string => {
    switch (op) {
      case "1.0/queryStream": {
        const id = ++streamCounter;
        exec.streams.set(id, startStream(exec, args.query));
        return JSON.stringify({ queryId: id });
      }
      case "local/queryStreamRead":
        return readWholeStream(exec, args.query);
      case "1.0/queryCleanup":
        exec.streams.delete(args.queryId);
        return JSON.stringify({});
      case "1.0/db/normalizeId": {
        const tableKey = store.tableOfId(args.idString);
        return JSON.stringify({ id: tableKey === key(exec, args.table) ? args.idString : null });
      }
      case "1.0/getSnapshotTs":
        return JSON.stringify(convexToJson(BigInt(Date.now()) as Value));

      // Convex's own test syscalls for system errors (crates/isolate/src/environment/udf/syscall.rs):
      // the query or mutation then fails with that error, whatever its code makes of the exception.
      case "throwOcc":
      case "throwOverloaded":
        if (exec.type !== "query" && exec.type !== "mutation") break;
        exec.systemError = op === "throwOcc" ? userOcc(null) : overloaded();
        throw exec.systemError;
    }
    throw new FunctionError(`The local backend does not support syscall ${op}.`);
  };

  const async = async (exec: Exec, op: string, args: SyscallArgs): Promise<string> => {
    const json = (v: unknown) => JSON.stringify(convexToJson((v === undefined ? null : v) as Value));
    switch (op) {
      case "1.0/get": {
        const tableKey = store.tableOfId(args.id);
        if (!tableKey || splitTableKey(tableKey)[0] !== exec.componentPath) return "null";
        if (typeof args.isSystem === "boolean") systemTableGuard(tableKey, args.isSystem);
        exec.reads.point(tableKey, args.id);
        withinLimits(() => exec.usage.range());
        if (args.table && splitTableKey(tableKey)[1] !== args.table) return "null";
        const found = docsOf(exec).getJson(args.id);
        if (found) withinLimits(() => exec.usage.read(found.length));
        return found ?? "null";
      }
      case "1.0/queryStreamNext": {
        const stream = exec.streams.get(args.queryId) as Stream | undefined;
        if (!stream) throw new FunctionError("Query stream is closed.");
        const row = next(stream);
        return row ? `{"value":${row.json},"done":false}` : `{"value":null,"done":true}`;
      }
      case "1.0/queryPage": {
        // crates/isolate/src/environment/udf/async_syscall.rs `query_page` (pagination.ts).
        const pageSize = checkPageRequest(args);
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
      case "1.0/count": {
        const tableKey = key(exec, args.table);
        exec.reads.table(tableKey);
        return json(docsOf(exec).count(tableKey));
      }
      case "1.0/insert": {
        requireWrite(exec);
        const tableKey = key(exec, args.table);
        if (args.table.startsWith("_")) throw new FunctionError(`System table ${args.table} is read-only.`);
        const value = jsonToConvex(args.value) as Record<string, Value>;
        const doc = { ...value, _id: store.newId(tableKey), _creationTime: store.nextCreationTime() } as Doc;
        write(exec, tableKey, doc, null);
        return JSON.stringify({ _id: doc._id });
      }
      case "1.0/shallowMerge":
      case "1.0/replace": {
        requireWrite(exec);
        const found = ownDoc(exec, args.id);
        if (!found) throw new FunctionError(`Update on nonexistent document ID ${args.id}`);
        const { tableKey, doc: previous } = found;
        systemTableGuard(tableKey, false);
        let doc: Doc;
        if (op === "1.0/replace") {
          doc = { ...(jsonToConvex(args.value) as Record<string, Value>), _id: previous._id, _creationTime: previous._creationTime } as Doc;
        } else {
          doc = { ...previous };
          for (const [field, raw] of Object.entries(args.value as Record<string, JSONValue>)) {
            if (field === "_id" || field === "_creationTime") continue;
            if (raw !== null && typeof raw === "object" && "$undefined" in raw) delete doc[field];
            else doc[field] = jsonToConvex(raw);
          }
        }
        write(exec, tableKey, doc, previous);
        return JSON.stringify({});
      }
      case "1.0/remove": {
        requireWrite(exec);
        const found = ownDoc(exec, args.id);
        if (!found) throw new FunctionError(`Delete on nonexistent document ID ${args.id}`);
        systemTableGuard(found.tableKey, false);
        withinLimits(() => exec.usage.write(0));
        remove(exec, found.tableKey, found.doc);
        return JSON.stringify({});
      }
      case "1.0/getUserIdentity":
        if (exec.identityError !== undefined) throw new FunctionError(exec.identityError);
        return json(exec.identity);
      case "1.0/storageGenerateUploadUrl":
        return json(`${engine.opts.cloudUrl()}/api/storage/upload?token=${engine.opts.uploadToken()}`);
      case "1.0/storageGetUrl":
        return json(storageDoc(exec, args.storageId) ? fileUrl(args.storageId) : null);
      case "1.0/storageGetMetadata": {
        const found = storageDoc(exec, args.storageId);
        if (!found) return json(null);
        const { sha256, size, contentType } = found.doc as Doc & { sha256: string; size: number; contentType?: string };
        // storage.getMetadata gives the digest in hex (udf-runtime storage.ts; the _storage row keeps base64).
        return json({
          storageId: args.storageId,
          sha256: Buffer.from(sha256, "base64").toString("hex"),
          size,
          contentType: contentType ?? null,
        });
      }
      case "1.0/storageDelete": {
        const found = storageDoc(exec, args.storageId);
        if (!found) throw new FunctionError(`storage id ${args.storageId} not found`); // crates/file_storage/src/core.rs
        const del = (inner: Exec) => {
          remove(inner, found.tableKey, found.doc);
          inner.filesToDelete.push(args.storageId);
        };
        if (exec.inTransaction) del(exec);
        else await engine.write(exec, del);
        return JSON.stringify(null);
      }
      case "1.0/schedule":
        requireWrite(exec);
        return json(schedule(exec, args as never));
      case "1.0/actions/schedule":
        return json(await engine.write(exec, (inner) => schedule(inner, args as never)));
      case "1.0/cancel_job":
        requireWrite(exec);
        cancel(exec, args.id);
        return JSON.stringify(null);
      case "1.0/actions/cancel_job":
        await engine.write(exec, (inner) => cancel(inner, args.id));
        return JSON.stringify(null);
      case "1.0/actions/query":
      case "1.0/actions/mutation":
      case "1.0/actions/action": {
        const type = op.split("/")[2] as "query" | "mutation" | "action";
        const target = engine.address(exec.componentPath, args);
        const { value } = await engine
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
        return json(value);
      }
      case "1.0/runUdf": {
        const type = args.udfType === "snapshotQuery" ? "query" : (args.udfType as "query" | "mutation");
        const target = engine.address(exec.componentPath, args);
        return json(await engine.runNested(exec, type, target.componentPath, target.udfPath, jsonToConvex(args.args) as never));
      }
      case "1.0/createFunctionHandle": {
        const target = engine.address(exec.componentPath, args);
        return json(`function://${target.componentPath};${target.udfPath}`);
      }
      case "1.0/getFunctionMetadata":
        return json({ name: exec.udfPath, componentPath: exec.componentPath });
      case "1.0/getRequestMetadata":
        return json({ ip: null, userAgent: null, requestId: exec.requestId });
      case "1.0/getDeploymentMetadata":
        return json({ name: "local", region: null, class: "local" });
      case "1.0/getTransactionMetrics":
        return json(exec.usage.metrics());
      default:
        throw new FunctionError(`The local backend does not support syscall ${op}.`);
    }
  };

  const js = (exec: Exec, op: string, args: SyscallArgs): unknown => {
    switch (op) {
      case "storage/storeBlob":
        return storeBlob(exec, args.blob as Blob);
      case "storage/getBlob":
        return (async () => {
          const file = storedFile(exec, args.storageId);
          return file ? new FileBlob(file.path, 0, file.size, file.contentType) : null;
        })();
      default:
        throw new FunctionError(`The local backend does not support ${op}.`);
    }
  };

  /** Where a stored file's bytes lie. Stored files never change: the row's size is the file's size, no stat needed. */
  function storedFile(exec: Exec, storageId: string): StoredFile {
    const found = storageDoc(exec, storageId);
    if (!found) return null;
    return {
      path: engine.opts.blobs.pathOf(storageId),
      size: Number(found.doc.size),
      contentType: (found.doc.contentType as string | undefined) ?? "",
    };
  }

  /** The file is on disk under its id before the `_storage` row commits: a crash leaves no row without bytes. */
  async function storeBlob(exec: Exec, blob: Blob) {
    const received = await engine.opts.blobs.receive(Readable.fromWeb(blob.stream() as never));
    const tableKey = key(exec, "_storage");
    const id = store.newId(tableKey);
    await engine.opts.blobs.adopt(received.temp, id);
    await engine.write(exec, (inner) => {
      const doc = { _id: id, _creationTime: store.nextCreationTime(), sha256: received.sha256, size: received.size } as Doc;
      if (blob.type) doc.contentType = blob.type;
      store.write(tableKey, doc, null, inner.writes);
    });
    return id;
  }

  return { sync, async, js, storeBlob, storedFile };
}
