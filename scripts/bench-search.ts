/**
 * Search figures for `npm run bench:backend` (section 4), in process on the store and its search
 * index (search.ts) — the function runtime and the wire add the same fixed cost at every size:
 *  - a two-word query (take 10, as the library asks for a page) over 1k vs 100k videos, whole
 *    index and with `eq("teamId")` (100 teams of 1k at 100k, so a team's library is 1k at both);
 *  - the cost of inserting a video with the search index in place vs without.
 * Titles and descriptions draw words from a 5,000-word vocabulary with Zipf frequencies.
 */
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { DocumentStore } from "../local-backend/database";
import { ReadSet } from "../local-backend/readSet";
import { SearchIndexes } from "../local-backend/search";
import { tempDataDir } from "../local-backend/testing";
import { seededNumbers } from "../local-backend/seededNumbers";

const VOCABULARY = 5000;
const TEAM_SIZE = 1000;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

export const word = (rank: number) => `w${rank.toString(36)}x`;
const cumulative = (() => {
  const weights = Array.from({ length: VOCABULARY }, (_, i) => 1 / (i + 1));
  let sum = 0;
  const total = weights.reduce((a, b) => a + b);
  return weights.map((w) => (sum += w / total));
})();
function zipfWord(next: () => number) {
  const x = next();
  let lo = 0;
  let hi = VOCABULARY - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return word(lo);
}
const words = (next: () => number, n: number) => Array.from({ length: n }, () => zipfWord(next)).join(" ");

const TABLE = ":videos";
const INDEX = { name: "search_text", searchField: "searchText", filterFields: ["teamId", "status"] };

function video(store: DocumentStore, next: () => number, team: number) {
  const title = words(next, 3 + Math.floor(next() * 5));
  const description = words(next, 10 + Math.floor(next() * 20));
  return {
    _id: store.newId(TABLE),
    _creationTime: store.nextCreationTime(),
    teamId: `team${team}`,
    status: "ready",
    title,
    description,
    searchText: `${title}\n${description}`,
  };
}

