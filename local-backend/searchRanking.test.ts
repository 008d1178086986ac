/**
 * The pruned top-k ranking (searchRanking.ts) over decoded postings (searchPostings.ts) hands out
 * exactly the order of scoring every posting — through every batch, with exact score ties broken
 * by creation time and id, and `eq` conditions — while scoring only part of the documents.
 */
import { expect, test } from "vitest";
import { encodeEntry, entryWidth } from "./searchBlocks";
import { BLOCK_ENTRIES, PostingsCache, TermPostings } from "./searchPostings";
import { Ranking, type DocInfo, type HashCondition } from "./searchRanking";
import { termScore } from "./searchText";
import { seededNumbers } from "./seededNumbers";

const WIDTH = entryWidth(1);

type Doc = { docno: number; len: number; team: number; created: number; id: string };

/** Blocks of a term's entries, shuffled and split unevenly (decoding sorts them). */
function blocksOf(entries: Array<{ doc: Doc; tf: number }>, next: () => number): Buffer[] {
  const shuffled = [...entries].sort(() => next() - 0.5);
  const blocks: Buffer[] = [];
  for (let i = 0; i < shuffled.length;) {
    const n = 1 + Math.floor(next() * 40);
    const filt = (team: number) => Buffer.from(Int32Array.from([team, -team]).buffer);
    blocks.push(
      Buffer.concat(
        shuffled.slice(i, i + n).map((e) => encodeEntry({ docno: e.doc.docno, tf: e.tf, len: e.doc.len, filt: filt(e.doc.team) })),
      ),
    );
    i += n;
  }
  return blocks;
}

function scenario(seed: number) {
  const next = seededNumbers(seed);
  // Few distinct lengths and creation times: many documents score exactly alike and tie on time too.
  const docs: Doc[] = Array.from({ length: 3000 }, (_, i) => ({
    docno: i * 3 + Math.floor(next() * 3),
    len: 1 + Math.floor(next() * 6) * 5,
    team: Math.floor(next() * 3),
    created: Math.floor(next() * 40),
    id: `d${Math.floor(next() * 1e6)}_${i}`,
  }));
  const termCount = 1 + Math.floor(next() * 4);
  const terms = Array.from({ length: termCount }, (_, t) => {
    const share = t === 0 ? 0.002 + next() * 0.02 : 0.05 + next() * 0.9;
    const entries = docs.filter(() => next() < share).map((doc) => ({ doc, tf: next() < 0.9 ? 1 : 2 + Math.floor(next() * 3) }));
    return { entries, weight: next() < 0.3 ? 1.5 : 0.5 + next() * 4 };
  });
  const averageLength = 5 + next() * 20;
  const conditions: HashCondition[] = next() < 0.4 ? [{ offset: 12, lo: 1, hi: -1 }] : [];
  return { docs, terms, averageLength, conditions, next };
}

function expected(s: ReturnType<typeof scenario>) {
  const scores = new Map<Doc, number>();
  for (const term of s.terms) {
    for (const { doc, tf } of term.entries) {
      if (s.conditions.length > 0 && doc.team !== 1) continue;
      const add = termScore(term.weight, tf, doc.len, s.averageLength);
      const seen = scores.get(doc);
      scores.set(doc, seen === undefined ? add : seen + add);
    }
  }
  return [...scores]
    .sort(([a, x], [b, y]) => y - x || b.created - a.created || (a.id < b.id ? -1 : 1))
    .map(([doc, score]) => ({ docno: doc.docno, score }));
}

function ranking(s: ReturnType<typeof scenario>) {
  const byDocno = new Map(s.docs.map((d) => [d.docno, d]));
  const info = (docno: number): DocInfo => ({ id: byDocno.get(docno)!.id, created: byDocno.get(docno)!.created });
  const terms = s.terms.map((t) => ({ postings: TermPostings.decode(blocksOf(t.entries, s.next), WIDTH), weight: t.weight }));
  return new Ranking(terms, s.averageLength, s.conditions, () => {}, info);
}

test("every batch of the pruned ranking is the full scoring's order, ties and conditions included", () => {
  let pruned = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const s = scenario(seed);
    const want = expected(s);
    const r = ranking(s);
    const got: Array<{ docno: number; score: number }> = [];
    for (let hit = r.next(); hit; hit = r.next()) {
      got.push({ docno: hit.docno, score: hit.score });
      // After the first batch: how many documents the ranking scored in full to find it.
      if (got.length === 1 && r.scored < want.length / 2) pruned++;
    }
    expect(got, `seed ${seed}`).toEqual(want);
  }
  // Most scenarios (a rare term with common ones) rank their first page scoring under half the matches.
  expect(pruned).toBeGreaterThan(20);
});

test("a document's score is its terms' contributions summed in query-term order, whichever term is rarest", () => {
  const doc = { docno: 7, len: 3, team: 0, created: 1, id: "a" };
  const next = seededNumbers(5);
  const common = Array.from({ length: 200 }, (_, i) => ({ doc: { ...doc, docno: 100 + i, id: `c${i}` }, tf: 1 }));
  const terms = [
    { entries: [...common, { doc, tf: 1 }], weight: 0.1 },
    { entries: [{ doc, tf: 3 }], weight: 1e-7 },
    { entries: [{ doc, tf: 2 }], weight: 3.3 },
  ];
  const r = new Ranking(
    terms.map((t) => ({ postings: TermPostings.decode(blocksOf(t.entries, next), WIDTH), weight: t.weight })),
    2.5,
    [],
    () => {},
    (docno) => ({ id: docno === 7 ? "a" : `c${docno - 100}`, created: 1 }),
  );
  const first = r.next()!;
  expect(first.docno).toBe(7);
  expect(first.score).toBe(termScore(0.1, 1, 3, 2.5) + termScore(1e-7, 3, 3, 2.5) + termScore(3.3, 2, 3, 2.5));
});

