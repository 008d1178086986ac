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

/**
 * Reader connections, opened as needed and kept for the next query. A WAL restart asked for
 * (`restartWhenIdle`: walCheckpointer.ts explains why) runs as soon as no snapshot is open; a
 * snapshot asked for meanwhile waits for it (`ready`), so under any load the open ones end
 * (an execution's time limit bounds how long) and the restart comes.
 */
export class SnapshotReaders {
  private readonly free: SnapshotReader[] = [];
  private readonly all = new Set<SnapshotReader>();
  private active = 0;
  private restart: (() => void) | null = null;
  private readonly held: Array<() => void> = [];
  constructor(private readonly file: string) {}

  /** Null when a snapshot may open now; otherwise a promise that resolves once a pending restart has run. */
  ready(): Promise<void> | null {
    return this.restart ? new Promise((resolve) => this.held.push(resolve)) : null;
  }

  acquire(): SnapshotReader {
    const reader = this.free.pop() ?? new SnapshotReader(this.file);
    this.all.add(reader);
    reader.open();
    this.active++;
    return reader;
  }
  release(reader: SnapshotReader) {
    reader.finish();
    this.active--;
    if (this.all.has(reader)) this.free.push(reader);
    this.restartIfIdle();
  }

  /** Runs `restart` once no snapshot is open (now, if none is); snapshots asked for meanwhile wait. */
  restartWhenIdle(restart: () => void) {
    this.restart ??= restart;
    this.restartIfIdle();
  }

  private restartIfIdle() {
    const restart = this.restart;
    if (!restart || this.active > 0) return;
    this.restart = null;
    try {
      restart();
    } catch {
      // The WAL stays as it is (a checkpoint that could not finish): the next large-WAL report asks again.
    } finally {
      for (const resume of this.held.splice(0)) resume();
    }
  }
  close() {
    for (const reader of this.all) reader.close();
    this.all.clear();
    this.free.length = 0;
  }
}
