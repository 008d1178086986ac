/** File storage: each blob is a file in the data folder, written by streaming and never held in memory whole. */
import { createHash, randomBytes } from "node:crypto";
import { createWriteStream, promises as fs } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { forgetFile } from "./fileSender";

export class BlobStore {
  constructor(readonly dir: string) {}

  async init() {
    await fs.mkdir(this.dir, { recursive: true });
  }

  pathOf(storageId: string) {
    if (!/^[0-9a-z]+$/.test(storageId)) throw new Error("Malformed storage id");
    return path.join(this.dir, storageId);
  }

  /** Streams `body` into a temporary file; returns its size, sha256 (base64) and temp path. */
  async receive(body: AsyncIterable<Uint8Array> | Readable, maxBytes = Number.POSITIVE_INFINITY) {
    const temp = path.join(this.dir, `.upload-${randomBytes(8).toString("hex")}`);
    const hash = createHash("sha256");
    let size = 0;
    const counter = async function* (source: AsyncIterable<Uint8Array>) {
      for await (const chunk of source) {
        size += chunk.length;
        if (size > maxBytes) throw Object.assign(new Error("File too large"), { status: 413 });
        hash.update(chunk);
        yield chunk;
      }
    };
    try {
      await pipeline(body as AsyncIterable<Uint8Array>, counter, createWriteStream(temp));
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
    return { temp, size, sha256: hash.digest("base64") };
  }

  /** Moves a received file under its storage id, durably. */
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
