/**
 * Order-preserving binary encoding of Convex values, so that SQLite's memcmp order on
 * index keys equals Convex's value order:
 *   undefined < null < bigint < number < boolean < string < bytes < array < object.
 * Every encoding is self-delimiting and never starts with 0xFF, so `enc(v) + 0xFF` is an
 * upper bound for every key that starts with `enc(v)`.
 */
const TAG = {
  undefined: 0x01,
  null: 0x02,
  bigint: 0x03,
  number: 0x04,
  false: 0x05,
  true: 0x06,
  string: 0x07,
  bytes: 0x08,
  array: 0x09,
  object: 0x0a,
} as const;
const END = 0x00;

export type Value = unknown;

function escapedBytes(bytes: Uint8Array, out: number[]) {
  // 0x00 → 0x00 0x01; terminated by 0x00 0x00 — keeps prefix order.
  for (const b of bytes) {
    out.push(b);
    if (b === 0) out.push(0x01);
  }
  out.push(0x00, 0x00);
}

/**
 * crates/value/src/sorting.rs: the IEEE-754 bits as they are (a NaN keeps its sign and payload),
 * big-endian, all flipped when the sign bit is set, else the sign bit set: memcmp order is then
 * IEEE-754's total order, as `f64::total_cmp` (-NaN < -Infinity < … < -0 < 0 < … < +Infinity < NaN).
 */
function encodeNumber(n: number, out: number[]) {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, n);
  const bytes = new Uint8Array(buf.buffer);
  if (bytes[0] & 0x80) for (let i = 0; i < 8; i++) bytes[i] ^= 0xff;
  else bytes[0] ^= 0x80;
  out.push(...bytes);
}

function encodeBigint(n: bigint, out: number[]) {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setBigInt64(0, n);
  const bytes = new Uint8Array(buf.buffer);
  bytes[0] ^= 0x80;
  out.push(...bytes);
}

function encodeInto(value: Value, out: number[]) {
  if (value === undefined) out.push(TAG.undefined);
  else if (value === null) out.push(TAG.null);
  else if (typeof value === "bigint") {
    out.push(TAG.bigint);
    encodeBigint(value, out);
  } else if (typeof value === "number") {
    out.push(TAG.number);
    encodeNumber(value, out);
  } else if (typeof value === "boolean") out.push(value ? TAG.true : TAG.false);
  else if (typeof value === "string") {
    out.push(TAG.string);
    escapedBytes(new TextEncoder().encode(value), out);
  } else if (value instanceof ArrayBuffer) {
    out.push(TAG.bytes);
    escapedBytes(new Uint8Array(value), out);
  } else if (Array.isArray(value)) {
    out.push(TAG.array);
    for (const item of value) {
      out.push(0x01);
      encodeInto(item, out);
    }
    out.push(END);
  } else if (typeof value === "object") {
    out.push(TAG.object);
    for (const key of Object.keys(value as object).sort()) {
      out.push(0x01);
      escapedBytes(new TextEncoder().encode(key), out);
      encodeInto((value as Record<string, Value>)[key], out);
    }
    out.push(END);
  } else {
    throw new Error(`Cannot index a value of type ${typeof value}`);
  }
}

export function encodeKey(values: Value[]): Buffer {
  const out: number[] = [];
  for (const v of values) encodeInto(v, out);
  return Buffer.from(out);
}

/** The smallest buffer greater than every buffer that starts with `prefix`. */
export function afterPrefix(prefix: Buffer): Buffer {
  return Buffer.concat([prefix, Buffer.from([0xff])]);
}

/** Convex's total order on values, for in-memory sorting and filters. */
export function compareValues(a: Value, b: Value): number {
  return Buffer.compare(encodeKey([a]), encodeKey([b]));
}

/** Reads a (possibly nested) field path such as "a.b" from a document. */
export function fieldValue(doc: Record<string, Value>, path: string): Value {
  let current: Value = doc;
  for (const part of path.split(".")) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Record<string, Value>)[part];
  }
  return current;
}

/** jsonToConvex, plus the `{ $undefined: null }` form that index ranges and filters use for `undefined`. */
export function valueFromJson(json: unknown, parse: (j: never) => unknown): Value {
  if (json !== null && typeof json === "object" && !Array.isArray(json) && Object.keys(json).length === 1 && "$undefined" in json) {
    return undefined;
  }
  return parse(json as never);
}
