/**
 * The start of an HTTP action's request body, read before the request takes one of the
 * deployment's action permits (actionPermits.ts). A permit is held while the action runs, and
 * an action may read its body as it streams in; without this, a client that declares a body and
 * then sends nothing held a permit for as long as its connection lived, and 64 such idle
 * connections refused every HTTP action (sign-in, grants, media) to everyone. A body of up to
 * PREFETCH_BYTES (nearly every request: JSON, forms) is now whole before the action starts; a
 * larger one starts the action once its first PREFETCH_BYTES have come. The action still reads
 * one stream, byte for byte the same. PREFETCH_BYTES stays small because every request waiting
 * to start holds that much: a few times what Node itself buffers of a request, so thousands of
 * connections sending bodies cost no more memory than before. (A client that sends that much and
 * then trickles the rest can still hold a permit, until Node's request timeout.)
 */
import { Readable } from "node:stream";

export const PREFETCH_BYTES = 64 * 1024;

/** `source` as a new stream that yields the same bytes, resolved once `limit` bytes (or all) have come. */
export async function prefetchBody(source: Readable, limit = PREFETCH_BYTES): Promise<Readable> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < limit) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    size += next.value.length;
  }
  async function* all() {
    yield* head;
    head.length = 0;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return Readable.from(all(), { objectMode: false });
}
