/**
 * A mutation's transaction while it runs beside others: reads come from its snapshot
 * (snapshotReads.ts) with its own writes laid over them, and writes stay in memory until the
 * committer (engine.ts) has checked that nothing the mutation read changed since its snapshot
 * (commitLog.ts). Then its writes are applied to the store in one SQLite transaction, in the
 * order they were made, so the store's indexes and write hooks (search) see each one as they
 * would have in a transaction of its own. A mutation that fails, times out or conflicts leaves
 * nothing behind.
 *
 * The mutation reads its own writes everywhere a read can go: `get`, index scans (merged with
 * the snapshot's rows in key order) and `count`.
 */
import { convexToJson } from "convex/values";
import { parseDoc, type Doc, type DocumentReads, type DocumentStore } from "./database";
import type { WriteSet } from "./readSet";

type Write = { op: "write"; tableKey: string; doc: Doc; previous: Doc | null } | { op: "delete"; tableKey: string; doc: Doc };
/** A key of an index as the transaction left it: the document there now (stored JSON), or removed. */
type Entry = { key: Buffer; json: string | null };

const hex = (key: Buffer) => key.toString("hex");

export class BufferedTransaction implements DocumentReads {
  private readonly log: Write[] = [];
  private docs = new Map<string, string | null>();
  /** Index ("tableKey.indexName") → key (hex) → entry. */
  private entries = new Map<string, Map<string, Entry>>();
  /** Index → its entries in key order, made when a scan needs them. */
  private sorted = new Map<string, Entry[]>();
  private counts = new Map<string, number>();

  constructor(
    /** The snapshot it reads under its own writes. */
    readonly base: DocumentReads,
    private readonly store: DocumentStore,
  ) {}

  /** Whether the transaction wrote anything. */
  get size(): number {
    return this.log.length;
  }

  getJson(id: string): string | null {
    const own = this.docs.get(id);
    return own === undefined ? this.base.getJson(id) : own;
  }

  get(id: string): Doc | null {
    const own = this.docs.get(id);
    if (own === undefined) return this.base.get(id);
    return own === null ? null : parseDoc(own);
  }

  count(tableKey: string): number {
    return this.base.count(tableKey) + (this.counts.get(tableKey) ?? 0);
  }

  write(tableKey: string, doc: Doc, previous: Doc | null) {
    this.apply({ op: "write", tableKey, doc, previous });
  }

  delete(tableKey: string, doc: Doc) {
    this.apply({ op: "delete", tableKey, doc });
  }

  /** Runs `fn` (a nested mutation): if it throws, its writes are undone and the rest kept. */
  async nested<T>(fn: () => Promise<T>): Promise<T> {
    const mark = this.log.length;
    try {
      return await fn();
    } catch (error) {
      const kept = this.log.splice(0, mark);
      this.log.length = 0;
      this.docs = new Map();
      this.entries = new Map();
      this.sorted = new Map();
      this.counts = new Map();
      for (const write of kept) this.apply(write);
      throw error;
    }
  }

  /** Applies the writes to the store (inside the caller's SQLite transaction), noting every key touched. */
  commitTo(store: DocumentStore, touched: WriteSet) {
    for (const write of this.log) {
      if (write.op === "write") store.write(write.tableKey, write.doc, write.previous, touched);
      else store.delete(write.tableKey, write.doc, touched);
    }
  }

  private apply(write: Write) {
    this.log.push(write);
    const { tableKey, doc } = write;
    const json = write.op === "write" ? JSON.stringify(convexToJson(doc as never)) : null;
    const before = write.op === "write" ? write.previous : doc;
    if (before) for (const { indexName, key } of this.store.entriesOf(tableKey, before)) this.put(`${tableKey}.${indexName}`, key, null);
    if (json !== null)
      for (const { indexName, key } of this.store.entriesOf(tableKey, doc)) this.put(`${tableKey}.${indexName}`, key, json);
    this.docs.set(doc._id, json);
    const delta = write.op === "delete" ? -1 : write.previous ? 0 : 1;
    if (delta !== 0) this.counts.set(tableKey, (this.counts.get(tableKey) ?? 0) + delta);
  }

  private put(index: string, key: Buffer, json: string | null) {
    let map = this.entries.get(index);
    if (!map) this.entries.set(index, (map = new Map()));
    map.set(hex(key), { key, json });
    this.sorted.delete(index);
  }

  private inOrder(index: string): Entry[] {
    let list = this.sorted.get(index);
    if (!list) {
      list = [...(this.entries.get(index)?.values() ?? [])].sort((a, b) => Buffer.compare(a.key, b.key));
      this.sorted.set(index, list);
    }
    return list;
  }

  /**
   * The snapshot's rows of [low, high) after `after`, with this transaction's writes laid over
   * them: rows it removed or moved are skipped, rows it wrote appear at their keys. Fewer than
   * `limit` rows come back only at the end of the range, as from the store.
   */
  scan(tableKey: string, indexName: string, low: Buffer, high: Buffer, order: "asc" | "desc", after: Buffer | null, limit = 256) {
    const index = `${tableKey}.${indexName}`;
    const own = this.entries.get(index);
    if (!own || own.size === 0) return this.base.scan(tableKey, indexName, low, high, order, after, limit);
    const asc = order === "asc";
    /** Whether `key` comes strictly after `than` in scan order. */
    const beyond = (key: Buffer, than: Buffer) => (asc ? Buffer.compare(key, than) > 0 : Buffer.compare(key, than) < 0);
    const inRange = (key: Buffer) => Buffer.compare(key, low) >= 0 && Buffer.compare(key, high) < 0;
    const sorted = asc ? this.inOrder(index) : [...this.inOrder(index)].reverse();
    const out: { key: Buffer; json: string }[] = [];
    let cursor = after;
    for (;;) {
      const rows = this.base.scan(tableKey, indexName, low, high, order, cursor, limit);
      const baseDone = rows.length < limit;
      const boundary = baseDone ? null : rows[rows.length - 1].key;
      const merged = rows.filter((row) => !own.has(hex(row.key)));
      for (const entry of sorted) {
        if (entry.json === null || !inRange(entry.key)) continue;
        if (cursor && !beyond(entry.key, cursor)) continue;
        if (boundary && beyond(entry.key, boundary)) break;
        merged.push({ key: entry.key, json: entry.json });
      }
      merged.sort((a, b) => (asc ? Buffer.compare(a.key, b.key) : Buffer.compare(b.key, a.key)));
      out.push(...merged);
      if (out.length >= limit) return out.slice(0, limit);
      if (baseDone) return out;
      cursor = boundary;
    }
  }
}
