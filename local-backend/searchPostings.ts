/**
 * A term's postings decoded for ranking (searchRanking.ts), and the cache that keeps them between
 * searches. Decoded postings are the term's entries (searchBlocks.ts layout) as 32-bit words in
 * document-number order, with the least document length seen for each term frequency: from
 * those pairs a search computes the term's best contribution at the index's current average
 * length exactly (BM25 grows with tf and shrinks with length), the bound that lets the ranking
 * skip documents that cannot reach the k-th best score.
 *
 * The cache is keyed by the term's version (search_blocks.ver, search.ts), a number the index
 * hands out from this process's counter each time a term's postings change and never hands out
 * twice — not even after a rollback — so a version names one content on every connection (the
 * store's, a transaction's own writes, a snapshot's): a hit is always the postings that
 * connection would read.
 */
import { termScore } from "./searchText";

/** Document numbers fit in 31 bits, entry positions in 22 below them, so (docno, position) sorts as one double. */
const POSITION_BITS = 2 ** 22;
/** Term frequencies below this have their least length kept in an array as postings are decoded (others in a map). */
const SMALL_TF = 64;
/** Entries per block of the block maxima (a block's greatest tf and least length bound its entries' contributions). */
export const BLOCK_ENTRIES = 16;

export class TermPostings {
  /** Entries: docno, tf, len, filter hash words; `stride` words each, ascending docno. */
  readonly count: number;

  private constructor(
    readonly words: Int32Array,
    readonly stride: number,
    /** Each distinct tf with the least length among the entries holding it. */
    private readonly tfs: Int32Array,
    private readonly leastLengths: Int32Array,
    /** Per block of BLOCK_ENTRIES entries: its greatest tf and its least length (not necessarily of one entry). */
    private readonly blockTfs: Int32Array,
    private readonly blockLengths: Int32Array,
  ) {
    this.count = words.length / stride;
  }

  /**
   * Postings from a term's blocks (any order of blocks and entries; document numbers distinct).
   * Blocks handed over in document-number order (search.ts reads them so) are copied as they
   * are; any other order costs a sort.
   */
  static decode(blocks: Buffer[], width: number): TermPostings {
    const stride = width >> 2;
    let bytes = 0;
    for (const block of blocks) bytes += block.length;
    let words: Int32Array = new Int32Array(bytes >> 2);
    const view = new Uint8Array(words.buffer);
    let at = 0;
    for (const block of blocks) {
      view.set(block, at);
      at += block.length;
    }
    const count = words.length / stride;
    let sorted = true;
    for (let i = 1; i < count && sorted; i++) sorted = words[i * stride] > words[(i - 1) * stride];
    if (!sorted) words = sortByDocno(words, stride, count);
    // The least length for each tf: small tfs (nearly all) in an array, any others in a map.
    const least = new Int32Array(SMALL_TF).fill(-1);
    let larger: Map<number, number> | null = null;
    const blockCount = Math.ceil(count / BLOCK_ENTRIES);
    const blockTfs = new Int32Array(blockCount);
    const blockLengths = new Int32Array(blockCount).fill(0x7fffffff);
    for (let w = 0, i = 0; w < words.length; w += stride, i++) {
      const tf = words[w + 1];
      const len = words[w + 2];
      const block = (i / BLOCK_ENTRIES) | 0;
      if (tf > blockTfs[block]) blockTfs[block] = tf;
      if (len < blockLengths[block]) blockLengths[block] = len;
      if (tf >= 0 && tf < SMALL_TF) {
        if (least[tf] < 0 || len < least[tf]) least[tf] = len;
      } else {
        const seen = (larger ??= new Map()).get(tf);
        if (seen === undefined || len < seen) larger.set(tf, len);
      }
    }
    const tfs: number[] = [];
    const lengths: number[] = [];
    for (let tf = 0; tf < SMALL_TF; tf++) {
      if (least[tf] < 0) continue;
      tfs.push(tf);
      lengths.push(least[tf]);
    }
    for (const [tf, len] of larger ?? []) {
      tfs.push(tf);
      lengths.push(len);
    }
    return new TermPostings(words, stride, Int32Array.from(tfs), Int32Array.from(lengths), blockTfs, blockLengths);
  }

  /** The largest contribution one of these entries makes at `weight` (exact: the same arithmetic as the entry's own score). */
  bound(weight: number, averageLength: number): number {
    let best = 0;
    for (let i = 0; i < this.tfs.length; i++) best = Math.max(best, termScore(weight, this.tfs[i], this.leastLengths[i], averageLength));
    return best;
  }

  /**
   * At least the largest contribution an entry of block `block` makes at `weight`: BLOCK_ENTRIES
   * entries from entry block × BLOCK_ENTRIES on (BM25 grows with tf and shrinks with length, and
   * so does each rounded step of termScore, so the block's greatest tf at its least length bounds
   * every entry's score as computed).
   */
  blockBound(block: number, weight: number, averageLength: number): number {
    return termScore(weight, this.blockTfs[block], this.blockLengths[block], averageLength);
  }

  get bytes() {
    return this.words.byteLength + 8 * this.tfs.length + 8 * this.blockTfs.length;
  }
}

function sortByDocno(words: Int32Array, stride: number, count: number): Int32Array {
  const out = new Int32Array(words.length);
  if (count < POSITION_BITS) {
    const keys = new Float64Array(count);
    for (let i = 0; i < count; i++) keys[i] = words[i * stride] * POSITION_BITS + i;
    keys.sort();
    for (let i = 0; i < count; i++) {
      const from = (keys[i] % POSITION_BITS) * stride;
      out.set(words.subarray(from, from + stride), i * stride);
    }
    return out;
  }
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => words[a * stride] - words[b * stride]);
  order.forEach((from, i) => out.set(words.subarray(from * stride, from * stride + stride), i * stride));
  return out;
}

/** Decoded postings by key and version, least recently used dropped past `budget` bytes. */
export class PostingsCache {
  private readonly entries = new Map<string, { version: number; postings: TermPostings }>();
  private bytes = 0;

  constructor(private readonly budget: number) {}

  /** The postings of `key` at `version`: the cached ones, else `load()`'s (kept unless a newer version is). */
  get(key: string, version: number, load: () => TermPostings): TermPostings {
    const entry = this.entries.get(key);
    if (entry?.version === version) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      return entry.postings;
    }
    const postings = load();
    // A snapshot older than the cached version reads its own, without evicting the newer one.
    if (entry && entry.version > version) return postings;
    if (entry) this.forget(key, entry.postings);
    if (postings.bytes <= this.budget / 4) {
      this.entries.set(key, { version, postings });
      this.bytes += postings.bytes;
      for (const [oldest, { postings: old }] of this.entries) {
        if (this.bytes <= this.budget) break;
        this.forget(oldest, old);
      }
    }
    return postings;
  }

  private forget(key: string, postings: TermPostings) {
    this.entries.delete(key);
    this.bytes -= postings.bytes;
  }

  get size() {
    return this.entries.size;
  }
}
