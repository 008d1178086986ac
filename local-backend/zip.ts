/**
 * A minimal ZIP writer and reader (PKWARE APPNOTE 6.3) over node:zlib, enough for Convex
 * snapshots: the writer streams entries to a file (deflated, or stored for large files, with
 * data descriptors so nothing is held whole), the reader walks the central directory (Zip64
 * sizes and offsets included) of a file on disk and reads one entry at a time.
 */
import { closeSync, createReadStream, openSync, readSync, fstatSync, writeSync } from "node:fs";
import { crc32, deflateRawSync, inflateRawSync } from "node:zlib";

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
const ZIP64_END = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const DATA_DESCRIPTOR = 0x08074b50;
const FLAG_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const MAX32 = 0xffff_ffff;

type Written = { name: Buffer; method: number; crc: number; compressed: number; size: number; offset: number };

/** DOS date and time of `date` (what ZIP headers carry). */
function dosTime(date: Date): { time: number; day: number } {
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    day: ((Math.max(1980, date.getFullYear()) - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

export class ZipWriter {
  private fd: number;
  private offset = 0;
  private entries: Written[] = [];
  private stamp = dosTime(new Date());

  constructor(file: string) {
    this.fd = openSync(file, "w", 0o600);
  }

  private write(buf: Buffer) {
    writeSync(this.fd, buf);
    this.offset += buf.length;
  }

  private localHeader(name: Buffer, method: number, crc: number, compressed: number, size: number, descriptor: boolean) {
    const h = Buffer.alloc(30);
    h.writeUInt32LE(LOCAL_HEADER, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(FLAG_UTF8 | (descriptor ? FLAG_DESCRIPTOR : 0), 6);
    h.writeUInt16LE(method, 8);
    h.writeUInt16LE(this.stamp.time, 10);
    h.writeUInt16LE(this.stamp.day, 12);
    h.writeUInt32LE(descriptor ? 0 : crc, 14);
    h.writeUInt32LE(descriptor ? 0 : compressed, 18);
    h.writeUInt32LE(descriptor ? 0 : size, 22);
    h.writeUInt16LE(name.length, 26);
    h.writeUInt16LE(0, 28);
    this.write(Buffer.concat([h, name]));
  }

  /** A whole entry from memory, deflated. */
  add(path: string, data: Buffer | string) {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    const name = Buffer.from(path);
    const compressed = deflateRawSync(bytes);
    const crc = crc32(bytes);
    if (compressed.length > MAX32 || bytes.length > MAX32) throw new Error(`${path} is too large for a ZIP entry (4 GiB).`);
    const offset = this.offset;
    this.localHeader(name, 8, crc, compressed.length, bytes.length, false);
    this.write(compressed);
    this.entries.push({ name, method: 8, crc, compressed: compressed.length, size: bytes.length, offset });
  }

  /** An entry copied from a file on disk, stored as is (media is compressed already) and never held whole. */
  async addFile(path: string, source: string) {
    const name = Buffer.from(path);
    const offset = this.offset;
    this.localHeader(name, 0, 0, 0, 0, true);
    let crc = 0;
    let size = 0;
    for await (const chunk of createReadStream(source, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      crc = crc32(chunk, crc);
      size += chunk.length;
      this.write(chunk);
    }
    if (size > MAX32) throw new Error(`${path} is too large for a ZIP entry (4 GiB).`);
    const d = Buffer.alloc(16);
    d.writeUInt32LE(DATA_DESCRIPTOR, 0);
    d.writeUInt32LE(crc, 4);
    d.writeUInt32LE(size, 8);
    d.writeUInt32LE(size, 12);
    this.write(d);
    this.entries.push({ name, method: 0, crc, compressed: size, size, offset });
  }

  close() {
    const start = this.offset;
    for (const e of this.entries) {
      const h = Buffer.alloc(46);
      h.writeUInt32LE(CENTRAL_HEADER, 0);
      h.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix
      h.writeUInt16LE(20, 6);
      h.writeUInt16LE(FLAG_UTF8 | (e.method === 0 ? FLAG_DESCRIPTOR : 0), 8);
      h.writeUInt16LE(e.method, 10);
      h.writeUInt16LE(this.stamp.time, 12);
      h.writeUInt16LE(this.stamp.day, 14);
      h.writeUInt32LE(e.crc, 16);
      h.writeUInt32LE(e.compressed, 20);
      h.writeUInt32LE(e.size, 24);
      h.writeUInt16LE(e.name.length, 28);
      h.writeUInt32LE((0o100644 << 16) >>> 0, 38); // regular file, rw-r--r--
      if (e.offset > MAX32) throw new Error("The snapshot is too large for a ZIP without Zip64 (4 GiB).");
      h.writeUInt32LE(e.offset, 42);
      this.write(Buffer.concat([h, e.name]));
    }
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END_OF_CENTRAL, 0);
    end.writeUInt16LE(this.entries.length, 8);
    end.writeUInt16LE(this.entries.length, 10);
    end.writeUInt32LE(this.offset - start, 12);
    end.writeUInt32LE(start, 16);
    this.write(end);
    closeSync(this.fd);
  }
}

export type ZipEntry = { name: string; method: number; crc: number; compressedSize: number; size: number; localOffset: number };

/** Reads a ZIP file's directory; `read` returns one entry's bytes (checked against its CRC). */
export class ZipReader {
  readonly entries: ZipEntry[] = [];
  private fd: number;
  private length: number;

  constructor(file: string) {
    this.fd = openSync(file, "r");
    this.length = fstatSync(this.fd).size;
    try {
      this.readDirectory();
    } catch (error) {
      closeSync(this.fd);
      throw error;
    }
  }

  private bytes(position: number, length: number): Buffer {
    if (position < 0 || length < 0 || position + length > this.length) throw new ZipFormatError("The ZIP file is truncated.");
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, done, length - done, position + done);
      if (n === 0) throw new ZipFormatError("The ZIP file is truncated.");
      done += n;
    }
    return buf;
  }

  private readDirectory() {
    const tailLength = Math.min(this.length, 22 + 0xffff);
    const tail = this.bytes(this.length - tailLength, tailLength);
    let at = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === END_OF_CENTRAL) {
        at = i;
        break;
      }
    }
    if (at < 0) throw new ZipFormatError("Not a ZIP file (no end of central directory).");
    let count = tail.readUInt16LE(at + 10);
    let size = tail.readUInt32LE(at + 12);
    let offset = tail.readUInt32LE(at + 16);
    const locatorAt = at - 20;
    if (locatorAt >= 0 && tail.readUInt32LE(locatorAt) === ZIP64_LOCATOR) {
      const end64 = this.bytes(Number(tail.readBigUInt64LE(locatorAt + 8)), 56);
      if (end64.readUInt32LE(0) !== ZIP64_END) throw new ZipFormatError("Malformed Zip64 end of central directory.");
      count = Number(end64.readBigUInt64LE(32));
      size = Number(end64.readBigUInt64LE(40));
      offset = Number(end64.readBigUInt64LE(48));
    }
    const dir = this.bytes(offset, size);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > dir.length || dir.readUInt32LE(p) !== CENTRAL_HEADER) throw new ZipFormatError("Malformed ZIP central directory.");
      const nameLength = dir.readUInt16LE(p + 28);
      const extraLength = dir.readUInt16LE(p + 30);
      const commentLength = dir.readUInt16LE(p + 32);
      const entry: ZipEntry = {
        name: dir.subarray(p + 46, p + 46 + nameLength).toString("utf8"),
        method: dir.readUInt16LE(p + 10),
        crc: dir.readUInt32LE(p + 16),
        compressedSize: dir.readUInt32LE(p + 20),
        size: dir.readUInt32LE(p + 24),
        localOffset: dir.readUInt32LE(p + 42),
      };
      // Zip64 extended information: the fields that overflowed, in this order.
      const extra = dir.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength);
      for (let e = 0; e + 4 <= extra.length;) {
        const id = extra.readUInt16LE(e);
        const len = extra.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let q = e + 4;
          const next = () => {
            const v = Number(extra.readBigUInt64LE(q));
            q += 8;
            return v;
          };
          if (entry.size === MAX32) entry.size = next();
          if (entry.compressedSize === MAX32) entry.compressedSize = next();
          if (entry.localOffset === MAX32) entry.localOffset = next();
        }
        e += 4 + len;
      }
      this.entries.push(entry);
      p += 46 + nameLength + extraLength + commentLength;
    }
  }

  read(entry: ZipEntry): Buffer {
    const local = this.bytes(entry.localOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL_HEADER) throw new ZipFormatError(`Malformed ZIP entry ${entry.name}.`);
    const start = entry.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const raw = this.bytes(start, entry.compressedSize);
    let data: Buffer;
    if (entry.method === 0) data = raw;
    else if (entry.method === 8) data = inflateRawSync(raw);
    else
      throw new ZipFormatError(`ZIP entry ${entry.name} uses compression method ${entry.method}; only stored and deflate are supported.`);
    if (data.length !== entry.size || crc32(data) !== entry.crc)
      throw new ZipFormatError(`ZIP entry ${entry.name} is corrupt (size or CRC mismatch).`);
    return data;
  }

  close() {
    closeSync(this.fd);
  }
}

export class ZipFormatError extends Error {}
