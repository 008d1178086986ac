/**
 * Cuts a byte stream into pieces of exactly `size` bytes (the last may be shorter), reading it
 * once, front to back: what re-chunking a stored file needs on Convex, where a Blob is read once
 * and `slice()` re-reads from byte 0. Holds at most one piece in memory. Web APIs only.
 */
export async function* fixedChunks(stream: ReadableStream<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let piece = new Uint8Array(size);
  let filled = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let offset = 0;
      while (offset < value.length) {
        const take = Math.min(size - filled, value.length - offset);
        piece.set(value.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === size) {
          yield piece;
          piece = new Uint8Array(size);
          filled = 0;
        }
      }
    }
    if (filled > 0) yield piece.subarray(0, filled);
  } finally {
    reader.releaseLock();
  }
}
