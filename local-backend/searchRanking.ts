/**
 * Scores a search's posting blocks (searchBlocks.ts) and hands out documents best first.
 * Every posting is scored — BM25 summed per document in query-term order, as one pass over the
 * postings would — into typed arrays; the order is then found a batch at a time: one pass over
 * the matches keeps the best k after the last one handed out (k = 16, then 4× what was handed
 * out), so the first page costs one linear pass rather than a sort of every match. Order: score
 * descending, creation time descending, id ascending (both looked up only for documents that
 * tie on score).
 */
import { termScore } from "./searchText";

/** An `eq` on a filter field other than the first: its 8-byte hash at `offset` of each entry, as two words. */
export type HashCondition = { offset: number; lo: number; hi: number };
export type Ranked = { docno: number; score: number };
/** A matched document's creation time and id, read from the index on demand. */
export type DocInfo = { id: string; created: number };

/** A block's entries as 32-bit words (docno, tf, len, filter hashes); a copy only if the blob is not 4-byte aligned. */
function wordsOf(block: Buffer): Int32Array {
  if (block.byteOffset % 4 === 0) return new Int32Array(block.buffer, block.byteOffset, block.length >> 2);
  return new Int32Array(Uint8Array.from(block).buffer);
}

/** Slot + 1 of each document number in the current ranking (0: not matched); reset by `finish`. */
let slotOf = new Int32Array(1 << 16);

const FIRST_BATCH = 16;

export class Ranking {
  private count = 0;
  private docnos = new Int32Array(64);
  private scores = new Float64Array(64);
  private finished = false;
  private batch: number[] = [];
  private at = 0;
  private last = -1;
  private handed = 0;

  constructor(private readonly infoOf: (docno: number) => DocInfo) {}

  /**
   * Adds one term's postings at `weight` (idf × boost); entries failing a condition are skipped.
   * `width` is a multiple of 4 (searchBlocks.ts), so each block is read as 32-bit words.
   */
  addTerm(blocks: Buffer[], width: number, weight: number, averageLength: number, conditions: HashCondition[]) {
    const stride = width >> 2;
    let entries = 0;
    for (const block of blocks) entries += block.length / width;
    this.reserve(this.count + entries);
    const words = conditions.map((c) => c.offset >> 2);
    for (const block of blocks) {
      const data = wordsOf(block);
      const n = data.length;
      next: for (let w = 0; w < n; w += stride) {
        for (let c = 0; c < conditions.length; c++) {
          if (data[w + words[c]] !== conditions[c].lo || data[w + words[c] + 1] !== conditions[c].hi) continue next;
        }
        const docno = data[w];
        const add = termScore(weight, data[w + 1], data[w + 2], averageLength);
        if (docno >= slotOf.length) grow(docno);
        const slot = slotOf[docno];
        if (slot === 0) {
          const i = this.count++;
          slotOf[docno] = i + 1;
          this.docnos[i] = docno;
          this.scores[i] = add;
        } else {
          this.scores[slot - 1] += add;
        }
      }
    }
  }

  /** Room for `n` matches. */
  private reserve(n: number) {
    if (n <= this.docnos.length) return;
    let size = this.docnos.length;
    while (size < n) size *= 2;
    const [docnos, scores] = [new Int32Array(size), new Float64Array(size)];
    docnos.set(this.docnos);
    scores.set(this.scores);
    [this.docnos, this.scores] = [docnos, scores];
  }

  /** Ends the scoring: clears the shared slots, so call it before any other ranking starts. */
  finish(): this {
    for (let i = 0; i < this.count; i++) slotOf[this.docnos[i]] = 0;
    this.finished = true;
    return this;
  }

  /** Whether match `a` ranks before match `b` (neither the same). */
  private before(a: number, b: number): boolean {
    const sa = this.scores[a];
    const sb = this.scores[b];
    if (sa !== sb) return sa > sb;
    const ia = this.infoOf(this.docnos[a]);
    const ib = this.infoOf(this.docnos[b]);
    if (ia.created !== ib.created) return ia.created > ib.created;
    return ia.id < ib.id;
  }

  /** The next `k` matches after the last one handed out, in order. */
  private fill(k: number) {
    // A heap of the best k so far, its worst at the root.
    const heap: number[] = [];
    const worse = (a: number, b: number) => this.before(b, a);
    const last = this.last;
    const lastScore = last < 0 ? Infinity : this.scores[last];
    for (let i = 0; i < this.count; i++) {
      const score = this.scores[i];
      // Handed out already: ranks before (or is) the last one.
      if (score > lastScore || (score === lastScore && (i === last || this.before(i, last)))) continue;
      if (heap.length < k) {
        heap.push(i);
        for (let c = heap.length - 1; c > 0;) {
          const p = (c - 1) >> 1;
          if (!worse(heap[c], heap[p])) break;
          [heap[c], heap[p]] = [heap[p], heap[c]];
          c = p;
        }
      } else if (score > this.scores[heap[0]] || (score === this.scores[heap[0]] && this.before(i, heap[0]))) {
        heap[0] = i;
        for (let p = 0; ;) {
          const l = 2 * p + 1;
          if (l >= k) break;
          const w = l + 1 < k && worse(heap[l + 1], heap[l]) ? l + 1 : l;
          if (!worse(heap[w], heap[p])) break;
          [heap[w], heap[p]] = [heap[p], heap[w]];
          p = w;
        }
      }
    }
    this.batch = heap.sort((a, b) => (this.before(a, b) ? -1 : 1));
    this.at = 0;
  }

  /** The next best match, or null when all were handed out. */
  next(): Ranked | null {
    if (!this.finished) throw new Error("Ranking.next before finish");
    if (this.at === this.batch.length) {
      if (this.handed === this.count) return null;
      this.fill(Math.max(FIRST_BATCH, this.handed * 4));
    }
    const i = this.batch[this.at++];
    this.last = i;
    this.handed++;
    return { docno: this.docnos[i], score: this.scores[i] };
  }

  get matches() {
    return this.count;
  }
}

function grow(docno: number) {
  let size = slotOf.length;
  while (size <= docno) size *= 2;
  const bigger = new Int32Array(size);
  bigger.set(slotOf);
  slotOf = bigger;
}
