/**
 * The stored layout of a video: ordered chunk files of `chunkSize` bytes each (the last may be
 * shorter), every one its own Convex upload. Chunk k holds bytes [k·chunkSize, min((k+1)·chunkSize, size)).
 * Videos stored before chunking are one chunk: the whole file (`chunkSize` = its size).
 * Pure: no database, so the media mutation and the HTTP response compute the same plan.
 */

/** What the browser uploads in: well below Convex's 2-minute upload POST and 20 MiB response limits. */
export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
/** The smallest chunk size accepted (tests and small files use small chunks). */
export const MIN_CHUNK_SIZE = 64 * 1024;
/** The largest chunk size accepted, and the most one ranged response carries (legacy single files too). */
export const MAX_CHUNK_SIZE = 8 * 1024 * 1024;
/** Full (unranged) GETs are answered up to this size; Convex caps an HTTP action's response at 20 MiB. */
export const FULL_BODY_LIMIT = 20 * 1024 * 1024;
/** Chunks one video may have (2 GiB at the default size is 256). */
export const MAX_CHUNKS = 4096;

export type Layout = { size: number; chunkSize: number };

export function chunkCountOf({ size, chunkSize }: Layout): number {
  return size === 0 ? 0 : Math.ceil(size / chunkSize);
}

/** Bytes [start, end) of chunk `index`. */
export function chunkBounds({ size, chunkSize }: Layout, index: number): { start: number; end: number } {
  const start = index * chunkSize;
  return { start, end: Math.min(start + chunkSize, size) };
}

/** The size chunk `index` must have, or null when the layout has no such chunk. */
export function expectedChunkSize(layout: Layout, index: number): number | null {
  if (!Number.isInteger(index) || index < 0 || index >= chunkCountOf(layout)) return null;
  const { start, end } = chunkBounds(layout, index);
  return end - start;
}

/** The last byte (inclusive) a ranged response starting at `start` may carry: its chunk's end, at most MAX_CHUNK_SIZE on. */
export function rangeEndLimit(layout: Layout, start: number): number {
  const index = Math.floor(start / layout.chunkSize);
  return Math.min(chunkBounds(layout, index).end, start + MAX_CHUNK_SIZE) - 1;
}

/** A part of one chunk file: bytes [from, to) of chunk `index`. */
export type ChunkPart = { index: number; from: number; to: number };

/** The chunk parts that hold file bytes [start, end] (inclusive), in order. */
export function partsFor(layout: Layout, start: number, end: number): ChunkPart[] {
  const parts: ChunkPart[] = [];
  if (layout.size === 0 || end < start) return parts;
  for (let index = Math.floor(start / layout.chunkSize); index < chunkCountOf(layout); index++) {
    const bounds = chunkBounds(layout, index);
    if (bounds.start > end) break;
    parts.push({ index, from: Math.max(start, bounds.start) - bounds.start, to: Math.min(end + 1, bounds.end) - bounds.start });
  }
  return parts;
}

/** The video's checksum: SHA-256 over its chunks' SHA-256 digests in order (base64, as `_storage.sha256`). */
export async function checksumOfChunks(chunkDigestsBase64: readonly string[]): Promise<string> {
  const bytes = new Uint8Array(chunkDigestsBase64.length * 32);
  chunkDigestsBase64.forEach((digest, i) => {
    const raw = atob(digest);
    for (let j = 0; j < raw.length && j < 32; j++) bytes[i * 32 + j] = raw.charCodeAt(j);
  });
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  let binary = "";
  for (const b of digest) binary += String.fromCharCode(b);
  return btoa(binary);
}
