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
 * connections sending bodies cost no more memory than before. A body larger than that streams
 * into its action, which holds a permit while it waits for the rest: one client address may have
 * at most STREAMING_BODIES_PER_ADDRESS such actions at once (AddressSlots), so a client that sends
 * 64 KiB and then trickles cannot hold every permit; its further requests wait, holding none.
 */
import { Readable } from "node:stream";

export const PREFETCH_BYTES = 64 * 1024;

/**
 * Actions one client address may run at once while their request bodies are still streaming in:
 * half of the default-runtime action workers (executionPool.ts actionPoolSize, 8), each of which
 * runs one action at a time, so one address's stalled bodies never take every worker.
 */
export const STREAMING_BODIES_PER_ADDRESS = 4;

/** At most `perAddress` holders per address; the rest wait in order. `acquire` resolves with the release. */
export class AddressSlots {
  private readonly held = new Map<string, { count: number; waiting: Array<() => void> }>();
  constructor(private readonly perAddress = STREAMING_BODIES_PER_ADDRESS) {}

  async acquire(address: string): Promise<() => void> {
    let entry = this.held.get(address);
    if (!entry) this.held.set(address, (entry = { count: 0, waiting: [] }));
    const slots = entry;
    if (slots.count >= this.perAddress) await new Promise<void>((resolve) => slots.waiting.push(resolve));
    else slots.count++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // A waiter takes the slot over; with none, it is freed.
      const next = slots.waiting.shift();
      if (next) return next();
      slots.count--;
      if (slots.count === 0) this.held.delete(address);
    };
  }

  /** Holders now (for tests). */
  holding(address: string) {
    return this.held.get(address)?.count ?? 0;
  }
}

/** `source` as a new stream that yields the same bytes, resolved once `limit` bytes (or all) have come; `whole` if all have. */
export async function prefetchBody(source: Readable, limit = PREFETCH_BYTES): Promise<{ stream: Readable; whole: boolean }> {
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
  return { stream: Readable.from(all(), { objectMode: false }), whole: ended };
}
