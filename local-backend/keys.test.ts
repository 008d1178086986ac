/** The order-preserving key encoding, checked against Convex's own value order (`compareValues` from convex/values). */
import path from "node:path";
import { compareValues as convexOrder, convexToJson } from "convex/values";
import { expect, test } from "vitest";
import { DocumentStore, parseDoc, type Doc } from "./database";
import type { RangeBound } from "./indexRange";
import { afterPrefix, compareValues, encodeKey, fieldValue, valueFromJson, type Value } from "./keys";
import { tempDataDir } from "./testing";

const bytes = (...b: number[]) => new Uint8Array(b).buffer;
/** The float64 with these IEEE-754 bits (V8 keeps a NaN's sign and payload through DataView and Convex's JSON). */
const float = (bits: bigint) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, bits);
  return view.getFloat64(0);
};
const NEGATIVE_NAN = float(0xfff8_0000_0000_0000n);

/** Values across every type, with the edges Convex's order cares about. */
const CORPUS: Value[] = [
  undefined,
  null,
  -(2n ** 63n),
  -1n,
  0n,
  1n,
  2n ** 63n - 1n,
  NEGATIVE_NAN,
  Number.NEGATIVE_INFINITY,
  -1e308,
  -1,
  -Number.MIN_VALUE,
  -0,
  0,
  Number.MIN_VALUE,
  0.5,
  1,
  2 ** 53,
  1e308,
  Number.POSITIVE_INFINITY,
  Number.NaN,
  false,
  true,
  "",
  "\u0000",
  "\u0000a",
  "a",
  "a\u0000",
  "ab",
  "b",
  "Z",
  "é",
  "\u{1F600}",
  "\uFFFF",
  bytes(),
  bytes(0),
  bytes(0, 0),
  bytes(0, 1),
  bytes(1),
  bytes(255),
  [],
  [null],
  [undefined],
  [0],
  [0, 0],
  [0n],
  [1],
  [[]],
  [[0]],
  [[0], 1],
  ["a"],
  ["a", "b"],
  ["b"],
  [{}],
  {},
  { a: 1 },
  { a: 2 },
  { a: 1, b: 1 },
  { b: 0 },
  { a: [1, { c: "x" }] },
  { "": null },
  { a: { b: { c: 1n } } },
];

const bitsOf = (n: number) => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, n);
  return view.getBigUint64(0);
};
const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
const show = (v: Value) =>
  typeof v === "bigint"
    ? `${v}n`
    : v instanceof ArrayBuffer
      ? `bytes[${new Uint8Array(v).join(",")}]`
      : Object.is(v, -0)
        ? "-0"
        : Number.isNaN(v)
          ? `NaN(${bitsOf(v as number).toString(16)})`
          : (JSON.stringify(v) ?? String(v));

test("byte order of encodeKey equals Convex's order for every pair (NaN, -0, bigint vs number, nested arrays and objects)", () => {
  const mismatches: string[] = [];
  for (const a of CORPUS) {
    for (const b of CORPUS) {
      const ours = sign(Buffer.compare(encodeKey([a]), encodeKey([b])));
      const theirs = sign(convexOrder(a as never, b as never));
      if (ours !== theirs) mismatches.push(`${show(a)} vs ${show(b)}: ours ${ours}, Convex ${theirs}`);
      expect(sign(compareValues(a, b))).toBe(ours);
    }
  }
  expect(mismatches).toEqual([]);
});

test("the named edges: -0 < 0, NaN above +Infinity, -NaN below -Infinity, every bigint below every number, shorter arrays first", () => {
  const lt = (a: Value, b: Value) => Buffer.compare(encodeKey([a]), encodeKey([b])) < 0;
  expect(lt(-0, 0)).toBe(true);
  expect(lt(Number.POSITIVE_INFINITY, Number.NaN)).toBe(true);
  expect(lt(NEGATIVE_NAN, Number.NEGATIVE_INFINITY)).toBe(true);
  expect(lt(2n ** 63n - 1n, NEGATIVE_NAN)).toBe(true);
  expect(lt(2n ** 63n - 1n, Number.NEGATIVE_INFINITY)).toBe(true);
  expect(lt([1], [1, 0])).toBe(true);
  expect(lt([[0]], [[0], 0])).toBe(true);
  expect(compareValues(Number.NaN, Number.NaN)).toBe(0);
});

/**
 * crates/value/src/sorting.rs `write_sort_key`, Float64: the tag, then the IEEE-754 bits
 * big-endian, all flipped when the sign bit is set, else the sign bit set — IEEE-754's total order
 * (`f64::total_cmp`, which `impl Ord for ConvexValue` uses): no NaN is made another.
 */
