/**
 * What a function read and what a commit wrote, in index-key space, so a commit re-runs only
 * the subscriptions it can have changed (as Convex's `ReadSet` / `writes_overlap_docs` do).
 *
 * Reads are half-open key intervals [low, high) per index ("tableKey.indexName"); a point read
 * by id is the one-key interval of the `by_id` index. Writes are the old and new index keys of
 * every written document, for every index of its table. A subscription is affected when some
 * written key falls inside one of its intervals. Coarse forms stay available: a whole table
 * (`add`) and everything (`everything`, for reloads and the test clock).
 */
import { afterPrefix, encodeKey } from "./keys";

export type Interval = { low: Buffer; high: Buffer };

/** Intervals one function may record before its read set is kept per table instead (Convex's TRANSACTION_MAX_READ_SET_INTERVALS is 4096). */
export const MAX_READ_INTERVALS = 4096;
/** Keys one write set (a commit, or a burst merged for one session) keeps before it counts as touching its whole tables. */
export const MAX_WRITE_KEYS = 20_000;

const indexOf = (tableKey: string, indexName: string) => `${tableKey}.${indexName}`;
const tableOfIndex = (index: string) => index.slice(0, index.lastIndexOf("."));
const EVERY_KEY: Interval = { low: Buffer.alloc(0), high: afterPrefix(Buffer.alloc(0)) };

export function contains(interval: Interval, key: Buffer): boolean {
  return Buffer.compare(key, interval.low) >= 0 && Buffer.compare(key, interval.high) < 0;
}

export class ReadSet {
  /** Index → intervals read. Intervals may be widened in place while a query stream advances. */
  readonly ranges = new Map<string, Interval[]>();
  /** Tables read as a whole (coarse reads, or collapsed after too many intervals). */
  readonly wholeTables = new Set<string>();
  everything = false;
  private intervals = 0;

  static everything(): ReadSet {
    const reads = new ReadSet();
    reads.everything = true;
    return reads;
  }

  /** The whole table was read. */
  add(tableKey: string) {
    this.wholeTables.add(tableKey);
  }

  /** Records [low, high) of an index; the returned interval may be narrowed or widened by the caller as it scans. */
  range(tableKey: string, indexName: string, low: Buffer, high: Buffer): Interval {
    const interval = { low, high };
    if (this.wholeTables.has(tableKey) || this.everything) return interval;
    if (++this.intervals > MAX_READ_INTERVALS) {
      this.collapse();
      this.wholeTables.add(tableKey);
      return interval;
    }
    const index = indexOf(tableKey, indexName);
    let list = this.ranges.get(index);
    if (!list) this.ranges.set(index, (list = []));
    list.push(interval);
    return interval;
  }

  /** A document read by id (present or not). */
  point(tableKey: string, id: string) {
    const key = encodeKey([id]);
    this.range(tableKey, "by_id", key, afterPrefix(key));
  }

  /** Every row of the table (e.g. a count). */
  table(tableKey: string) {
    this.range(tableKey, "by_id", EVERY_KEY.low, EVERY_KEY.high);
  }

  /** Too many intervals: keep the tables read, not the ranges. */
  private collapse() {
    for (const index of this.ranges.keys()) this.wholeTables.add(tableOfIndex(index));
    this.ranges.clear();
  }

  /** Whether any write in `writes` can change what was read. */
  overlaps(writes: WriteSet): boolean {
    if (this.everything || writes.everything) return true;
    for (const table of this.wholeTables) if (writes.tables.has(table)) return true;
    for (const table of writes.wholeTables) {
      if (this.wholeTables.has(table)) return true;
      for (const index of this.ranges.keys()) if (tableOfIndex(index) === table) return true;
    }
    for (const [index, keys] of writes.keys) {
      const intervals = this.ranges.get(index);
      if (!intervals) continue;
      for (const key of keys) for (const interval of intervals) if (contains(interval, key)) return true;
    }
    return false;
  }
}

export class WriteSet {
  /** Index → keys written there (a document's key before and after the write). */
  readonly keys = new Map<string, Buffer[]>();
  /** Every table written, with or without key detail. */
  readonly tables = new Set<string>();
  /** Tables written without key detail: every reader of the table is affected. */
  readonly wholeTables = new Set<string>();
  everything = false;
  private keyCount = 0;

  static everything(): WriteSet {
    const writes = new WriteSet();
    writes.everything = true;
    return writes;
  }

  /** Number of tables written (0: nothing was written). */
  get size(): number {
    return this.everything ? Math.max(1, this.tables.size) : this.tables.size;
  }

  /** The table changed in ways not described by keys. */
  add(tableKey: string) {
    this.tables.add(tableKey);
    this.wholeTables.add(tableKey);
  }

  /** A document's key in one index of its table, before or after a write. */
  touch(tableKey: string, indexName: string, key: Buffer) {
    this.tables.add(tableKey);
    if (this.wholeTables.has(tableKey)) return;
    if (++this.keyCount > MAX_WRITE_KEYS) {
      this.coarsen();
      this.wholeTables.add(tableKey);
      return;
    }
    const index = indexOf(tableKey, indexName);
    let list = this.keys.get(index);
    if (!list) this.keys.set(index, (list = []));
    list.push(key);
  }

  /** Adds `other`'s writes (a later commit in the same burst). */
  merge(other: WriteSet) {
    if (other.everything) this.everything = true;
    if (this.everything) {
      this.keys.clear();
      return;
    }
    for (const table of other.wholeTables) this.add(table);
    for (const [index, keys] of other.keys) {
      const table = tableOfIndex(index);
      for (const key of keys) this.touch(table, index.slice(table.length + 1), key);
    }
  }

  /** Too many keys: keep the tables written. */
  private coarsen() {
    for (const index of this.keys.keys()) this.wholeTables.add(tableOfIndex(index));
    this.keys.clear();
  }
}
