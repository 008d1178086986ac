/**
 * Ranks a search's documents from its terms' decoded postings (searchPostings.ts) and hands
 * them out best first: score descending, creation time descending, id ascending. As Convex's
 * searcher (crates/search/src/searcher/searcher.rs: Tantivy's `TopDocs::with_limit`, which
 * prunes with block-max WAND yet returns the exact top k) only the best k are found — k = 16,
 * then 4× what was handed out when more are asked for — and found exactly:
 *
 *   Terms are taken rarest first. A document is scored in full (every term's contribution summed
 *   in query-term order, the arithmetic of scoring every posting) when first met, unless its
 *   contribution there plus the best contributions of the terms not yet taken (each term's exact
 *   maximum, TermPostings.bound) falls short of θ, the k-th best full score so far; a document
 *   that falls short is below θ whatever else it holds (it is met at its rarest term first). Once
 *   the terms left cannot reach θ together, no document met later could, and ranking stops.
 *   Postings are walked in blocks of BLOCK_ENTRIES, each with its own bound (block-max, as
 *   Tantivy's): a block whose bound plus the terms not yet taken falls short is skipped unread.
 *
 * The results are then every scored document at or above the final θ (ties at the edge come
 * along, so the tie-break is exact), sorted; creation times and ids are read for those only.
 * A bound is compared with a margin of 1e-9 of θ, far above the rounding of a sum taken in
 * another order, so pruning never drops a document the full scoring would rank.
 */
import { BLOCK_ENTRIES, type TermPostings } from "./searchPostings";
import { termScore } from "./searchText";

/** An `eq` on a filter field other than the first: its 8-byte hash at `offset` of each entry, as two words. */
export type HashCondition = { offset: number; lo: number; hi: number };
export type Ranked = { docno: number; score: number; id: string; created: number };
/** A matched document's creation time and id, read from the index on demand. */
export type DocInfo = { id: string; created: number };
/** One query term: its postings and weight (idf × prefix boost). */
export type RankedTerm = { postings: TermPostings; weight: number };

const FIRST_BATCH = 16;

/** Ranking number at which each document number was last scored: a document is scored once per ranking. */
let scoredIn = new Int32Array(1 << 16);
let rankings = 0;

/** Whether `bound` is below `threshold` by more than any reordering of a float sum could account for. */
const short = (bound: number, threshold: number) => bound < threshold - (Math.abs(threshold) * 1e-9 + 1e-12);

export class Ranking {
  private k = FIRST_BATCH;
  private batch: Ranked[] = [];
  /** Whether the batch holds every match (fewer than k matched). */
  private complete = false;
  private computed = false;
  private handed = 0;
  /** Documents scored in full by the last ranking (for tests: how much pruning spared). */
  scored = 0;
  /** Postings the last ranking read (for tests: how many whole blocks it skipped). */
  visited = 0;

  constructor(
    /** In query-term order (the order a document's contributions are summed in). */
    private readonly terms: RankedTerm[],
    private readonly averageLength: number,
    private readonly conditions: HashCondition[],
    /** Reads the creation time and id of these documents (one lookup), for `info`. */
    private readonly load: (docnos: number[]) => void,
    private readonly info: (docno: number) => DocInfo,
  ) {}

  /** The next best match, or null when all were handed out. */
  next(): Ranked | null {
    if (!this.computed || (this.handed === this.batch.length && !this.complete)) {
      if (this.computed) this.k = Math.max(this.k * 4, this.handed * 4);
      this.rank();
    }
    return this.handed < this.batch.length ? this.batch[this.handed++] : null;
  }

