/** File storage: each blob is a file in the data folder, written by streaming and never held in memory whole. */
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { forgetFile } from "./fileSender";
import { countingLimit, HttpError, onAbort } from "./httpInput";

export class BlobStore {
  constructor(readonly dir: string) {}

  async init() {
    await fs.mkdir(this.dir, { recursive: true });
  }

  pathOf(storageId: string) {
    if (!/^[0-9a-z]+$/.test(storageId)) throw new Error("Malformed storage id");
    return path.join(this.dir, storageId);
  }

  /**
   * Streams `body` into a temporary file; returns its size, sha256 (base64) and temp path. Past
   * `maxBytes` it stops reading (a request is left paused, so a 413 can still be sent), fails with
   * a 413 error and removes the partial file, as it does when the sender goes away mid-body.
   */
  /** Receives `body` into a temporary file; past `deadline` (if given: an error and a time in ms) the upload fails with that error. */
  async receive(body: Readable, maxBytes = Number.POSITIVE_INFINITY, deadline?: { ms: number; error: () => Error }) {
    const temp = path.join(this.dir, `.upload-${randomBytes(8).toString("hex")}`);
    const hash = createHash("sha256");
    let size = 0;
    const counted = body.pipe(countingLimit(maxBytes, () => new HttpError(413, "TooLarge", `File too large (limit ${maxBytes} bytes)`)));
    onAbort(body, () => counted.destroy(new HttpError(400, "BadRequest", "The upload ended before its last byte")));
    const timer = deadline && setTimeout(() => counted.destroy(deadline.error()), deadline.ms);
    const measure = async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        size += chunk.length;
        hash.update(chunk);
        yield chunk;
      }
    };
    try {
      await pipeline(counted, measure, createWriteStream(temp));
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    } finally {
      clearTimeout(timer);
    }
    return { temp, size, sha256: hash.digest("base64") };
  }

  /**
   * Moves a received file under its storage id, its bytes flushed to disk first; the caller
   * commits the `_storage` row (and acknowledges the upload) only after this, so a crash of the
   * process never loses an acknowledged upload (blobs.test.ts). Surviving a power cut as well
   * would take an fsync of the folder after the rename and a synchronous commit of the row
   * (SQLite runs `synchronous = NORMAL`): the folder's fsync alone cost ~40 % of the chunked
   * upload's throughput on a busy disk and bought nothing without the other, so neither is done.
   */
  async adopt(temp: string, storageId: string) {
    const handle = await fs.open(temp, "r+");
    await handle.sync();
    await handle.close();
    await fs.rename(temp, this.pathOf(storageId));
  }

  async discard(temp: string) {
    await fs.rm(temp, { force: true });
  }

  async remove(storageId: string) {
    forgetFile(this.pathOf(storageId));
    await fs.rm(this.pathOf(storageId), { force: true });
  }
}
