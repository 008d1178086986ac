/**
 * The packed-block index (search.ts, searchBlocks.ts, searchRanking.ts) ranks exactly as scoring
 * every live document by Convex's rules would: pinned against a brute-force reference built from
 * searchText.ts alone, over random corpora with edits and deletes (postings removed from and
 * re-added to blocks), prefix terms, `eq` filters on the first and other filter fields, and
 * pagination through a cursor.
 */
import path from "node:path";
import { expect, test } from "vitest";
import { DocumentStore, type Doc } from "./database";
import { SearchError } from "./searchText";
import { encodeKey } from "./keys";
import { ReadSet } from "./readSet";
import { SearchIndexes } from "./search";
import {
  MAX_CANDIDATE_REVISIONS,
  MAX_PREFIX_MATCHES_PER_QUERY_TERM,
  MAX_UNIQUE_QUERY_TERMS,
  PREFIX_BOOST,
  analyze,
  compileSearch,
  idf,
  termScore,
  type SearchFilterJson,
} from "./searchText";
import { tempDataDir } from "./testing";
import { seededNumbers } from "./seededNumbers";

const TABLE = ":notes";
const INDEX = { name: "by_body", searchField: "body", filterFields: ["team", "status"] };
const WORDS = ["a", "ab", "abc", "abd", "b", "ba", "bad", "bat", "cat", "car", "cart", "dog", "do", "e", "ee", "fig", "g"];

type Ranked = { id: string; score: number; created: number };

