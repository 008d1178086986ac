/** The order-preserving key encoding, checked against Convex's own value order (`compareValues` from convex/values). */
import { compareValues as convexOrder } from "convex/values";
import { expect, test } from "vitest";
import { afterPrefix, compareValues, encodeKey, fieldValue, valueFromJson, type Value } from "./keys";

const bytes = (...b: number[]) => new Uint8Array(b).buffer;

/** Values across every type, with the edges Convex's order cares about. */
const CORPUS: Value[] = [
  undefined,
  null,
  -(2n ** 63n),
  -1n,
  0n,
  1n,
  2n ** 63n - 1n,
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

const sign = (n: number) => (n < 0 ? -1 : n > 0 ? 1 : 0);
const show = (v: Value) =>
  typeof v === "bigint"
    ? `${v}n`
    : v instanceof ArrayBuffer
      ? `bytes[${new Uint8Array(v).join(",")}]`
      : Object.is(v, -0)
        ? "-0"
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

test("the named edges: -0 < 0, NaN above +Infinity, every bigint below every number, shorter arrays first", () => {
  const lt = (a: Value, b: Value) => Buffer.compare(encodeKey([a]), encodeKey([b])) < 0;
  expect(lt(-0, 0)).toBe(true);
  expect(lt(Number.POSITIVE_INFINITY, Number.NaN)).toBe(true);
  expect(lt(2n ** 63n - 1n, Number.NEGATIVE_INFINITY)).toBe(true);
  expect(lt([1], [1, 0])).toBe(true);
  expect(lt([[0]], [[0], 0])).toBe(true);
  expect(compareValues(Number.NaN, Number.NaN)).toBe(0);
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
