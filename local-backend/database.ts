/**
 * Documents and indexes in SQLite (better-sqlite3, WAL). Every schema index, plus
 * by_creation_time and by_id, is a set of rows (index name, order-preserving key, id), so
 * `withIndex` ranges, ordering, limits and pagination are SQLite range scans.
 * A table is addressed as `componentPath:table` ("" for the app itself).
 */
import Database from "better-sqlite3";
import { convexToJson, jsonToConvex } from "convex/values";
import { afterPrefix, encodeKey, fieldValue, valueFromJson, type Value } from "./keys";
import type { WriteSet } from "./readSet";
import { decodeId, defaultTableNumber, newDocumentId } from "./ids";
import { checkIndexRange, type RangeBound } from "./indexRange";
import { WalCheckpointer } from "./walCheckpointer";

export type Doc = Record<string, Value> & { _id: string; _creationTime: number };
export type IndexDef = { name: string; fields: string[] };

const BATCH = 256;
/** The index key encoding of the data file's entries (meta "indexKeys"): "2" keeps a NaN's bits (keys.ts). */
const INDEX_KEYS_VERSION = "2";
const ZERO = Buffer.from([0]);
/** The page size of a new data file (SQLite's default is 4096). */
export const PAGE_SIZE = 8192;

export class DocumentStore {
  readonly sql: Database.Database;
  private indexes = new Map<string, IndexDef[]>(); // tableKey → indexes
  private tableNumbers = new Map<string, number>();
  /** Table number → tables: one per component at most (a snapshot from Convex numbers each component's tables on its own). */
  private tablesByNumber = new Map<number, string[]>();
  private lastCreationTime = 0;
  private savedCreationTime = 0;
  /** Prepared SAVEPOINT / RELEASE / ROLLBACK TO statements per nesting depth (statements are parsed once). */
  private savepoints: Array<{ open: Database.Statement; release: Database.Statement; undo: Database.Statement }> = [];
  private depth = 0;
  private stmt: Record<string, Database.Statement>;
  /** Gets, counts and index scans over the store's own connection (latest committed state, or its open transaction). */
  private readonly reads: SqlDocumentReads;
  /** Called on every document write and delete, inside its transaction (search indexes keep in step: search.ts). */
  readonly writeHooks: Array<(tableKey: string, doc: Doc | null, previous: Doc | null, touched?: WriteSet) => void> = [];
  /** Checkpoints the WAL on a thread of its own (the server's store: walCheckpointer.ts); null where SQLite's automatic checkpoint runs. */
  readonly checkpointer: WalCheckpointer | null = null;

