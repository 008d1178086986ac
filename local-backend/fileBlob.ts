/**
 * A Blob backed by a byte range of a file on disk. `slice` is free, and when an HTTP
 * action returns one as a Response body, the site server streams the range straight from
 * the file (no web-stream copying): `fileRangeOf(response.body)` finds it.
 *
 * As on Convex, where `ctx.storage.get()` returns a Blob over a stream (udf-runtime/src/09_file.ts
 * `Blob.fromStream` / `BlobStreamReference`), its bytes can be read once: a second `stream()`,
 * `arrayBuffer()` or `text()`, or a `slice()` after a read, throws "Can't re-read streaming Blob".
 * Slices taken before the read are Blobs of their own.
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";

type Range = { path: string; start: number; end: number };
const ranges = new WeakMap<object, Range>();

export function fileRangeOf(body: unknown): Range | undefined {
  return body ? ranges.get(body as object) : undefined;
}

export class FileBlob extends Blob {
  readonly #range: Range;
  readonly #type: string;
  #read = false;

  constructor(path: string, start: number, end: number, type = "") {
    super([]);
    this.#range = { path, start, end };
    this.#type = type;
  }

  override get size() {
    return this.#range.end - this.#range.start;
  }
  override get type() {
    return this.#type;
  }

  override slice(start = 0, end = this.size, type = ""): Blob {
    if (this.#read) throw new TypeError("Can't re-read streaming Blob");
    const clamp = (n: number) => Math.max(0, Math.min(this.size, n < 0 ? this.size + n : n));
    const [s, e] = [clamp(start), clamp(end)];
    return new FileBlob(this.#range.path, this.#range.start + s, this.#range.start + Math.max(s, e), type);
  }

  /** Opens the file only on the first read: a body the site server streams itself (or cancels) never opens it. */
  override stream(): ReadableStream<Uint8Array<ArrayBuffer>> {
    if (this.#read) throw new TypeError("Can't re-read streaming Blob");
    this.#read = true;
    const { path, start, end } = this.#range;
    let reader: AsyncIterator<Buffer> | null = null;
    const web = new ReadableStream<Uint8Array<ArrayBuffer>>(
      {
        async pull(controller) {
          reader ??= (end > start ? createReadStream(path, { start, end: end - 1, highWaterMark: 256 * 1024 }) : Readable.from([]))[
            Symbol.asyncIterator
          ]();
          const { done, value } = await reader.next();
          if (done) controller.close();
          else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength) as Uint8Array<ArrayBuffer>);
        },
        async cancel() {
          await reader?.return?.();
        },
      },
      { highWaterMark: 0 },
    ); // no read-ahead: nothing is opened until someone reads
    ranges.set(web, this.#range);
    return web;
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of Readable.fromWeb(this.stream() as never)) chunks.push(chunk as Buffer);
    const all = Buffer.concat(chunks);
    return all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  }

  override async text(): Promise<string> {
    return new TextDecoder().decode(await this.arrayBuffer());
  }
}