export function library(documents: number, withIndex = true, keep?: string) {
  const dir = keep ?? tempDataDir("reelgate-bench-search-");
  const existing = keep !== undefined && existsSync(path.join(dir, "db.sqlite3"));
  const store = new DocumentStore(path.join(dir, "db.sqlite3"));
  const search = new SearchIndexes(store);
  store.defineTable(TABLE, [{ name: "by_team", fields: ["teamId"] }]);
  search.define(TABLE, withIndex ? [INDEX] : []);
  const next = seededNumbers(documents);
  if (!existing) {
    store.transaction(() => {
      for (let i = 0; i < documents; i++) store.write(TABLE, video(store, next, Math.floor(i / TEAM_SIZE)), null);
    });
  }
  return {
    store,
    next,
    /** Milliseconds (wall clock) for one search of `text` (optionally in one team), reading the first 10 results; its process CPU time goes to `cpu`. */
    time(text: string, team: number | null, cpu: number[]) {
      const filters = [
        { type: "Search" as const, fieldPath: "searchText", value: text },
        ...(team === null ? [] : [{ type: "Eq" as const, fieldPath: "teamId", value: `team${team}` }]),
      ];
      const [start, used] = [performance.now(), process.cpuUsage()];
      const rows = search.search(TABLE, INDEX.name, filters, new ReadSet()).take(10);
      const ms = performance.now() - start;
      const { user, system } = process.cpuUsage(used);
      cpu.push((user + system) / 1000);
      if (rows.length === 0) throw new Error(`no results for ${text}`);
      return ms;
    },
    close() {
      store.close();
      if (keep === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Mean µs per insert of `count` videos, each in its own transaction (a mutation's commit). */
function insertCost(withIndex: boolean, count: number) {
  const lib = library(10_000, withIndex);
  const start = performance.now();
  for (let i = 0; i < count; i++) lib.store.transaction(() => lib.store.write(TABLE, video(lib.store, lib.next, 0), null));
  const micros = ((performance.now() - start) / count) * 1000;
  lib.close();
  return micros;
}

export function benchSearch() {
  const [small, large] = [library(1_000), library(100_000)];
  // Two words of middling frequency (ranks 40 and 300 of the vocabulary), the last one as typed so far.
  const queries = Array.from({ length: 20 }, (_, i) => `${word(40 + i)} ${word(300 + i * 7).slice(0, -1)}`);
  const series = { small: [] as number[], large: [] as number[], smallTeam: [] as number[], largeTeam: [] as number[] };
  const cpu = { small: [] as number[], large: [] as number[], smallTeam: [] as number[], largeTeam: [] as number[] };
  // The first search of each query reads and decodes its terms' posting lists (cold); it is
  // measured apart, and the 30 measured rounds that follow are the steady state.
  const cold = { small: [] as number[], large: [] as number[], smallTeam: [] as number[], largeTeam: [] as number[] };
  for (const q of queries) {
    cold.small.push(small.time(q, null, []));
    cold.large.push(large.time(q, null, []));
    cold.smallTeam.push(small.time(q, 0, []));
    cold.largeTeam.push(large.time(q, 37, []));
  }
  for (let round = 0; round < 30; round++) {
    for (const q of queries) {
      series.small.push(small.time(q, null, cpu.small));
      series.large.push(large.time(q, null, cpu.large));
      series.smallTeam.push(small.time(q, 0, cpu.smallTeam));
      series.largeTeam.push(large.time(q, 37, cpu.largeTeam));
    }
  }
  small.close();
  large.close();
  const line = (label: string, xs: number[]) =>
    `   ${label.padEnd(34)} p50 ${percentile(xs, 50).toFixed(3)} ms  p99 ${percentile(xs, 99).toFixed(3)} ms`;
  const ratio = (a: number[], b: number[]) =>
    `${(percentile(a, 50) / percentile(b, 50)).toFixed(2)}× p50, ${(percentile(a, 99) / percentile(b, 99)).toFixed(2)}× p99`;
  console.log(
    "4. Text search: a two-word query (last word a prefix), first 10 results, 600 searches per series after one cold pass of the 20 queries, in process",
  );
  console.log(line("1k videos, whole index", series.small));
  console.log(line("100k videos, whole index", series.large));
  console.log(`   ratio                              ${ratio(series.large, series.small)}   (target ≤ 2×)`);
  console.log(line("1k videos, eq(teamId) (one team)", series.smallTeam));
  console.log(line("100k videos, eq(teamId) (team of 1k)", series.largeTeam));
  console.log(`   ratio                              ${ratio(series.largeTeam, series.smallTeam)}   (target ≤ 2×)`);
  const coldLine = (label: string, a: number[], b: number[]) =>
    `   ${label.padEnd(34)} p50 ${percentile(a, 50).toFixed(3)} vs ${percentile(b, 50).toFixed(3)} ms, max ${Math.max(...a).toFixed(3)} vs ${Math.max(...b).toFixed(3)} ms`;
  console.log("   first search of each of the 20 queries (cold: posting lists read and decoded), 1k vs 100k, not in the series above");
  console.log(coldLine("whole index", cold.small, cold.large));
  console.log(coldLine("eq(teamId)", cold.smallTeam, cold.largeTeam));
  // Process CPU time per search, which other processes on a shared machine inflate less than wall-clock time.
  const cpuLine = (label: string, a: number[], b: number[]) =>
    `   ${label.padEnd(34)} CPU p50 ${percentile(a, 50).toFixed(3)} vs ${percentile(b, 50).toFixed(3)} ms: ${(percentile(b, 50) / percentile(a, 50)).toFixed(2)}×`;
  console.log(cpuLine("whole index, 1k vs 100k", cpu.small, cpu.large));
  console.log(cpuLine("eq(teamId), 1k vs 100k", cpu.smallTeam, cpu.largeTeam));
  insertCost(true, 300);
  const [withIndex, without] = [insertCost(true, 2000), insertCost(false, 2000)];
  console.log("   insert of one video (own transaction, 10k videos in the table, 2000 inserts)");
  console.log(
    `   with the search index ${withIndex.toFixed(1)} µs, without ${without.toFixed(1)} µs: +${(withIndex - without).toFixed(1)} µs (${(withIndex / without).toFixed(2)}×)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) benchSearch();