  /** The best `k` matches and any tying with the k-th (every match when fewer), in order. */
  private rank() {
    const { terms, averageLength, conditions, k } = this;
    const ranking = ++rankings;
    const rarestFirst = terms.map((_, i) => i).sort((a, b) => terms[a].postings.count - terms[b].postings.count || a - b);
    // left[i]: the most the terms from rarestFirst[i] on add to a document's score.
    const left = new Float64Array(terms.length + 1);
    for (let i = terms.length - 1; i >= 0; i--) {
      const t = terms[rarestFirst[i]];
      left[i] = left[i + 1] + t.postings.bound(t.weight, averageLength);
    }
    for (const t of terms) if (t.postings.count > 0) reserve(t.postings.words[(t.postings.count - 1) * t.postings.stride]);
    // Per term, for the loops below: entries, stride, count, weight.
    const wordsOf = terms.map((t) => t.postings.words);
    const strides = Int32Array.from(terms, (t) => t.postings.stride);
    const counts = Int32Array.from(terms, (t) => t.postings.count);
    const weights = Float64Array.from(terms, (t) => t.weight);
    const termCount = terms.length;
    const conditionCount = conditions.length;
    const cursors = new Int32Array(terms.length);
    const conditionWords = conditions.map((c) => c.offset >> 2);
    const docnos: number[] = [];
    const scores: number[] = [];
    const best = new MinHeap(k);
    let theta = best.threshold;
    let scored = 0;
    let visited = 0;
    for (let i = 0; i < terms.length; i++) {
      if (short(left[i], theta)) break;
      const driver = rarestFirst[i];
      const words = wordsOf[driver];
      const stride = strides[driver];
      const weight = weights[driver];
      const rest = left[i + 1];
      cursors.fill(0);
      const count = counts[driver];
      const postings = terms[driver].postings;
      for (let block = 0, first = 0; first < count; block++, first += BLOCK_ENTRIES) {
        // A block whose best entry falls short falls short entry by entry: skipped whole. Bounds
        // are worked out for the terms that drive only, block by block as they are met.
        if (short(postings.blockBound(block, weight, averageLength) + rest, theta)) continue;
        const end = Math.min(count, first + BLOCK_ENTRIES) * stride;
        visited += end / stride - first;
        next: for (let w = first * stride; w < end; w += stride) {
          const docno = words[w];
          if (scoredIn[docno] === ranking) continue;
          for (let c = 0; c < conditionCount; c++) {
            if (words[w + conditionWords[c]] !== conditions[c].lo || words[w + conditionWords[c] + 1] !== conditions[c].hi) {
              scoredIn[docno] = ranking;
              continue next;
            }
          }
          const own = termScore(weight, words[w + 1], words[w + 2], averageLength);
          if (short(own + rest, theta)) continue;
          scoredIn[docno] = ranking;
          scored++;
          // Summed in query-term order, the first contribution as is (as scoring each term's postings in turn would).
          let score = 0;
          let any = false;
          for (let t = 0; t < termCount; t++) {
            let add: number;
            if (t === driver) add = own;
            else {
              const tw = wordsOf[t];
              const ts = strides[t];
              const at = (cursors[t] = seek(tw, ts, counts[t], cursors[t], docno));
              if (at === counts[t] || tw[at * ts] !== docno) continue;
              add = termScore(weights[t], tw[at * ts + 1], tw[at * ts + 2], averageLength);
            }
            score = any ? score + add : add;
            any = true;
          }
          // Below θ now is below the final θ: neither a result nor taken by the heap.
          if (score < theta) continue;
          docnos.push(docno);
          scores.push(score);
          best.push(score);
          theta = best.threshold;
        }
      }
    }
    this.scored = scored;
    this.visited = visited;
    this.complete = best.size < k;
    const threshold = best.threshold;
    const kept: number[] = [];
    for (let i = 0; i < docnos.length; i++) if (scores[i] >= threshold) kept.push(i);
    this.load(kept.map((i) => docnos[i]));
    this.batch = kept
      .map((i) => ({ docno: docnos[i], score: scores[i], ...this.info(docnos[i]) }))
      .sort((a, b) => b.score - a.score || b.created - a.created || (a.id < b.id ? -1 : 1));
    this.computed = true;
  }
}

/** The first position at or after `from` whose document number is at least `docno` (galloping: probes go forward). */
function seek(words: Int32Array, stride: number, count: number, from: number, docno: number): number {
  if (from >= count || words[from * stride] >= docno) return from;
  let step = 1;
  let lo = from; // words[lo] < docno
  while (lo + step < count && words[(lo + step) * stride] < docno) {
    lo += step;
    step *= 2;
  }
  let hi = Math.min(lo + step, count); // words[hi] >= docno, or hi = count
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (words[mid * stride] < docno) lo = mid;
    else hi = mid;
  }
  return hi;
}

function reserve(docno: number) {
  if (docno < scoredIn.length) return;
  let size = scoredIn.length;
  while (size <= docno) size *= 2;
  const bigger = new Int32Array(size);
  bigger.set(scoredIn);
  scoredIn = bigger;
}

/** The `capacity` largest scores pushed; `threshold` is the least of them once full (else -∞). */
class MinHeap {
  private readonly heap: Float64Array;
  size = 0;
  constructor(private readonly capacity: number) {
    this.heap = new Float64Array(capacity);
  }
  get threshold() {
    return this.size < this.capacity ? -Infinity : this.heap[0];
  }
  push(score: number) {
    const heap = this.heap;
    if (this.size < this.capacity) {
      let c = this.size++;
      heap[c] = score;
      while (c > 0 && heap[(c - 1) >> 1] > heap[c]) {
        const p = (c - 1) >> 1;
        const swap = heap[c];
        heap[c] = heap[p];
        heap[p] = swap;
        c = p;
      }
    } else if (score > heap[0]) {
      heap[0] = score;
      for (let p = 0; ;) {
        const l = 2 * p + 1;
        if (l >= this.size) break;
        const w = l + 1 < this.size && heap[l + 1] < heap[l] ? l + 1 : l;
        if (heap[w] >= heap[p]) break;
        const swap = heap[w];
        heap[w] = heap[p];
        heap[p] = swap;
        p = w;
      }
    }
  }
}
