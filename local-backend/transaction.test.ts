/**
 * A buffered transaction (transaction.ts) reads exactly what the same writes made inside a real
 * SQLite transaction would read: random writes over a snapshot, then every kind of read compared
 * with a store that applied the same writes directly.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { DocumentStore, parseDoc, type Doc } from "./database";
import { SnapshotReaders } from "./snapshotReads";
import { BufferedTransaction } from "./transaction";
import { WriteSet } from "./readSet";
import { CommitLog } from "./commitLog";
import { ReadSet } from "./readSet";

const TABLE = ":items";
const dir = mkdtempSync(path.join(tmpdir(), "tx-"));
const opened: Array<{ close(): void }> = [];
afterAll(() => opened.forEach((o) => o.close()));

function newStore(name: string) {
  const store = new DocumentStore(path.join(dir, `${name}.sqlite3`));
  store.defineTable(TABLE, [{ name: "by_n", fields: ["n"] }]);
  opened.push(store);
  return store;
}

/** A small deterministic generator, so a failure can be replayed. */
function rng(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function allRows(
  reads: { scan: DocumentStore["scan"] },
  store: DocumentStore,
  low: number,
  high: number,
  order: "asc" | "desc",
  limit: number,
) {
  const { low: lo, high: hi } = store.bounds(TABLE, "by_n", [
    { type: "Gte", fieldPath: "n", value: low },
    { type: "Lt", fieldPath: "n", value: high },
  ]);
  const out: string[] = [];
  let after: Buffer | null = null;
  for (;;) {
    const rows = reads.scan(TABLE, "by_n", lo, hi, order, after, limit);
    out.push(...rows.map((r) => r.json));
    // Fewer rows than asked for only at the end of the range.
    if (rows.length < limit) return out;
    after = rows[rows.length - 1].key;
  }
}

test("reads through a buffered transaction equal reads of the same writes made in the store", () => {
  for (let seed = 1; seed <= 12; seed++) {
    const random = rng(seed);
    const base = newStore(`base-${seed}`);
    const direct = newStore(`direct-${seed}`);
    const docs: Doc[] = [];
    base.begin();
    direct.begin();
    for (let i = 0; i < 60; i++) {
      const doc = { _id: base.newId(TABLE), _creationTime: base.nextCreationTime(), n: Math.floor(random() * 40) } as Doc;
      base.write(TABLE, doc, null);
      direct.write(TABLE, doc, null);
      docs.push(doc);
    }
    base.commit();
    direct.commit();
    const readers = new SnapshotReaders(path.join(dir, `base-${seed}.sqlite3`));
    opened.push(readers);
    const reader = readers.acquire();
    const tx = new BufferedTransaction(reader, base);
    direct.begin();
    const live = new Map(docs.map((d) => [d._id, d]));
    for (let i = 0; i < 80; i++) {
      const r = random();
      const ids = [...live.keys()];
      if (r < 0.35 || ids.length === 0) {
        const doc = { _id: base.newId(TABLE), _creationTime: base.nextCreationTime(), n: Math.floor(random() * 40) } as Doc;
        tx.write(TABLE, doc, null);
        direct.write(TABLE, doc, null);
        live.set(doc._id, doc);
      } else if (r < 0.75) {
        const previous = live.get(ids[Math.floor(random() * ids.length)])!;
        // Half the time the indexed field moves (a new key), half the time only the body changes (same key).
        const doc = { ...previous, n: random() < 0.5 ? Math.floor(random() * 40) : previous.n, v: i } as Doc;
        tx.write(TABLE, doc, previous);
        direct.write(TABLE, doc, previous);
        live.set(doc._id, doc);
      } else {
        const doc = live.get(ids[Math.floor(random() * ids.length)])!;
        tx.delete(TABLE, doc);
        direct.delete(TABLE, doc);
        live.delete(doc._id);
      }
      if (i % 10 === 0) {
        for (const order of ["asc", "desc"] as const) {
          for (const limit of [1, 3, 256]) {
            const low = Math.floor(random() * 30);
            const high = low + 1 + Math.floor(random() * 15);
            expect(allRows(tx, base, low, high, order, limit)).toEqual(allRows(direct, direct, low, high, order, limit));
          }
        }
        expect(tx.count(TABLE)).toBe(direct.count(TABLE));
        for (const id of ids) expect(tx.getJson(id)).toBe(direct.getJson(id));
      }
    }
    // The snapshot itself never saw the buffered writes.
    expect(reader.count(TABLE)).toBe(60);
    readers.release(reader);
    // Applied to the store, the writes leave it exactly as the direct store.
    const touched = new WriteSet();
    base.begin();
    tx.commitTo(base, touched);
    base.commit();
    direct.commit();
    expect(allRows(base, base, 0, 100, "asc", 256).map(parseDoc)).toEqual(allRows(direct, direct, 0, 100, "asc", 256).map(parseDoc));
    expect(touched.tables.has(TABLE)).toBe(true);
  }
});

test("a nested call that fails leaves the writes made before it and undoes its own", async () => {
  const store = newStore("nested");
  const readers = new SnapshotReaders(path.join(dir, "nested.sqlite3"));
  opened.push(readers);
  const tx = new BufferedTransaction(readers.acquire(), store);
  const kept = { _id: store.newId(TABLE), _creationTime: store.nextCreationTime(), n: 1 } as Doc;
  tx.write(TABLE, kept, null);
  const undone = { _id: store.newId(TABLE), _creationTime: store.nextCreationTime(), n: 2 } as Doc;
  await expect(
    tx.nested(async () => {
      tx.write(TABLE, undone, null);
      tx.write(TABLE, { ...kept, n: 5 } as Doc, kept);
      throw new Error("nested failure");
    }),
  ).rejects.toThrow("nested failure");
  expect(tx.count(TABLE)).toBe(1);
  expect(tx.getJson(undone._id)).toBeNull();
  expect(parseDoc(tx.getJson(kept._id)!).n).toBe(1);
  expect(allRows(tx, store, 0, 10, "asc", 2).map((json) => parseDoc(json)._id)).toEqual([kept._id]);
});

test("the commit log finds a commit after a snapshot that wrote what it read, and keeps commits only while a snapshot is open", () => {
  const store = newStore("log");
  const log = new CommitLog();
  const doc = { _id: store.newId(TABLE), _creationTime: store.nextCreationTime(), n: 3 } as Doc;
  const other = { _id: store.newId(TABLE), _creationTime: store.nextCreationTime(), n: 30 } as Doc;
  const write = (d: Doc) => {
    const writes = new WriteSet();
    store.begin();
    store.write(TABLE, d, null, writes);
    store.commit();
    return writes;
  };
  const ticket = log.openSnapshot();
  const reads = new ReadSet();
  const { low, high } = store.bounds(TABLE, "by_n", [{ type: "Eq", fieldPath: "n", value: 3 }]);
  reads.range(TABLE, "by_n", low, high);
  log.record(write(other)); // outside the range read
  expect(log.conflict(ticket, reads)).toBeNull();
  log.record(write(doc)); // inside it
  expect(log.conflict(ticket, reads)).not.toBeNull();
  // A snapshot opened after both commits conflicts with neither.
  const later = log.openSnapshot();
  expect(log.conflict(later, reads)).toBeNull();
  log.closeSnapshot(ticket);
  log.closeSnapshot(later);
  expect(log.kept).toBe(0);
  log.record(new WriteSet());
  expect(log.kept).toBe(0); // nobody could conflict with it
});
