/**
 * The store the index-lookup figures are measured on (bench-backend.ts section 3, bench-page-size.ts):
 * `documents` links indexed by a sha256-hex token hash, a getByToken-style unique lookup timed over
 * pseudo-random keys, and a mutation-like commit (one insert, one update) timed through the WAL.
 */
import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { DocumentStore, PAGE_SIZE, type Doc } from "../local-backend/database";
import { tempDataDir } from "../local-backend/testing";

const TABLE = ":links";

/** A store of `documents` links; `pageSize` other than the store's own pre-creates the file with it (as an older data folder has). */
export function lookupStore(documents: number, pageSize = PAGE_SIZE) {
  const dir = tempDataDir("reelgate-bench-");
  const file = path.join(dir, "db.sqlite3");
  if (pageSize !== PAGE_SIZE) {
    const raw = new Database(file);
    raw.pragma(`page_size = ${pageSize}`);
    raw.exec("CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
    raw.close();
  }
  const store = new DocumentStore(file);
  if (store.sql.pragma("page_size", { simple: true }) !== pageSize) throw new Error(`the data file did not get ${pageSize}-byte pages`);
  store.defineTable(TABLE, [{ name: "by_tokenHash", fields: ["tokenHash"] }]);
  const hashes = Array.from({ length: documents }, (_, i) => createHash("sha256").update(`token-${i}`).digest("hex"));
  const docs: Doc[] = [];
  store.transaction(() => {
    for (let i = 0; i < documents; i++) {
      const doc = { _id: store.newId(TABLE), _creationTime: store.nextCreationTime(), tokenHash: hashes[i], n: i } as Doc;
      store.write(TABLE, doc, null);
      docs.push(doc);
    }
  });
  let next = 0;
  let written = 0;
  let bounds: { low: Buffer; high: Buffer }[] | undefined;
  return {
    /** Mean µs per lookup over `lookups` lookups of pseudo-random keys. */
    time(lookups: number) {
      const start = performance.now();
      for (let i = 0; i < lookups; i++) {
        next = (next + 7919) % documents;
        const { low, high } = store.bounds(TABLE, "by_tokenHash", [{ type: "Eq", fieldPath: "tokenHash", value: hashes[next] }]);
        if (store.scan(TABLE, "by_tokenHash", low, high, "asc", null).length !== 1) throw new Error("lookup failed");
      }
      return ((performance.now() - start) / lookups) * 1000;
    },
    /**
     * Mean µs per lookup of SQLite's own statement (the same index-entry JOIN document the scan
     * runs) on the same file, bounds computed beforehand: the part of a lookup no backend code adds.
     */
    timeSqlite(lookups: number) {
      const stmt = store.sql.prepare(
        "SELECT e.key AS key, d.json AS json FROM index_entries e JOIN documents d ON d.id = e.id WHERE e.idx = ? AND e.key >= ? AND e.key < ? ORDER BY e.key ASC LIMIT 256",
      );
      bounds ??= hashes.map((hash) => store.bounds(TABLE, "by_tokenHash", [{ type: "Eq", fieldPath: "tokenHash", value: hash }]));
      const idx = `${TABLE}.by_tokenHash`;
      const start = performance.now();
      for (let i = 0; i < lookups; i++) {
        next = (next + 7919) % documents;
        if (stmt.all(idx, bounds[next].low, bounds[next].high).length !== 1) throw new Error("lookup failed");
      }
      return ((performance.now() - start) / lookups) * 1000;
    },
    /** Mean µs per committed transaction of one insert and one update of another document (a mutation's writes). */
    write(commits: number) {
      const start = performance.now();
      for (let i = 0; i < commits; i++) {
        store.begin();
        const doc = { _id: store.newId(TABLE), _creationTime: store.nextCreationTime(), tokenHash: `w${written++}`, n: -1 } as Doc;
        store.write(TABLE, doc, null);
        const j = (written * 7919) % docs.length;
        const updated = { ...docs[j], n: (docs[j].n as number) + 1, tokenHash: `u${written}` } as Doc;
        store.write(TABLE, updated, docs[j]);
        docs[j] = updated;
        store.commit();
      }
      return ((performance.now() - start) / commits) * 1000;
    },
    close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