  /** `checkpointInWorker`: the WAL is checkpointed by a worker thread, not inside commits (the server's store). */
  constructor(file: string, options: { checkpointInWorker?: boolean; checkpointIntervalMs?: number; walRestartFrames?: number } = {}) {
    this.sql = new Database(file);
    // A new data file gets 8 KiB pages (the page size is fixed once the first table exists; an
    // older file keeps its 4 KiB pages and works as before). scripts/bench-page-size.ts compares:
    // 16 KiB pages made 100k-document index lookups a little faster but every commit 25-40 % dearer
    // (a search-indexed insert ~45 %); 8 KiB keeps commits at 4 KiB's cost with the shallower trees.
    if (this.sql.pragma("page_count", { simple: true }) === 0) this.sql.pragma(`page_size = ${PAGE_SIZE}`);
    this.sql.pragma("journal_mode = WAL");
    this.sql.pragma("synchronous = NORMAL");
    if (options.checkpointInWorker && this.sql.pragma("journal_mode", { simple: true }) === "wal") {
      this.sql.pragma("wal_autocheckpoint = 0");
      // Should the worker fail, SQLite's own checkpoint (every 1000 pages) takes over again.
      this.checkpointer = new WalCheckpointer(file, () => this.sql.open && this.sql.pragma("wal_autocheckpoint = 1000"), {
        intervalMs: options.checkpointIntervalMs,
        restartFrames: options.walRestartFrames,
      });
    }
    // Up to 64 MiB of pages stay in SQLite's own cache (filled only as pages are read).
    this.sql.pragma("cache_size = -65536");
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS documents (id TEXT PRIMARY KEY, tbl TEXT NOT NULL, json TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS index_entries (idx TEXT NOT NULL, key BLOB NOT NULL, id TEXT NOT NULL, PRIMARY KEY (idx, key)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS tables (tbl TEXT PRIMARY KEY, num INTEGER NOT NULL, indexes TEXT NOT NULL DEFAULT '[]');
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
    `);
    this.loadTableNumbers();
    this.reads = new SqlDocumentReads(this.sql);
    this.stmt = {
      put: this.sql.prepare("INSERT OR REPLACE INTO documents (id, tbl, json) VALUES (?, ?, ?)"),
      del: this.sql.prepare("DELETE FROM documents WHERE id = ?"),
      putIndex: this.sql.prepare("INSERT INTO index_entries (idx, key, id) VALUES (?, ?, ?)"),
      delIndex: this.sql.prepare("DELETE FROM index_entries WHERE idx = ? AND key = ?"),
      getMeta: this.sql.prepare("SELECT v FROM meta WHERE k = ?"),
      putMeta: this.sql.prepare("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)"),
      begin: this.sql.prepare("BEGIN IMMEDIATE"),
      commit: this.sql.prepare("COMMIT"),
      rollback: this.sql.prepare("ROLLBACK"),
    };
    this.lastCreationTime = Number(this.getMeta("lastCreationTime") ?? 0);
    this.savedCreationTime = this.lastCreationTime;
    this.rewriteNanKeys();
  }

  /**
   * Index keys written before keys.ts kept a NaN's sign and payload (as Convex's sort key does)
   * encoded every NaN as Number.NaN: the entries of the documents that hold a float in Convex's
   * JSON form (`$float`: NaN, ±Infinity, -0) are written again, once per data file, so that an
   * update or delete finds the entry it replaces.
   */
  private rewriteNanKeys() {
    if (this.getMeta("indexKeys") === INDEX_KEYS_VERSION) return;
    this.transaction(() => {
      const tables = this.sql.prepare("SELECT tbl, indexes FROM tables").all() as { tbl: string; indexes: string }[];
      const floats = this.sql.prepare(`SELECT json FROM documents WHERE tbl = ? AND json LIKE '%"$float"%'`);
      const drop = this.sql.prepare("DELETE FROM index_entries WHERE idx = ? AND id = ?");
      for (const { tbl, indexes } of tables) {
        const defs = JSON.parse(indexes) as IndexDef[];
        if (defs.length === 0) continue;
        for (const { json } of floats.all(tbl) as { json: string }[]) {
          const doc = parseDoc(json);
          for (const def of defs) {
            drop.run(`${tbl}.${def.name}`, doc._id);
            this.stmt.putIndex.run(`${tbl}.${def.name}`, indexKey(def, doc), doc._id);
          }
        }
      }
      this.setMeta("indexKeys", INDEX_KEYS_VERSION);
    });
  }

  /**
   * Checkpoints the whole WAL and truncates it (no snapshot may be open: snapshotReads.ts
   * `restartWhenIdle`). Should the checkpoint worker hold the checkpoint lock meanwhile, SQLite
   * answers busy at once (its busy handler is not asked for that lock), so this asks again, 5 ms
   * apart, for up to 200 ms; a checkpoint still left incomplete is tried again at the next report
   * of a large WAL.
   */
  truncateWal() {
    if (!this.sql.open || this.sql.inTransaction) return;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let attempt = 0; attempt < 40; attempt++) {
      const [result] = this.sql.pragma("wal_checkpoint(TRUNCATE)") as { busy: number }[];
      if (!result?.busy) return;
      Atomics.wait(pause, 0, 0, 5);
    }
  }

  close() {
    this.checkpointer?.close();
    this.sql.close();
  }

  getMeta(key: string): string | null {
    return (this.stmt.getMeta.get(key) as { v: string } | undefined)?.v ?? null;
  }
  setMeta(key: string, value: string) {
    this.stmt.putMeta.run(key, value);
  }

  /** Declares a table's indexes (from the schema); rebuilds entries whose definition changed. */
  defineTable(tableKey: string, indexes: IndexDef[]) {
    const all = [{ name: "by_creation_time", fields: [] }, { name: "by_id", fields: [] }, ...indexes];
    this.indexes.set(tableKey, all);
    this.tableNumber(tableKey);
    const stored = (this.sql.prepare("SELECT indexes FROM tables WHERE tbl = ?").get(tableKey) as { indexes: string }).indexes;
    const wanted = JSON.stringify(indexes);
    if (stored !== wanted) {
      this.transaction(() => {
        for (const def of JSON.parse(stored) as IndexDef[]) {
          this.sql.prepare("DELETE FROM index_entries WHERE idx = ?").run(`${tableKey}.${def.name}`);
        }
        for (const { json } of this.sql.prepare("SELECT json FROM documents WHERE tbl = ?").all(tableKey) as { json: string }[]) {
          const doc = parseDoc(json);
          for (const def of indexes) this.stmt.putIndex.run(`${tableKey}.${def.name}`, indexKey(def, doc), doc._id);
        }
        this.sql.prepare("UPDATE tables SET indexes = ? WHERE tbl = ?").run(wanted, tableKey);
      });
    }
  }

  private indexesOf(tableKey: string): IndexDef[] {
    let defs = this.indexes.get(tableKey);
    if (!defs) {
      this.defineTable(tableKey, []);
      defs = this.indexes.get(tableKey)!;
    }
    return defs;
  }

  /** (Re)reads the table-number registry (after a migration or an import rewrote it). */
  loadTableNumbers() {
    this.tableNumbers.clear();
    this.tablesByNumber.clear();
    for (const row of this.sql.prepare("SELECT tbl, num FROM tables").all() as { tbl: string; num: number }[])
      this.remember(row.tbl, row.num);
  }

  private remember(tableKey: string, num: number) {
    this.tableNumbers.set(tableKey, num);
    const tables = this.tablesByNumber.get(num) ?? [];
    if (!tables.includes(tableKey)) tables.push(tableKey);
    this.tablesByNumber.set(num, tables);
  }

  /**
   * A table's number, allocated on first use as Convex does: `_storage` and `_scheduled_functions`
   * get Convex's default numbers, other system tables numbers from 513, user tables from 10,001,
   * each unused by any table here (so an id names one table whatever component reads it).
   */
  tableNumber(tableKey: string): number {
    let num = this.tableNumbers.get(tableKey);
    if (num === undefined) {
      num = defaultTableNumber(tableKey.slice(tableKey.lastIndexOf(":") + 1), (n) => this.tablesByNumber.has(n));
      this.sql.prepare("INSERT INTO tables (tbl, num) VALUES (?, ?)").run(tableKey, num);
      this.remember(tableKey, num);
    }
    return num;
  }

  /** Registers a table under a given number (a snapshot import keeps the numbers its ids carry). */
  registerTable(tableKey: string, num: number) {
    if (this.tableNumbers.get(tableKey) === num) return;
    this.sql.prepare("INSERT INTO tables (tbl, num) VALUES (?, ?) ON CONFLICT (tbl) DO UPDATE SET num = excluded.num").run(tableKey, num);
    const before = this.tableNumbers.get(tableKey);
    if (before !== undefined)
      this.tablesByNumber.set(
        before,
        (this.tablesByNumber.get(before) ?? []).filter((t) => t !== tableKey),
      );
    this.remember(tableKey, num);
  }

  /** Every table known here with its number. */
  tableList(): Array<{ tableKey: string; num: number }> {
    return [...this.tableNumbers].map(([tableKey, num]) => ({ tableKey, num }));
  }

  /** A fresh id in Convex's encoding (ids.ts) for a document of `tableKey`. */
  newId(tableKey: string): string {
    return newDocumentId(this.tableNumber(tableKey));
  }

  /**
   * The table an id belongs to, from the table number it carries. When tables of several
   * components share the number, `componentPath` (or the stored document) decides.
   */
  tableOfId(id: string, componentPath?: string): string | null {
    const decoded = decodeId(id);
    if (!decoded) return null;
    const tables = this.tablesByNumber.get(decoded.tableNumber);
    if (!tables || tables.length === 0) return null;
    if (tables.length === 1) return tables[0];
    const inComponent = componentPath === undefined ? undefined : tables.find((t) => t.slice(0, t.lastIndexOf(":")) === componentPath);
    if (inComponent) return inComponent;
    const stored = this.sql.prepare("SELECT tbl FROM documents WHERE id = ?").get(id) as { tbl: string } | undefined;
    return stored?.tbl ?? tables[0];
  }

  nextCreationTime(): number {
    const now = Date.now();
    this.lastCreationTime = now > this.lastCreationTime ? now : this.lastCreationTime + 0.001;
    return this.lastCreationTime;
  }

  transaction<T>(fn: () => T): T {
    const result = this.sql.transaction(fn)();
    this.checkpointer?.committed();
    return result;
  }
  begin() {
    this.stmt.begin.run();
  }
  commit() {
    if (this.lastCreationTime !== this.savedCreationTime) this.setMeta("lastCreationTime", String(this.lastCreationTime));
    this.stmt.commit.run();
    this.savedCreationTime = this.lastCreationTime;
    this.checkpointer?.committed();
  }
  rollback() {
    if (this.sql.inTransaction) this.stmt.rollback.run();
  }

  /** Runs `fn` inside a savepoint: its writes are undone if it throws (nested function calls). */
  async nested<T>(fn: () => Promise<T>): Promise<T> {
    const level = this.depth++;
    this.savepoints[level] ??= {
      open: this.sql.prepare(`SAVEPOINT nested_${level}`),
      release: this.sql.prepare(`RELEASE nested_${level}`),
      undo: this.sql.prepare(`ROLLBACK TO nested_${level}`),
    };
    const sp = this.savepoints[level];
    sp.open.run();
    try {
      const value = await fn();
      sp.release.run();
      return value;
    } catch (error) {
      sp.undo.run();
      sp.release.run();
      throw error;
    } finally {
      this.depth--;
    }
  }

  get(id: string): Doc | null {
    return this.reads.get(id);
  }

  /** A document as stored: its Convex JSON encoding, exactly what a function's runtime expects back. */
  getJson(id: string): string | null {
    return this.reads.getJson(id);
  }

  count(tableKey: string): number {
    return this.reads.count(tableKey);
  }

  /**
   * Writes `doc` (new or replacing `previous`) and keeps every index in step; unchanged index keys
   * are left alone. `touched` receives the old and new key in every index (a changed document
   * changes what a read of its unchanged key saw).
   */
  write(tableKey: string, doc: Doc, previous: Doc | null, touched?: WriteSet) {
    for (const def of this.indexesOf(tableKey)) {
      const idx = `${tableKey}.${def.name}`;
      const key = indexKey(def, doc);
      touched?.touch(tableKey, def.name, key);
      if (previous) {
        const old = indexKey(def, previous);
        if (old.equals(key)) continue;
        touched?.touch(tableKey, def.name, old);
        this.stmt.delIndex.run(idx, old);
      }
      this.stmt.putIndex.run(idx, key, doc._id);
    }
    this.stmt.put.run(doc._id, tableKey, JSON.stringify(convexToJson(doc as never)));
    for (const hook of this.writeHooks) hook(tableKey, doc, previous, touched);
  }

  delete(tableKey: string, doc: Doc, touched?: WriteSet) {
    for (const def of this.indexesOf(tableKey)) {
      const key = indexKey(def, doc);
      touched?.touch(tableKey, def.name, key);
      this.stmt.delIndex.run(`${tableKey}.${def.name}`, key);
    }
    this.stmt.del.run(doc._id);
    for (const hook of this.writeHooks) hook(tableKey, null, doc, touched);
  }

  /** Every index entry of `doc` in its table: the index ("tableKey.indexName") and the document's key there. */
  entriesOf(tableKey: string, doc: Doc): Array<{ indexName: string; key: Buffer }> {
    return this.indexesOf(tableKey).map((def) => ({ indexName: def.name, key: indexKey(def, doc) }));
  }

  indexFields(tableKey: string, indexName: string): string[] {
    const def = this.indexesOf(tableKey).find((d) => d.name === indexName);
    if (!def) throw new Error(`Index ${indexName} is not defined on table ${tableKey.split(":")[1]}.`);
    return indexFieldsWithTiebreak(def);
  }

  /** [low, high) byte bounds of an index range expression. */
  bounds(tableKey: string, indexName: string, range: RangeBound[]): { low: Buffer; high: Buffer } {
    checkIndexRange(range);
    const fields = this.indexFields(tableKey, indexName);
    const eqValues: Value[] = [];
    let i = 0;
    for (; i < range.length && range[i].type === "Eq"; i++) {
      if (range[i].fieldPath !== fields[i]) throw new Error(`Index range fields out of order on ${indexName}.`);
      eqValues.push(valueFromJson(range[i].value, jsonToConvex));
    }
    const prefix = encodeKey(eqValues);
    let low = prefix;
    let high = afterPrefix(prefix);
    for (const bound of range.slice(i)) {
      if (bound.fieldPath !== fields[eqValues.length]) throw new Error(`Index range fields out of order on ${indexName}.`);
      const at = Buffer.concat([prefix, encodeKey([valueFromJson(bound.value, jsonToConvex)])]);
      if (bound.type === "Gt") low = afterPrefix(at);
      else if (bound.type === "Gte") low = at;
      else if (bound.type === "Lt") high = at;
      else if (bound.type === "Lte") high = afterPrefix(at);
    }
    return { low, high };
  }

  /** Reads up to `limit` (1–256) documents (as stored JSON; `parseDoc` to inspect) of an index range strictly after `after`, in scan order. */
  scan(tableKey: string, indexName: string, low: Buffer, high: Buffer, order: "asc" | "desc", after: Buffer | null, limit = BATCH) {
    return this.reads.scan(tableKey, indexName, low, high, order, after, limit);
  }
}

/** The reads a syscall makes of documents and indexes: the store's own connection, a query's snapshot (snapshotReads.ts) or a mutation's transaction (transaction.ts). */
export type DocumentReads = {
  get(id: string): Doc | null;
  getJson(id: string): string | null;
  count(tableKey: string): number;
  scan(
    tableKey: string,
    indexName: string,
    low: Buffer,
    high: Buffer,
    order: "asc" | "desc",
    after: Buffer | null,
    limit?: number,
  ): { key: Buffer; json: string }[];
};

/** Documents and index ranges read over one SQLite connection (the store's, or a snapshot's read-only one). */
export class SqlDocumentReads implements DocumentReads {
  private readonly getStmt: Database.Statement;
  private readonly countStmt: Database.Statement;
  /** Scan statements by order and limit: a literal LIMIT runs about three times faster in SQLite than `LIMIT ?`. */
  private readonly scans = new Map<string, Database.Statement>();

  constructor(protected readonly db: Database.Database) {
    this.getStmt = db.prepare("SELECT json FROM documents WHERE id = ?");
    this.countStmt = db.prepare("SELECT COUNT(*) AS n FROM index_entries WHERE idx = ?");
  }

  /** The connection read (a snapshot's, inside its read transaction): a search reads its index there (search.ts). */
  get connection(): Database.Database {
    return this.db;
  }

  get(id: string): Doc | null {
    const json = this.getJson(id);
    return json === null ? null : parseDoc(json);
  }

  getJson(id: string): string | null {
    return (this.getStmt.get(id) as { json: string } | undefined)?.json ?? null;
  }

  count(tableKey: string): number {
    return (this.countStmt.get(`${tableKey}.by_id`) as { n: number }).n;
  }

  private scanStatement(order: "asc" | "desc", limit: number): Database.Statement {
    const key = `${order}${limit}`;
    let stmt = this.scans.get(key);
    if (!stmt) {
      stmt = this.db.prepare(
        `SELECT e.key AS key, d.json AS json FROM index_entries e JOIN documents d ON d.id = e.id
         WHERE e.idx = ? AND e.key >= ? AND e.key < ? ORDER BY e.key ${order === "asc" ? "ASC" : "DESC"} LIMIT ${limit}`,
      );
      this.scans.set(key, stmt);
    }
    return stmt;
  }

  scan(tableKey: string, indexName: string, low: Buffer, high: Buffer, order: "asc" | "desc", after: Buffer | null, limit = BATCH) {
    const idx = `${tableKey}.${indexName}`;
    const stmt = this.scanStatement(order, Math.max(1, Math.min(BATCH, Math.floor(limit))));
    // One lower and one upper bound: the smallest key after `after` is `after` + 0x00.
    const rows =
      order === "asc"
        ? stmt.all(idx, after && Buffer.compare(after, low) >= 0 ? Buffer.concat([after, ZERO]) : low, high)
        : stmt.all(idx, low, after && Buffer.compare(after, high) < 0 ? after : high);
    return rows as { key: Buffer; json: string }[];
  }
}

function indexFieldsWithTiebreak(def: IndexDef): string[] {
  if (def.name === "by_id") return ["_id"];
  return [...def.fields, "_creationTime", "_id"];
}

function indexKey(def: IndexDef, doc: Doc): Buffer {
  return encodeKey(indexFieldsWithTiebreak(def).map((f) => fieldValue(doc, f)));
}

export function parseDoc(json: string): Doc {
  return jsonToConvex(JSON.parse(json)) as Doc;
}