/** Every live document scored in full, in Convex's order (searchText.ts rules only). */
function reference(docs: Doc[], filters: SearchFilterJson[]): Ranked[] {
  const { terms, eqs } = compileSearch("notes.by_body", INDEX, filters);
  const analyzed = docs.map((doc) => ({ doc, ...analyze(doc.body) }));
  const df = new Map<string, number>();
  for (const a of analyzed) for (const t of a.tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const dictionary = [...df.keys()].sort();
  const found = new Map<string, { prefixOnly: boolean; order: number }>();
  terms.forEach((term, order) => {
    const candidates = term.prefix
      ? dictionary.filter((t) => t.startsWith(term.text)).slice(0, MAX_PREFIX_MATCHES_PER_QUERY_TERM)
      : dictionary.filter((t) => t === term.text);
    for (const t of candidates) {
      const prefixOnly = t !== term.text;
      const seen = found.get(t);
      if (!seen) found.set(t, { prefixOnly, order });
      else if (seen.prefixOnly && !prefixOnly) found.set(t, { prefixOnly, order: seen.order });
    }
  });
  const chosen = [...found]
    .sort((x, y) => Number(x[1].prefixOnly) - Number(y[1].prefixOnly) || x[1].order - y[1].order)
    .slice(0, MAX_UNIQUE_QUERY_TERMS);
  const tokens = analyzed.reduce((n, a) => n + a.length, 0);
  const average = Math.max(tokens / docs.length, 1e-9);
  const out: Ranked[] = [];
  for (const a of analyzed) {
    if (!eqs.every((eq) => a.doc[eq.field] === eq.value)) continue;
    let score: number | null = null;
    for (const [t, info] of chosen) {
      const tf = a.tf.get(t);
      if (!tf) continue;
      const add = termScore(idf(df.get(t)!, docs.length) * (info.prefixOnly ? PREFIX_BOOST : 1), tf, a.length, average);
      score = score === null ? add : score + add;
    }
    if (score !== null) out.push({ id: a.doc._id, score, created: a.doc._creationTime });
  }
  out.sort((x, y) => y.score - x.score || y.created - x.created || (x.id < y.id ? -1 : 1));
  return out.slice(0, MAX_CANDIDATE_REVISIONS);
}

function corpus(seed: number, rounds = 6, perRound = 60, dir = tempDataDir("reelgate-search-ref-")) {
  const next = seededNumbers(seed);
  const store = new DocumentStore(path.join(dir, "db.sqlite3"));
  const search = new SearchIndexes(store);
  store.defineTable(TABLE, []);
  search.define(TABLE, [INDEX]);
  const live = new Map<string, Doc>();
  const pick = () => WORDS[Math.floor(next() ** 2 * WORDS.length)];
  const body = () => Array.from({ length: 1 + Math.floor(next() * 8) }, pick).join(next() < 0.5 ? " " : ", ");
  const fields = () => ({
    body: next() < 0.05 ? 42 : body(),
    team: `t${Math.floor(next() * 3)}`,
    status: next() < 0.7 ? "ready" : "draft",
  });
  for (let round = 0; round < rounds; round++) {
    store.transaction(() => {
      for (let i = 0; i < perRound; i++) {
        const ids = [...live.keys()];
        const r = next();
        if (r < 0.6 || ids.length === 0) {
          const doc = { ...fields(), _id: store.newId(TABLE), _creationTime: store.nextCreationTime() } as unknown as Doc;
          store.write(TABLE, doc, null);
          live.set(doc._id, doc);
        } else {
          const previous = live.get(ids[Math.floor(next() * ids.length)])!;
          if (r < 0.85) {
            // An edit of the text, of a filter field, or of neither.
            const changed = { ...previous, ...(next() < 0.6 ? { body: body() } : {}), ...(next() < 0.3 ? { team: "t0" } : {}) } as Doc;
            store.write(TABLE, changed, previous);
            live.set(changed._id, changed);
          } else {
            store.delete(TABLE, previous);
            live.delete(previous._id);
          }
        }
      }
    });
  }
  return { store, search, live, next, dir };
}

const searchFor = (text: string, eqs: Array<[string, string]>): SearchFilterJson[] => [
  { type: "Search", fieldPath: "body", value: text },
  ...eqs.map(([fieldPath, value]) => ({ type: "Eq" as const, fieldPath, value })),
];

test("every ranking equals scoring all live documents in full: words, prefixes, filters, after edits and deletes", () => {
  let compared = 0;
  for (const seed of [1, 2, 3]) {
    const { store, search, live, next } = corpus(seed);
    for (let q = 0; q < 60; q++) {
      const words = Array.from({ length: 1 + Math.floor(next() * 3) }, () => WORDS[Math.floor(next() * WORDS.length)]);
      if (next() < 0.5) words[words.length - 1] = words[words.length - 1].slice(0, 1);
      const eqs: Array<[string, string]> = [];
      if (next() < 0.4) eqs.push(["team", `t${Math.floor(next() * 3)}`]);
      if (next() < 0.3) eqs.push(["status", next() < 0.5 ? "ready" : "draft"]);
      const filters = searchFor(words.join(" "), eqs);
      const expected = reference([...live.values()], filters).map((r) => r.id);
      const got = search
        .search(TABLE, INDEX.name, filters, new ReadSet())
        .take(MAX_CANDIDATE_REVISIONS)
        .map((r) => (JSON.parse(r.json) as { _id: string })._id);
      expect(got, `${words.join(" ")} ${JSON.stringify(eqs)}`).toEqual(expected);
      compared += expected.length;
    }
    store.close();
  }
  expect(compared).toBeGreaterThan(1000);
});

test("a page continues after its cursor, in batches, as the full ranking does", () => {
  const { store, search, live } = corpus(7);
  const filters = searchFor("ab ca", []);
  const expected = reference([...live.values()], filters);
  expect(expected.length).toBeGreaterThan(40);
  const cut = expected[17];
  const results = search.search(TABLE, INDEX.name, filters, new ReadSet());
  results.skipThrough(encodeKey([-cut.score, -cut.created, cut.id]));
  const rest = [...results.take(2), ...results.take(8), ...results.take(1000)].map((r) => (JSON.parse(r.json) as { _id: string })._id);
  expect(rest).toEqual(expected.slice(18).map((r) => r.id));
  store.close();
});

const idsOf = (rows: Array<{ json: string }>) => rows.map((r) => (JSON.parse(r.json) as { _id: string })._id);

test("a large index (terms over many segments, pruned first pages, edits and deletes in old segments) ranks as the reference", () => {
  // 3,000 writes: the common words hold far more than a 16 KiB segment, and edits and deletes reach old segments.
  const { store, search, live, next } = corpus(11, 10, 300);
  for (let q = 0; q < 40; q++) {
    const words = Array.from({ length: 1 + Math.floor(next() * 3) }, () => WORDS[Math.floor(next() * WORDS.length)]);
    if (next() < 0.5) words[words.length - 1] = words[words.length - 1].slice(0, 1);
    const eqs: Array<[string, string]> = next() < 0.4 ? [["team", `t${Math.floor(next() * 3)}`]] : [];
    const filters = searchFor(words.join(" "), eqs);
    const expected = reference([...live.values()], filters).map((r) => r.id);
    const label = `${words.join(" ")} ${JSON.stringify(eqs)}`;
    // A first page (pruned), then the rest in growing batches, up to Convex's limit.
    const results = search.search(TABLE, INDEX.name, filters, new ReadSet());
    const got = [...results.take(10), ...results.take(30), ...results.take(MAX_CANDIDATE_REVISIONS - 40)];
    expect(idsOf(got), label).toEqual(expected);
    if (expected.length === MAX_CANDIDATE_REVISIONS) expect(() => results.take(1)).toThrow(SearchError);
  }
  store.close();
});

test("a search inside a transaction that rolls back leaves nothing stale behind for the next state of its terms", () => {
  const { store, search, live } = corpus(5);
  const filters = searchFor("fig zebra", []);
  const before = reference([...live.values()], filters).map((r) => r.id);
  const doc = (body: string) =>
    ({ _id: store.newId(TABLE), _creationTime: store.nextCreationTime(), body, team: "t1", status: "ready" }) as unknown as Doc;
  expect(() =>
    store.transaction(() => {
      store.write(TABLE, doc("zebra zebra zebra fig"), null);
      // Caches the postings of this transaction's state.
      expect(idsOf(search.search(TABLE, INDEX.name, filters, new ReadSet()).take(1000)).length).toBe(before.length + 1);
      throw new Error("rolled back");
    }),
  ).toThrow("rolled back");
  expect(idsOf(search.search(TABLE, INDEX.name, filters, new ReadSet()).take(1000))).toEqual(before);
  // The next documents take the rolled-back one's number again, with other postings of its terms.
  const [weak, strong] = [doc("zebra cat cat cat cat cat cat"), doc("zebra")];
  store.transaction(() => [weak, strong].forEach((d) => store.write(TABLE, d, null)));
  for (const d of [weak, strong]) live.set(d._id, d);
  const expected = reference([...live.values()], filters).map((r) => r.id);
  expect(expected.slice(0, 2)).toEqual([strong._id, weak._id]);
  expect(idsOf(search.search(TABLE, INDEX.name, filters, new ReadSet()).take(1000))).toEqual(expected);
  store.close();
});

test("a data folder of an older index layout is re-indexed when opened", () => {
  const first = corpus(3);
  first.store.setMeta("searchLayout", "5");
  first.store.close();
  const store = new DocumentStore(path.join(first.dir, "db.sqlite3"));
  // An old layout's rows are not this one's: had they been kept, the search would read them.
  store.sql.exec("UPDATE search_blocks SET data = x''");
  const search = new SearchIndexes(store);
  store.defineTable(TABLE, []);
  search.define(TABLE, [INDEX]);
  const filters = searchFor("cat do", []);
  const expected = reference([...first.live.values()], filters).map((r) => r.id);
  expect(expected.length).toBeGreaterThan(10);
  expect(idsOf(search.search(TABLE, INDEX.name, filters, new ReadSet()).take(1000))).toEqual(expected);
  store.close();
});

test("a rebuilt index numbers its documents anew: what searches of the old one remembered does not leak into it", () => {
  const { store, search, live } = corpus(8);
  const filters = searchFor("cat do", []);
  expect(idsOf(search.search(TABLE, INDEX.name, filters, new ReadSet()).take(1000)).length).toBeGreaterThan(10);
  // A changed definition rebuilds the index from the documents, numbered in another order (by id).
  search.define(TABLE, [{ ...INDEX, filterFields: ["status", "team"] }]);
  expect(idsOf(search.search(TABLE, INDEX.name, filters, new ReadSet()).take(1000))).toEqual(
    reference([...live.values()], filters).map((r) => r.id),
  );
  store.close();
});
