/**
 * Reads of a query at one snapshot: a read-only SQLite connection of its own (WAL lets readers
 * run beside the writer) inside a read transaction, so a query sees one committed state from
 * start to end however many mutations commit meanwhile, and never a mutation's uncommitted
 * writes. Connections are pooled; one serves one query at a time.
 */
import Database from "better-sqlite3";
import { SqlDocumentReads } from "./database";

/** A read-only connection whose reads happen inside one read transaction while a query runs. */
export class SnapshotReader extends SqlDocumentReads {
  private readonly stmt;

  constructor(file: string) {
    super(new Database(file, { readonly: true, fileMustExist: true }));
    this.stmt = {
      begin: this.db.prepare("BEGIN"),
      pin: this.db.prepare("SELECT 1 FROM documents LIMIT 1"),
      end: this.db.prepare("COMMIT"),
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