const convexFloatKey = (n: number) => {
  let bits = bitsOf(n);
  bits = bits & (1n << 63n) ? ~bits & 0xffff_ffff_ffff_ffffn : bits | (1n << 63n);
  return bits.toString(16).padStart(16, "0");
};

/**
 * Floats in IEEE-754 total order, as Convex sorts them: NaNs with their sign bit below -Infinity,
 * the others above +Infinity. Quiet NaNs only: V8 quiets a signalling NaN as it reads one, so no
 * other kind reaches a function or the store.
 */
const TOTAL_ORDER = [
  0xffff_ffff_ffff_ffffn, // -NaN, largest payload
  0xfff8_0000_0000_0001n,
  0xfff8_0000_0000_0000n, // -NaN (x64's default NaN: Math.sqrt(-1))
  0xfff0_0000_0000_0000n, // -Infinity
  0xbff0_0000_0000_0000n, // -1
  0x8000_0000_0000_0001n, // -MIN_VALUE
  0x8000_0000_0000_0000n, // -0
  0x0000_0000_0000_0000n, // 0
  0x0000_0000_0000_0001n, // MIN_VALUE
  0x3ff0_0000_0000_0000n, // 1
  0x7ff0_0000_0000_0000n, // +Infinity
  0x7ff8_0000_0000_0000n, // NaN (Number.NaN)
  0x7ff8_0000_0000_0001n,
  0x7fff_ffff_ffff_ffffn, // NaN, largest payload
];

test("a float's key is Convex's sort key to the bit: the sign and payload of a NaN are kept, -0 is not 0", () => {
  for (const bits of TOTAL_ORDER) {
    const n = float(bits);
    expect(bitsOf(n)).toBe(bits); // the test's own NaNs are what they claim to be
    expect([bits, encodeKey([n]).subarray(1).toString("hex")]).toEqual([bits, convexFloatKey(n)]);
  }
  expect(encodeKey([NEGATIVE_NAN]).equals(encodeKey([Number.NaN]))).toBe(false);
  expect(encodeKey([-0]).equals(encodeKey([0]))).toBe(false);
});

test("floats sort in IEEE-754 total order (Convex's f64::total_cmp): -NaN first, then -Infinity … -0 < 0 … +Infinity, NaN last", () => {
  // Sorted as bits, each made a float only to be compared: V8 may make any NaN Number.NaN when it
  // stores one in an array of floats, which would test V8 rather than the order.
  const shuffled = [...TOTAL_ORDER.filter((_, i) => i % 2), ...TOTAL_ORDER.filter((_, i) => i % 2 === 0).reverse()];
  expect(shuffled.sort((a, b) => compareValues(float(a), float(b)))).toEqual(TOTAL_ORDER);
  // A NaN equals only the NaN with its own bits (ConvexValue's Eq is its Ord): a filter's eq, an index's Eq range.
  expect(compareValues(NEGATIVE_NAN, float(0xfff8_0000_0000_0000n))).toBe(0);
  expect(compareValues(NEGATIVE_NAN, Number.NaN)).toBeLessThan(0);
  expect(compareValues(NEGATIVE_NAN, Number.NEGATIVE_INFINITY)).toBeLessThan(0);
  // convex/values' compareValues (the client's) agrees on everything above but the order among negative
  // NaNs of different payloads, which it compares as signed integers; the server's order is the one kept.
  const clientOrder = (a: number, b: number) => sign(convexOrder(a, b));
  expect(clientOrder(NEGATIVE_NAN, Number.NEGATIVE_INFINITY)).toBe(-1);
  expect(clientOrder(Number.POSITIVE_INFINITY, float(0x7ff8_0000_0000_0001n))).toBe(-1);
});

test("multi-column keys sort as tuples, and afterPrefix bounds every key with that prefix", () => {
  const rows: Value[][] = [
    ["a", 2],
    ["a", 10],
    ["a", null],
    ["b", -1],
    ["", 5],
    ["a\u0000", 0],
    [["x"], 1],
  ];
  const tupleOrder = (x: Value[], y: Value[]) => {
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = convexOrder(x[i] as never, y[i] as never);
      if (c !== 0) return c;
    }
    return x.length - y.length;
  };
  const byBytes = [...rows].sort((x, y) => Buffer.compare(encodeKey(x), encodeKey(y)));
  expect(byBytes).toEqual([...rows].sort(tupleOrder));
  const prefix = encodeKey(["a"]);
  for (const row of rows) {
    const key = encodeKey(row);
    const hasPrefix = key.subarray(0, prefix.length).equals(prefix);
    expect([row, Buffer.compare(key, afterPrefix(prefix)) < 0 && Buffer.compare(key, prefix) >= 0]).toEqual([row, hasPrefix]);
  }
});

