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
  async receive(body: Readable, maxBytes = Number.POSITIVE_INFINITY) {
    const temp = path.join(this.dir, `.upload-${randomBytes(8).toString("hex")}`);
    const hash = createHash("sha256");
    let size = 0;
    const counted = body.pipe(countingLimit(maxBytes, () => new HttpError(413, "TooLarge", `File too large (limit ${maxBytes} bytes)`)));
    onAbort(body, () => counted.destroy(new HttpError(400, "BadRequest", "The upload ended before its last byte")));
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
    }
    return { temp, size, sha256: hash.digest("base64") };
  }

  /**
   * Moves a received file under its storage id, durably: its bytes are flushed to disk before it
   * takes its name, and the folder after, so the name survives a power cut too. The caller
   * commits the `_storage` row (and acknowledges the upload) only after this.
   */
  async adopt(temp: string, storageId: string) {
    await syncPath(temp, "r+");
    await fs.rename(temp, this.pathOf(storageId));
    await syncPath(this.dir, "r");
  }

  async discard(temp: string) {
    await fs.rm(temp, { force: true });
  }

  async remove(storageId: string) {
    forgetFile(this.pathOf(storageId));
    await fs.rm(this.pathOf(storageId), { force: true });
  }
}

/** fsync of a file or a folder (a folder's entries: a rename is durable once its folder is synced). */
async function syncPath(target: string, flags: "r" | "r+") {
  const handle = await fs.open(target, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
