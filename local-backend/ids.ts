/**
 * Document ids in Convex's own encoding (crates/value/src/id_v6.rs), so an id minted here is a
 * valid `v.id()` on Convex and survives a move there and back:
 *
 *   bytes  = VInt(table number) ++ 16 random bytes ++ footer (2 bytes, little-endian)
 *   footer = fletcher16(VInt ++ random) ^ version (0)
 *   id     = base32(bytes), Crockford's alphabet in lower case, no padding
 *
 * A table number takes one to five VInt bytes, so an id is 31 to 37 characters long.
 */
import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

const INTERNAL_ID_BYTES = 16;
const VERSION = 0;
const MAX_TABLE_NUMBER = 0xffff_ffff;
export const MIN_ID_LENGTH = base32Length(1 + INTERNAL_ID_BYTES + 2);
export const MAX_ID_LENGTH = base32Length(5 + INTERNAL_ID_BYTES + 2);

/** Convex reserves table numbers below 10,000 for system tables and starts those at 513 (crates/database/src/bootstrap_model/table.rs). */
export const FIRST_USER_TABLE_NUMBER = 10_001;
export const FIRST_SYSTEM_TABLE_NUMBER = 513;

export type DecodedId = { tableNumber: number; internalId: Buffer };

export function vintEncode(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > MAX_TABLE_NUMBER) throw new RangeError(`Table number out of range: ${n}`);
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** The integer and the number of bytes read, or null if truncated or wider than 32 bits. */
export function vintDecode(buf: Uint8Array): { value: number; length: number } | null {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= buf.length) return null;
    const byte = buf[i];
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return value > MAX_TABLE_NUMBER ? null : { value, length: i + 1 };
  }
  return null;
}

/** Fletcher-16 with modulus 256 (RFC 1145 appendix I), as Convex computes it. */
export function fletcher16(buf: Uint8Array): number {
  let c0 = 0;
  let c1 = 0;
  for (const byte of buf) {
    c0 = (c0 + byte) & 0xff;
    c1 = (c1 + c0) & 0xff;
  }
  return (c1 << 8) | c0;
}

function base32Length(bytes: number): number {
  return Math.floor(bytes / 5) * 8 + [0, 2, 4, 5, 7][bytes % 5];
}

export function base32Encode(data: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of data) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Strict: only the lower-case alphabet; trailing bits are checked by the caller's re-encoding. */
export function base32Decode(text: string): Buffer | null {
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const digit = code < 128 ? DECODE[code] : -1;
    if (digit < 0) return null;
    buffer = ((buffer << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function encodeId(tableNumber: number, internalId: Uint8Array): string {
  if (tableNumber < 1) throw new RangeError("Table numbers start at 1.");
  if (internalId.length !== INTERNAL_ID_BYTES) throw new RangeError(`An internal id is ${INTERNAL_ID_BYTES} bytes.`);
  const head = [...vintEncode(tableNumber), ...internalId];
  const footer = fletcher16(Uint8Array.from(head)) ^ VERSION;
  return base32Encode(Uint8Array.from([...head, footer & 0xff, footer >> 8]));
}

/** The table number and internal id of a Convex id, or null for anything that is not one (wrong length, alphabet, checksum, or a non-canonical spelling). */
export function decodeId(id: string): DecodedId | null {
  if (typeof id !== "string" || id.length < MIN_ID_LENGTH || id.length > MAX_ID_LENGTH) return null;
  const bytes = base32Decode(id);
  if (!bytes) return null;
  const table = vintDecode(bytes);
  if (!table || table.value === 0) return null;
  const end = table.length + INTERNAL_ID_BYTES;
  if (bytes.length !== end + 2) return null;
  const expected = fletcher16(bytes.subarray(0, end)) ^ VERSION;
  if (bytes.readUInt16LE(end) !== expected) return null;
  const internalId = Buffer.from(bytes.subarray(table.length, end));
  // One spelling per id: the unused low bits of the last character must be zero.
  if (encodeId(table.value, internalId) !== id) return null;
  return { tableNumber: table.value, internalId };
}

export function newDocumentId(tableNumber: number): string {
  return encodeId(tableNumber, randomBytes(INTERNAL_ID_BYTES));
}

/** Convex's default numbers for the system tables functions see (crates/model/src/lib.rs `DefaultTableNumber`, 512 + n). */
const DEFAULT_SYSTEM_TABLE_NUMBERS: Record<string, number> = { _scheduled_functions: 512 + 27, _storage: 512 + 28 };

/** The number a new table gets: its default if it has one and it is free, else the first free number of its range. */
export function defaultTableNumber(table: string, taken: (n: number) => boolean): number {
  const preset = DEFAULT_SYSTEM_TABLE_NUMBERS[table];
  if (preset !== undefined && !taken(preset)) return preset;
  let n = table.startsWith("_") ? FIRST_SYSTEM_TABLE_NUMBER + 100 : FIRST_USER_TABLE_NUMBER;
  while (taken(n)) n++;
  return n;
}
