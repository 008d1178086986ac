/**
 * Scores a search's posting blocks (searchBlocks.ts) and hands out documents best first.
 * Every posting is scored — BM25 summed per document in query-term order, as one pass over the
 * postings would — into typed arrays; the order is then found a batch at a time: one pass over
 * the matches finds the k-th best score of those not handed out (k = 16, then 4× what was
 * handed out), a second takes every match scoring at least that, so the first page costs two
 * linear passes rather than a sort of every match. Order: score descending, creation time
 * descending, id ascending (read from the index for a batch's documents only).
 */
import { termScore } from "./searchText";

/** An `eq` on a filter field other than the first: its 8-byte hash at `offset` of each entry, as two words. */
export type HashCondition = { offset: number; lo: number; hi: number };
export type Ranked = { docno: number; score: number; id: string; created: number };
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
  private handed = 0;
  private handedOut = new Uint8Array(0);

  constructor(
    /** Reads the creation time and id of these documents (one lookup), for `info`. */
    private readonly load: (docnos: number[]) => void,
    private readonly info: (docno: number) => DocInfo,
  ) {}

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
    this.handedOut = new Uint8Array(this.count);
    this.finished = true;
    return this;
  }

  /** Whether match `a` ranks before match `b` (neither the same; both with their info loaded). */
  private before(a: number, b: number): boolean {
    const sa = this.scores[a];
    const sb = this.scores[b];
    if (sa !== sb) return sa > sb;
    const ia = this.info(this.docnos[a]);
    const ib = this.info(this.docnos[b]);
    if (ia.created !== ib.created) return ia.created > ib.created;
    return ia.id < ib.id;
  }

  /**
   * The next matches not handed out yet, in order: at least `k` of them — every one scoring at
   * least the k-th best score, so ties at the edge come along — with their creation time and id
   * read in one lookup (the tie-break), instead of one per tie.
   */
  private fill(k: number) {
    // The k best scores among those not handed out: a min-heap of scores, its least at the root.
    const heap = new Float64Array(k);
    let size = 0;
    for (let i = 0; i < this.count; i++) {
      if (this.handedOut[i]) continue;
      const score = this.scores[i];
      if (size < k) {
        let c = size++;
        heap[c] = score;
        while (c > 0 && heap[(c - 1) >> 1] > heap[c]) {
          const p = (c - 1) >> 1;
          [heap[c], heap[p]] = [heap[p], heap[c]];
          c = p;
        }
      } else if (score > heap[0]) {
        heap[0] = score;
        for (let p = 0; ;) {
          const l = 2 * p + 1;
          if (l >= size) break;
          const w = l + 1 < size && heap[l + 1] < heap[l] ? l + 1 : l;
          if (heap[w] >= heap[p]) break;
          [heap[w], heap[p]] = [heap[p], heap[w]];
          p = w;
        }
      }
    }
    const threshold = size < k ? -Infinity : heap[0];
    const next: number[] = [];
    for (let i = 0; i < this.count; i++) if (!this.handedOut[i] && this.scores[i] >= threshold) next.push(i);
    this.load(next.map((i) => this.docnos[i]));
    this.batch = next.sort((a, b) => (this.before(a, b) ? -1 : 1));
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
    this.handedOut[i] = 1;
    this.handed++;
    const docno = this.docnos[i];
    return { docno, score: this.scores[i], ...this.info(docno) };
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
