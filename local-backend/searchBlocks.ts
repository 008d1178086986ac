/**
 * Posting blocks of a search index (search.ts): a term's postings packed into blobs of
 * fixed-width entries sorted by document number, so a search reads a term's postings many
 * kilobytes per row instead of one row per posting.
 *
 * Entry layout (little-endian): docno u32 | tf u32 | len u32 | 8 bytes of hash per filter
 * field (a multiple of 4 bytes, read as 32-bit words by searchRanking.ts). A document's creation
 * time and id are in search_docs, read only for the results handed out (and for score ties).
 * A document's number is handed out by its index when it is added (an edited document is
 * removed and added again under a new number), so new postings are appended to their term's
 * open block (search.ts), in SQLite, and a full one joins the term's last sealed segment (up to
 * SEGMENT_BYTES) or becomes a segment of its own, under its first number.
 */
export const ENTRY_HEADER = 12;
/**
 * The open block holds entries up to this many bytes: its row (which an insert rewrites) stays
 * within a b-tree page of the WITHOUT ROWID table (at most ~1000 bytes of a 4 KiB page before
 * SQLite spills to overflow pages); sealed segments are larger and only read, or rewritten by a delete.
 */
export const BLOCK_BYTES = 900;

export type Entry = { docno: number; tf: number; len: number; filt: Buffer };

export const entryWidth = (filterFields: number) => ENTRY_HEADER + 8 * filterFields;

export function encodeEntry(e: Entry): Buffer {
  const out = Buffer.allocUnsafe(ENTRY_HEADER + e.filt.length);
  out.writeUInt32LE(e.docno, 0);
  out.writeUInt32LE(e.tf, 4);
  out.writeUInt32LE(e.len, 8);
  e.filt.copy(out, ENTRY_HEADER);
  return out;
}

/** Whether `entry` still fits at the end of a block of `bytes`. */
export const fits = (bytes: number, width: number) => bytes + width <= Math.max(BLOCK_BYTES, width);

/** The block without the entry of `docno` (binary search: entries are sorted by docno), or null when it holds none. */
export function withoutDocno(block: Buffer, width: number, docno: number): Buffer | null {
  let lo = 0;
  let hi = block.length / width - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = block.readUInt32LE(mid * width);
    if (at === docno) return Buffer.concat([block.subarray(0, mid * width), block.subarray((mid + 1) * width)]);
    if (at < docno) lo = mid + 1;
    else hi = mid - 1;
  }
  return null;
}