test("fieldValue reads nested paths and stops at non-objects; valueFromJson knows { $undefined: null }", () => {
  const doc = { a: { b: { c: 3 } }, list: [1], n: null };
  expect(fieldValue(doc, "a.b.c")).toBe(3);
  expect(fieldValue(doc, "a.x")).toBeUndefined();
  expect(fieldValue(doc, "list.0")).toBeUndefined();
  expect(fieldValue(doc, "n.x")).toBeUndefined();
  expect(valueFromJson({ $undefined: null }, () => "parsed")).toBeUndefined();
  expect(valueFromJson({ a: 1 }, () => "parsed")).toBe("parsed");
});

test("values that cannot be indexed are refused", () => {
  expect(() => encodeKey([() => 1])).toThrow(/Cannot index/);
  expect(() => encodeKey([Symbol("x")])).toThrow(/Cannot index/);
});

test("an index over a float field keeps a NaN's sign through the store: -NaN first, NaN last, each found only by itself", () => {
  const store = new DocumentStore(":memory:");
  try {
    store.defineTable(":floats", [{ name: "by_n", fields: ["n"] }]);
    const values = [Number.NaN, 1, -0, NEGATIVE_NAN, Number.NEGATIVE_INFINITY, 0, Number.POSITIVE_INFINITY];
    store.begin();
    for (const n of values)
      store.write(":floats", { _id: store.newId(":floats"), _creationTime: store.nextCreationTime(), n } as Doc, null);
    store.commit();
    const scan = (range: RangeBound[]) => {
      const { low, high } = store.bounds(":floats", "by_n", range);
      return store.scan(":floats", "by_n", low, high, "asc", null).map((row) => bitsOf(parseDoc(row.json).n as number));
    };
    const ordered = [NEGATIVE_NAN, Number.NEGATIVE_INFINITY, -0, 0, 1, Number.POSITIVE_INFINITY, Number.NaN].map(bitsOf);
    expect(scan([])).toEqual(ordered);
    // Index ranges arrive as Convex's JSON ({ $float }), which keeps the bits.
    expect(scan([{ type: "Eq", fieldPath: "n", value: convexToJson(NEGATIVE_NAN) }])).toEqual([bitsOf(NEGATIVE_NAN)]);
    expect(scan([{ type: "Eq", fieldPath: "n", value: convexToJson(Number.NaN) }])).toEqual([bitsOf(Number.NaN)]);
    expect(scan([{ type: "Lt", fieldPath: "n", value: convexToJson(Number.NEGATIVE_INFINITY) }])).toEqual([bitsOf(NEGATIVE_NAN)]);
    expect(scan([{ type: "Eq", fieldPath: "n", value: convexToJson(-0) }])).toEqual([bitsOf(-0)]);
  } finally {
    store.close();
  }
});

test("a data file whose index keys made every NaN Number.NaN is rewritten once as it opens: its -NaN is found, and deleted without a trace", () => {
  const file = path.join(tempDataDir(), "db.sqlite3");
  const index = [{ name: "by_n", fields: ["n"] }];
  const older = new DocumentStore(file);
  older.defineTable(":floats", index);
  const doc = { _id: older.newId(":floats"), _creationTime: older.nextCreationTime(), n: NEGATIVE_NAN } as Doc;
  older.begin();
  older.write(":floats", doc, null);
  // As an earlier version wrote it: the key's float as Number.NaN, and no record of the encoding.
  const entry = older.sql.prepare("SELECT key FROM index_entries WHERE idx = ':floats.by_n'").get() as { key: Buffer };
  const canonical = encodeKey([Number.NaN]);
  const oldKey = Buffer.concat([canonical, entry.key.subarray(canonical.length)]);
  older.sql.prepare("UPDATE index_entries SET key = ? WHERE idx = ':floats.by_n'").run(oldKey);
  older.sql.prepare("DELETE FROM meta WHERE k = 'indexKeys'").run();
  older.commit();
  older.close();

  const store = new DocumentStore(file);
  try {
    store.defineTable(":floats", index);
    const { low, high } = store.bounds(":floats", "by_n", [{ type: "Eq", fieldPath: "n", value: convexToJson(NEGATIVE_NAN) }]);
    expect(store.scan(":floats", "by_n", low, high, "asc", null).map((row) => parseDoc(row.json)._id)).toEqual([doc._id]);
    store.begin();
    store.delete(":floats", doc);
    store.commit();
    expect(store.sql.prepare("SELECT count(*) AS n FROM index_entries WHERE idx = ':floats.by_n'").get()).toEqual({ n: 0 });
    expect(store.getMeta("indexKeys")).toBe("2");
  } finally {
    store.close();
  }
});
