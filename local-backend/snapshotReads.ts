/**
 * Reads of a query at one snapshot: a read-only SQLite connection of its own (WAL lets readers
 * run beside the writer) inside a read transaction, so a query sees one committed state from
 * start to end however many mutations commit meanwhile, and never a mutation's uncommitted
 * writes. Connections are pooled; one serves one query at a time.
 */
import Database from "better-sqlite3";
import { parseDoc, type Doc } from "./database";

const ZERO = Buffer.from([0]);
const BATCH = 256;

/** The reads a syscall makes of documents and indexes (the DocumentStore answers them too). */
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

export class SnapshotReader implements DocumentReads {
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly scans = new Map<string, Database.Statement>();

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.stmt = {
      begin: this.db.prepare("BEGIN"),
      pin: this.db.prepare("SELECT 1 FROM documents LIMIT 1"),
      end: this.db.prepare("COMMIT"),
      get: this.db.prepare("SELECT json FROM documents WHERE id = ?"),
      count: this.db.prepare("SELECT COUNT(*) AS n FROM index_entries WHERE idx = ?"),
    };
  }

  /** Starts the snapshot: the first read of a transaction fixes what the connection sees. */
  open() {
    this.stmt.begin.run();
    this.stmt.pin.get();
  }
  finish() {
    if (this.db.inTransaction) this.stmt.end.run();
  }
  close() {
    this.finish();
    this.db.close();
  }

  get(id: string): Doc | null {
    const json = this.getJson(id);
    return json === null ? null : parseDoc(json);
  }
  getJson(id: string): string | null {
    return (this.stmt.get.get(id) as { json: string } | undefined)?.json ?? null;
  }
  count(tableKey: string): number {
    return (this.stmt.count.get(`${tableKey}.by_id`) as { n: number }).n;
  }
  scan(tableKey: string, indexName: string, low: Buffer, high: Buffer, order: "asc" | "desc", after: Buffer | null, limit = BATCH) {
    const n = Math.max(1, Math.min(BATCH, Math.floor(limit)));
    const key = `${order}${n}`;
    let stmt = this.scans.get(key);
    if (!stmt) {
      stmt = this.db.prepare(
        `SELECT e.key AS key, d.json AS json FROM index_entries e JOIN documents d ON d.id = e.id
         WHERE e.idx = ? AND e.key >= ? AND e.key < ? ORDER BY e.key ${order === "asc" ? "ASC" : "DESC"} LIMIT ${n}`,
      );
      this.scans.set(key, stmt);
    }
    const idx = `${tableKey}.${indexName}`;
    const rows =
      order === "asc"
        ? stmt.all(idx, after && Buffer.compare(after, low) >= 0 ? Buffer.concat([after, ZERO]) : low, high)
        : stmt.all(idx, low, after && Buffer.compare(after, high) < 0 ? after : high);
    return rows as { key: Buffer; json: string }[];
  }
}

/** Reader connections, opened as needed and kept for the next query. */
export class SnapshotReaders {
  private readonly free: SnapshotReader[] = [];
  private readonly all = new Set<SnapshotReader>();
  constructor(private readonly file: string) {}

  acquire(): SnapshotReader {
    const reader = this.free.pop() ?? new SnapshotReader(this.file);
    this.all.add(reader);
    reader.open();
    return reader;
  }
  release(reader: SnapshotReader) {
    reader.finish();
    if (this.all.has(reader)) this.free.push(reader);
  }
  close() {
    for (const reader of this.all) reader.close();
    this.all.clear();
    this.free.length = 0;
  }
}
