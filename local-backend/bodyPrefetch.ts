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
 * All addresses together may have at most `streamingBodiesInAll` (the action workers less
 * WORKERS_KEPT_FREE): clients at several addresses stalling their bodies still leave workers for
 * every request whose body has come (sign-in, grants, media). And a body that sends nothing for
 * BODY_STALL_MS is cut, as nginx's client_body_timeout cuts one (a 408 if its first PREFETCH_BYTES
 * have not all come, its connection closed if they have), so a stalled body holds its
 * worker for that long, not for as long as Node keeps a request open (requestTimeout, 300 s).
 */
import { Readable } from "node:stream";
import { HttpError } from "./httpInput";

export const PREFETCH_BYTES = 64 * 1024;

/**
 * Actions one client address may run at once while their request bodies are still streaming in:
 * half of the default-runtime action workers (executionPool.ts actionPoolSize, 8), each of which
 * runs one action at a time, so one address's stalled bodies never take every worker.
 */
export const STREAMING_BODIES_PER_ADDRESS = 4;
/** Action workers that bodies still streaming in never take, however many addresses send them. */
export const WORKERS_KEPT_FREE = 2;
/** Streaming-body actions of all addresses together: the action workers (executionPool.ts actionPoolSize) less WORKERS_KEPT_FREE. */
export const streamingBodiesInAll = (actionWorkers: number) => Math.max(1, actionWorkers - WORKERS_KEPT_FREE);

/** A request body that sends nothing for this long is cut (LOCAL_BACKEND_BODY_STALL_MS; nginx's client_body_timeout is 60 s). */
export const BODY_STALL_MS = Number(process.env.LOCAL_BACKEND_BODY_STALL_MS) || 60_000;

/**
 * At most `perAddress` holders per address and `inAll` in all; the rest wait in order of arrival
 * (a waiter whose address is at its cap lets those behind it go first). `acquire` resolves with the release.
 */
export class AddressSlots {
  private readonly held = new Map<string, number>();
  private total = 0;
  private readonly waiting: Array<{ address: string; admit: () => void }> = [];
  constructor(
    private readonly perAddress = STREAMING_BODIES_PER_ADDRESS,
    private readonly inAll = Number.POSITIVE_INFINITY,
  ) {}

  private fits(address: string) {
    return this.total < this.inAll && (this.held.get(address) ?? 0) < this.perAddress;
  }

  private take(address: string) {
    this.held.set(address, (this.held.get(address) ?? 0) + 1);
    this.total++;
  }

  async acquire(address: string): Promise<() => void> {
    if (this.fits(address)) this.take(address);
    else await new Promise<void>((admit) => this.waiting.push({ address, admit }));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const count = (this.held.get(address) ?? 1) - 1;
      if (count === 0) this.held.delete(address);
      else this.held.set(address, count);
      this.total--;
      this.admitWaiting();
    };
  }

  private admitWaiting() {
    for (let i = 0; i < this.waiting.length && this.total < this.inAll;) {
      const next = this.waiting[i];
      if (!this.fits(next.address)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.take(next.address);
      next.admit();
    }
  }

  /** Holders now, of one address or of all (for tests). */
  holding(address?: string) {
    return address === undefined ? this.total : (this.held.get(address) ?? 0);
  }

  /** Requests waiting for a slot now (for tests). */
  get queued() {
    return this.waiting.length;
  }
}

const stalledMessage = (stallMs: number) => `The request body sent nothing for ${stallMs / 1000} s`;

/** The next part of a body, or "stalled" once none has come for `stallMs`. */
async function nextWithin<T>(iterator: AsyncIterator<T>, stallMs: number): Promise<IteratorResult<T> | "stalled"> {
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<"stalled">((resolve) => (timer = setTimeout(() => resolve("stalled"), stallMs)));
  try {
    return await Promise.race([iterator.next(), stalled]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `source` as a new stream that yields the same bytes, resolved once `limit` bytes (or all) have
 * come; `whole` if all have. Past that, a part not come within `stallMs` fails the stream and
 * calls `onStall` (the server closes the connection).
 */
export async function prefetchBody(
  source: Readable,
  limit = PREFETCH_BYTES,
  options: { stallMs?: number; onStall?: () => void } = {},
): Promise<{ stream: Readable; whole: boolean }> {
  const stallMs = options.stallMs ?? BODY_STALL_MS;
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < limit) {
    const next = await nextWithin(iterator, stallMs);
    // Nothing has started yet: the client is told (408) before its connection is closed.
    if (next === "stalled") throw new HttpError(408, "RequestTimeout", stalledMessage(stallMs));
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
      const next = await nextWithin(iterator, stallMs);
      if (next === "stalled") {
        const error = new Error(stalledMessage(stallMs));
        source.destroy(error);
        options.onStall?.();
        throw error;
      }
      if (next.done) return;
      yield next.value;
    }
  }
  return { stream: Readable.from(all(), { objectMode: false }), whole: ended };
}
