/**
 * Scores a search's posting blocks (searchBlocks.ts) and hands out documents best first:
 * BM25 summed per document in query-term order (as one pass over every posting would), then a
 * binary heap over the matched documents, so the first results cost O(matches + k log matches)
 * rather than a sort of every match. Order: score descending, creation time descending, id
 * ascending (ids are looked up only for documents that tie on both).
 */
import { termScore } from "./searchText";

/** An `eq` on a filter field other than the first: its 8-byte hash at `offset` of each entry, as two words. */
export type HashCondition = { offset: number; lo: number; hi: number };
export type Ranked = { docno: number; score: number; created: number };

/** A block's entries as 32-bit words (docno, tf, len, …, filter hashes); a copy only if the blob is not 4-byte aligned. */
function wordsOf(block: Buffer): Int32Array {
  if (block.byteOffset % 4 === 0) return new Int32Array(block.buffer, block.byteOffset, block.length >> 2);
  return new Int32Array(Uint8Array.from(block).buffer);
}

/** Slot + 1 of each document number in the current ranking (0: not matched); reset after each ranking. */
let slotOf = new Int32Array(1 << 16);

export class Ranking {
  private count = 0;
  private docnos = new Int32Array(64);
  private scores = new Float64Array(64);
  private created = new Float64Array(64);
  private heap: Int32Array | null = null;
  private size = 0;

  constructor(private readonly idOf: (docno: number) => string) {}

  /**
   * Adds one term's postings at `weight` (idf × boost); entries failing a condition are skipped.
   * `width` is a multiple of 4 (searchBlocks.ts), so each block is read as 32-bit words.
   */
  addTerm(blocks: Buffer[], width: number, weight: number, averageLength: number, conditions: HashCondition[]) {
    const stride = width >> 2;
    let entries = 0;
    for (const block of blocks) entries += block.length / width;
    this.reserve(this.count + entries);
    for (const block of blocks) {
      const words = wordsOf(block);
      const n = words.length;
      for (let w = 0; w < n; w += stride) {
        let pass = true;
        for (const c of conditions) {
          if (words[w + c.offset / 4] !== c.lo || words[w + c.offset / 4 + 1] !== c.hi) {
            pass = false;
            break;
          }
        }
        if (!pass) continue;
        const docno = words[w];
        const add = termScore(weight, words[w + 1], words[w + 2], averageLength);
        if (docno >= slotOf.length) this.grow(docno);
        const slot = slotOf[docno];
        if (slot === 0) {
          const i = this.count++;
          slotOf[docno] = i + 1;
          this.docnos[i] = docno;
          this.scores[i] = add;
          this.created[i] = block.readDoubleLE(w * 4 + 12);
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
    const [docnos, scores, created] = [new Int32Array(size), new Float64Array(size), new Float64Array(size)];
    docnos.set(this.docnos);
    scores.set(this.scores);
    created.set(this.created);
    [this.docnos, this.scores, this.created] = [docnos, scores, created];
  }

  private grow(docno: number) {
    let size = slotOf.length;
    while (size <= docno) size *= 2;
    const bigger = new Int32Array(size);
    bigger.set(slotOf);
    slotOf = bigger;
  }

  /** Ends the scoring — clears the shared slots, so call it before any other ranking starts — and orders the matches into a heap. */
  finish(): this {
    const n = this.count;
    for (let i = 0; i < n; i++) slotOf[this.docnos[i]] = 0;
    this.heap = new Int32Array(n);
    for (let i = 0; i < n; i++) this.heap[i] = i;
    this.size = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.down(i);
    return this;
  }

  /** Whether match `a` ranks before match `b`. */
  private before(a: number, b: number): boolean {
    const sa = this.scores[a];
    const sb = this.scores[b];
    if (sa !== sb) return sa > sb;
    const ca = this.created[a];
    const cb = this.created[b];
    if (ca !== cb) return ca > cb;
    return this.idOf(this.docnos[a]) < this.idOf(this.docnos[b]);
  }

  private down(i: number) {
    const heap = this.heap!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) return;
      const r = l + 1;
      const best = r < this.size && this.before(heap[r], heap[l]) ? r : l;
      if (!this.before(heap[best], heap[i])) return;
      [heap[i], heap[best]] = [heap[best], heap[i]];
      i = best;
    }
  }

  /** The next best match, or null when all were handed out. */
  next(): Ranked | null {
    if (!this.heap) throw new Error("Ranking.next before finish");
    if (this.size === 0) return null;
    const heap = this.heap!;
    const top = heap[0];
    heap[0] = heap[--this.size];
    this.down(0);
    return { docno: this.docnos[top], score: this.scores[top], created: this.created[top] };
  }

  get matches() {
    return this.count;
  }
}
