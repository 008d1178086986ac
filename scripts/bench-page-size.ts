/**
 * npx tsx scripts/bench-page-size.ts — A/B of the data file's page size (not a test: it prints numbers).
 * A store on a file pre-created with 4 KiB pages (what data folders from before issue 13 have; the
 * store keeps a file's page size) against one on a new file (database.ts PAGE_SIZE), at
 * 1k and 100k documents: index lookups by a sha256-hex token (as bench-backend.ts section 3) and
 * commits of one insert plus one update (a mutation's writes through the WAL). Interleaved batches,
 * medians. PAGES=4096,8192 picks the page sizes compared (one alone keeps less in memory).
 */
import Database from "better-sqlite3";
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { DocumentStore, PAGE_SIZE, type Doc } from "../local-backend/database";
import { tempDataDir } from "../local-backend/testing";

function make(n: number, page: number) {
  const dir = tempDataDir("ab-");
  const file = path.join(dir, "db.sqlite3");
  if (page !== PAGE_SIZE) {
    const raw = new Database(file);
    raw.pragma(`page_size = ${page}`);
    raw.exec("CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
    raw.close();
  }
  const store = new DocumentStore(file);
  if (store.sql.pragma("page_size", { simple: true }) !== page) throw new Error("page");
  const t = ":links";
  store.defineTable(t, [{ name: "by_tokenHash", fields: ["tokenHash"] }]);
  const hashes = Array.from({ length: n }, (_, i) => createHash("sha256").update(`token-${i}`).digest("hex"));
  const docs: Doc[] = [];
  store.transaction(() => {
    for (let i = 0; i < n; i++) {
      const d = { _id: store.newId(t), _creationTime: store.nextCreationTime(), tokenHash: hashes[i], n: i } as Doc;
      store.write(t, d, null);
      docs.push(d);
    }
  });
  let next = 0,
    w = 0;
  return {
    lookup(k: number) {
      const s = performance.now();
      for (let i = 0; i < k; i++) {
        next = (next + 7919) % n;
        const { low, high } = store.bounds(t, "by_tokenHash", [{ type: "Eq", fieldPath: "tokenHash", value: hashes[next] }]);
        if (store.scan(t, "by_tokenHash", low, high, "asc", null).length !== 1) throw 1;
      }
      return ((performance.now() - s) / k) * 1000;
    },
    /** µs per committed transaction: one insert + one update of a random document (a mutation's writes). */
    write(k: number) {
      const s = performance.now();
      for (let i = 0; i < k; i++) {
        store.begin();
        const d = { _id: store.newId(t), _creationTime: store.nextCreationTime(), tokenHash: `w${w++}`, n: -1 } as Doc;
        store.write(t, d, null);
        const j = (w * 7919) % docs.length;
        const upd = { ...docs[j], n: (docs[j].n as number) + 1, tokenHash: `u${w}` } as Doc;
        store.write(t, upd, docs[j]);
        docs[j] = upd;
        store.commit();
      }
      return ((performance.now() - s) / k) * 1000;
    },
    close() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const res: Record<string, number[]> = {};
const push = (k: string, v: number) => (res[k] ??= []).push(v);
const pages = process.env.PAGES ? process.env.PAGES.split(",").map(Number) : [4096, PAGE_SIZE];
const S = pages.flatMap((p) => [1000, 100000].map((n) => ({ p, n, s: make(n, p) })));
for (const x of S) x.s.lookup(2000);
for (let b = 0; b < 15; b++) for (const x of b % 2 ? [...S].reverse() : S) push(`lookup ${x.p} ${x.n}`, x.s.lookup(2000));
for (let b = 0; b < 9; b++) for (const x of b % 2 ? [...S].reverse() : S) push(`write ${x.p} ${x.n}`, x.s.write(300));
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(20), med(v).toFixed(2), "µs");
for (const p of pages) console.log(`ratio ${p}`, (med(res[`lookup ${p} 100000`]) / med(res[`lookup ${p} 1000`])).toFixed(2));
for (const x of S) x.s.close();
