/**
 * npx tsx scripts/bench-page-size.ts — A/B of the data file's page size (not a test: it prints numbers).
 * A store on a file pre-created with 4 KiB pages (what data folders from before issue 13 have; the
 * store keeps a file's page size) against one on a new file (database.ts PAGE_SIZE), at
 * 1k and 100k documents: index lookups by a sha256-hex token (as bench-backend.ts section 3) and
 * commits of one insert plus one update (a mutation's writes through the WAL). Interleaved batches,
 * medians. PAGES=4096,8192 picks the page sizes compared (one alone keeps less in memory).
 */
import { PAGE_SIZE } from "../local-backend/database";
import { lookupStore } from "./benchLookupStore";

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const res: Record<string, number[]> = {};
const push = (k: string, v: number) => (res[k] ??= []).push(v);
const pages = process.env.PAGES ? process.env.PAGES.split(",").map(Number) : [4096, PAGE_SIZE];
const S = pages.flatMap((p) => [1000, 100000].map((n) => ({ p, n, s: lookupStore(n, p) })));
for (const x of S) x.s.time(2000);
for (let b = 0; b < 15; b++) for (const x of b % 2 ? [...S].reverse() : S) push(`lookup ${x.p} ${x.n}`, x.s.time(2000));
for (let b = 0; b < 9; b++) for (const x of b % 2 ? [...S].reverse() : S) push(`write ${x.p} ${x.n}`, x.s.write(300));
for (const [k, v] of Object.entries(res)) console.log(k.padEnd(20), med(v).toFixed(2), "µs");
for (const p of pages) console.log(`ratio ${p}`, (med(res[`lookup ${p} 100000`]) / med(res[`lookup ${p} 1000`])).toFixed(2));
for (const x of S) x.s.close();