test("a term's bound is the best contribution of any of its entries", () => {
  const next = seededNumbers(9);
  for (let round = 0; round < 20; round++) {
    const entries = Array.from({ length: 50 }, (_, i) => ({
      doc: { docno: i, len: 1 + Math.floor(next() * 30), team: 0, created: 0, id: `${i}` },
      tf: 1 + Math.floor(next() * next() * 6),
    }));
    const postings = TermPostings.decode(blocksOf(entries, next), WIDTH);
    const average = 1 + next() * 20;
    const best = Math.max(...entries.map((e) => termScore(2, e.tf, e.doc.len, average)));
    expect(postings.bound(2, average)).toBe(best);
    expect(postings.count).toBe(50);
    expect(Array.from({ length: 50 }, (_, i) => postings.words[i * postings.stride])).toEqual(entries.map((e) => e.doc.docno));
  }
});

test("a block's bound is at least each of its entries' contribution, as computed", () => {
  const next = seededNumbers(11);
  for (let round = 0; round < 20; round++) {
    const entries = Array.from({ length: 5 * BLOCK_ENTRIES + 3 }, (_, i) => ({
      doc: { docno: i * 2, len: 1 + Math.floor(next() * 40), team: 0, created: 0, id: `${i}` },
      tf: 1 + Math.floor(next() * next() * 8),
    }));
    const postings = TermPostings.decode(blocksOf(entries, next), WIDTH);
    const [weight, average] = [0.1 + next() * 5, 1 + next() * 20];
    entries.forEach((e, i) => {
      expect(postings.blockBound(Math.floor(i / BLOCK_ENTRIES), weight, average)).toBeGreaterThanOrEqual(
        termScore(weight, e.tf, e.doc.len, average),
      );
    });
  }
});

test("blocks of a common term that cannot reach the k-th score are skipped unread", () => {
  const next = seededNumbers(13);
  const doc = (docno: number, len: number) => ({ docno, len, team: 0, created: docno, id: `d${docno}` });
  // A rare term in 40 short documents that also hold the common term; the common term in 4000
  // long ones besides, and in three short ones with a high tf, so its overall bound stays high.
  const both = Array.from({ length: 40 }, (_, i) => doc(i * 100, 2));
  const rare = both.map((d) => ({ doc: d, tf: 2 }));
  const common = [
    ...both.map((d) => ({ doc: d, tf: 1 })),
    ...Array.from({ length: 4000 }, (_, i) => ({ doc: doc(i * 100 + 1, 60), tf: 1 })),
    ...[50, 150, 250].map((n) => ({ doc: doc(n * 100 + 2, 1), tf: 20 })),
  ];
  const terms = [
    { postings: TermPostings.decode(blocksOf(common, next), WIDTH), weight: 1.5 },
    { postings: TermPostings.decode(blocksOf(rare, next), WIDTH), weight: 0.2 },
  ];
  const byDocno = new Map([...common, ...rare].map((e) => [e.doc.docno, e.doc]));
  const r = new Ranking(
    terms,
    30,
    [],
    () => {},
    (docno) => ({ id: byDocno.get(docno)!.id, created: byDocno.get(docno)!.created }),
  );
  const got = Array.from({ length: 16 }, () => r.next()!.docno);
  // The three with a high tf first, then the short documents holding both terms.
  expect(got.slice(0, 3).sort((a, b) => a - b)).toEqual([5002, 15002, 25002]);
  expect(got.slice(3).every((docno) => byDocno.get(docno)!.len === 2)).toBe(true);
  // The rare term's 40, then only the common term's blocks holding a high tf (of its 253 blocks).
  expect(r.visited).toBe(40 + 3 * BLOCK_ENTRIES);
});

test("the postings cache answers a version it holds, loads any other, keeps the newest, and stays within its budget", () => {
  const next = seededNumbers(3);
  const make = (n: number) =>
    TermPostings.decode(
      blocksOf(
        Array.from({ length: n }, (_, i) => ({ doc: { docno: i, len: 1, team: 0, created: 0, id: "" }, tf: 1 })),
        next,
      ),
      WIDTH,
    );
  const cache = new PostingsCache(make(100).bytes * 4);
  let loads = 0;
  const get = (key: string, version: number, n = 10) => cache.get(key, version, () => (loads++, make(n)));
  const first = get("a", 5);
  expect(get("a", 5)).toBe(first);
  expect(loads).toBe(1);
  const newer = get("a", 6);
  expect(newer).not.toBe(first);
  // An older snapshot's version is loaded for it but does not replace the newer one.
  get("a", 5);
  expect(get("a", 6)).toBe(newer);
  expect(loads).toBe(3);
  // Past the budget the least recently used go.
  for (let i = 0; i < 10; i++) get(`k${i}`, 1, 100);
  expect(cache.size).toBeLessThanOrEqual(4);
  const before = loads;
  get("a", 6);
  expect(loads).toBe(before + 1);
});
