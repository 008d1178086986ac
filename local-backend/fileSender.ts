/**
 * Streams a byte range of a stored file into an HTTP response, the way the site and storage
 * servers answer media requests:
 * - one open file descriptor per stored file, shared by every response (positioned reads),
 *   closed when the file is deleted or falls out of the cache;
 * - a small first read, so the first bytes leave as soon as the request is admitted;
 * - reads done synchronously while the file's reads are quick (pages in the page cache, a copy
 *   of ~0.1 ms), and in libuv's thread pool for a while once one was slow (a disk read), see
 *   `readMode`: a read handed to the pool cost the event loop more than the copy itself (waking a
 *   pool thread, ~0.1 ms per read under load on this 2-core VM), and the loop was the bottleneck;
 * - two buffers per response, reused (no allocation per chunk), refilled while the other is
 *   being written; backpressure from the socket is respected. They are 256 KiB, and a response
 *   writes one per turn of the event loop (streamTurns.ts): the loop that also answers the
 *   function workers' syscalls turns to them between blocks (1 MiB copies under 16 streams held
 *   each syscall ~ms).
 * Memory per response is bounded (2 × CHUNK) whatever the file size, and at most SPARE_BUFFERS
 * are kept for the next responses once a burst is over (the rest go back to the collector).
 */
import { promises as fs, readSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { nextTurn } from "./streamTurns";

/**
 * On every response whose body is a stored file: uploaded bytes are never active content on the
 * backend's origins, whatever Content-Type they were stored with (`text/html`,
 * `video/mp4,text/html`, an SVG with a script): no sniffing, and a sandbox with no script and
 * an opaque origin if a browser renders them anyway.
 */
export const INERT_FILE_HEADERS = { "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox" } as const;

/** Adds the inert-file headers to lowercased response headers, keeping a policy the app set (a sandbox is added to it). */
export function makeInert(headers: Record<string, string | string[]>) {
  headers["x-content-type-options"] = "nosniff";
  const policy = headers["content-security-policy"];
  const existing = Array.isArray(policy) ? policy.join(", ") : policy;
  headers["content-security-policy"] = !existing
    ? "sandbox"
    : /(^|[;,]\s*)sandbox(\s|;|,|$)/.test(existing)
      ? existing
      : `${existing}; sandbox`;
}

const FIRST_READ = 64 * 1024;
const CHUNK = 256 * 1024;
const MAX_OPEN = 64;
/** Buffers kept between responses: enough for a few streams to start without allocating. */
export const SPARE_BUFFERS = 16;

/**
 * A read slower than this came from the disk, not the page cache (a 256 KiB copy from the page
 * cache takes ~0.1 ms): the file's reads then go to the thread pool for POOL_READS_MS.
 */
export const SLOW_READ_MS = 2;
export const POOL_READS_MS = 5000;

/** How a stored file's blocks are read now, from the time its last slow read ended (`poolUntil`). */
export type ReadState = { poolUntil: number };

/** Synchronous reads on the event loop while they are quick, the thread pool for a while after one was slow. */
export function readMode(state: ReadState, now: number): "sync" | "pool" {
  return now < state.poolUntil ? "pool" : "sync";
}

/** Records how long a synchronous read took: one slow read sends the file's reads to the pool. */
export function noteSyncRead(state: ReadState, ms: number, now: number) {
  if (ms > SLOW_READ_MS) state.poolUntil = now + POOL_READS_MS;
}

type Entry = ReadState & { handle: Promise<FileHandle>; users: number; stale: boolean };
const open = new Map<string, Entry>(); // path → entry, in least-recently-used order

function acquire(path: string): Entry {
  let entry = open.get(path);
  if (entry) open.delete(path);
  else {
    const created: Entry = { handle: fs.open(path, "r"), users: 0, stale: false, poolUntil: 0 };
    created.handle.catch(() => open.get(path) === created && open.delete(path));
    entry = created;
  }
  open.set(path, entry);
  entry.users++;
  for (const [key, old] of open) {
    if (open.size <= MAX_OPEN) break;
    if (old.users === 0) retire(key, old);
  }
  return entry;
}

/** Closes a retired entry's descriptor once no response uses it. */
function closeIfUnused(entry: Entry) {
  if (entry.users === 0 && entry.stale) void entry.handle.then((h) => h.close()).catch(() => undefined);
}

function release(entry: Entry) {
  entry.users--;
  closeIfUnused(entry);
}

function retire(path: string, entry: Entry) {
  if (open.get(path) === entry) open.delete(path);
  entry.stale = true;
  closeIfUnused(entry);
}

/** The read state of a file with a cached descriptor (fileSender.test.ts sends one to the pool). */
export const readStateOf = (path: string): ReadState | undefined => open.get(path);

/** Drops the cached descriptor of a deleted file (responses already streaming finish first). */
export function forgetFile(path: string) {
  const entry = open.get(path);
  if (entry) retire(path, entry);
}

const pool: Buffer[] = [];
const takeBuffer = () => pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK);
const giveBack = (buffer: Buffer) => void (pool.length < SPARE_BUFFERS && pool.push(buffer));

/** How many buffers are kept for the next responses now (fileSender.test.ts). */
export const spareBuffers = () => pool.length;

function readNow(entry: Entry, fd: number, buffer: Buffer, want: number, position: number): number {
  const started = performance.now();
  const bytesRead = readSync(fd, buffer, 0, want, position);
  noteSyncRead(entry, performance.now() - started, Date.now());
  return bytesRead;
}

/** Writes bytes [start, end) of `path` to `res` and ends it; destroys `res` if the file cannot be read. */
export async function sendFileRange(res: ServerResponse, path: string, start: number, end: number): Promise<void> {
  if (end <= start) return void res.end();
  const entry = acquire(path);
  const buffers = [takeBuffer(), takeBuffer()];
  const inFlight: Array<Promise<Error | null | undefined> | null> = [null, null];
  let closed = false;
  let flushed = false;
  const gone = new Promise<void>((resolve) => res.once("close", () => resolve(void (closed = true))));
  try {
    const handle = await entry.handle;
    let position = start;
    for (let turn = 0; position < end && !closed; turn++) {
      const slot = turn % 2;
      if (turn > 0) await Promise.race([nextTurn(), gone]);
      if (inFlight[slot]) await Promise.race([inFlight[slot], gone]); // the buffer's last write reached the kernel
      if (closed) break;
      const want = Math.min(turn === 0 ? FIRST_READ : CHUNK, end - position);
      // The first block is always read at once: queued behind other responses' reads in libuv's
      // pool it waited ~8 ms under load, all of it time to first byte.
      const bytesRead =
        turn === 0 || readMode(entry, Date.now()) === "sync"
          ? readNow(entry, handle.fd, buffers[slot], want, position)
          : (await handle.read(buffers[slot], 0, want, position)).bytesRead;
      if (bytesRead === 0) throw new Error(`${path} is shorter than expected`);
      position += bytesRead;
      if (closed) break;
      inFlight[slot] = new Promise((resolve) => res.write(buffers[slot].subarray(0, bytesRead), resolve));
      if (res.writableNeedDrain) await Promise.race([new Promise((resolve) => res.once("drain", resolve)), gone]);
    }
    if (!closed) {
      res.end();
      const outcomes = await Promise.race([Promise.all(inFlight), gone.then(() => null)]);
      flushed = outcomes !== null && outcomes.every((error) => !error);
    }
  } catch {
    res.destroy();
  } finally {
    release(entry);
    // Buffers go back only once every write using them is done; otherwise the collector has them.
    if (flushed) buffers.forEach(giveBack);
  }
}
