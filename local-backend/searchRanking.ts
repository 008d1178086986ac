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

/** Slot + 1 of each document number in the current ranking (0: not matched); reset after each ranking. */
let slotOf = new Int32Array(1 << 16);

export class Ranking {
  private docnos: number[] = [];
  private scores: number[] = [];
  private created: number[] = [];
  private heap: Int32Array | null = null;
  private size = 0;

  constructor(private readonly idOf: (docno: number) => string) {}

  /** Adds one term's postings at `weight` (idf × boost); entries failing a condition are skipped. */
  addTerm(blocks: Buffer[], width: number, weight: number, averageLength: number, conditions: HashCondition[]) {
    for (const block of blocks) {
      for (let at = 0; at < block.length; at += width) {
        let pass = true;
        for (const c of conditions) {
          if (block.readInt32LE(at + c.offset) !== c.lo || block.readInt32LE(at + c.offset + 4) !== c.hi) {
            pass = false;
            break;
          }
        }
        if (!pass) continue;
        const docno = block.readUInt32LE(at);
        const add = termScore(weight, block.readUInt32LE(at + 4), block.readUInt32LE(at + 8), averageLength);
        if (docno >= slotOf.length) this.grow(docno);
        const slot = slotOf[docno];
        if (slot === 0) {
          slotOf[docno] = this.docnos.push(docno);
          this.scores.push(add);
          this.created.push(block.readDoubleLE(at + 12));
        } else {
          this.scores[slot - 1] += add;
        }
      }
    }
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
    for (const docno of this.docnos) slotOf[docno] = 0;
    const n = this.docnos.length;
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
    return this.docnos.length;
  }
}
