/**
 * A stored document against a pushed table validator, in Convex's ValidationError words
 * (crates/common/src/schemas/validator.rs, get-convex/convex-backend): the expected texts below
 * are that file's Display formats filled in by hand.
 */
import { v, type Validator, type Value } from "convex/values";
import { expect, test } from "vitest";
import { documentValidationError, showFloat, showValue } from "./schemaValidationError";
import type { ValidatorJson } from "./validate";

function json(validator: Validator<unknown, "required", string>): ValidatorJson {
  const form: ValidatorJson = Reflect.get(validator, "json");
  return form;
}
const tableOf = (id: string) => (id.startsWith("u") ? "users" : id.startsWith("t") ? "teams" : id.startsWith("s") ? "_storage" : null);
const check = (validator: Validator<unknown, "required", string>, doc: Record<string, Value>) =>
  documentValidationError(json(validator), doc, tableOf);

test("a document that matches, system fields aside, has no error", () => {
  expect(check(v.object({ title: v.string() }), { _id: "t1", _creationTime: 1, title: "x" })).toBeNull();
  expect(check(v.object({ tags: v.optional(v.array(v.string())) }), {})).toBeNull();
});

test("a missing required field: Convex's hint, the object and the validator with fields sorted", () => {
  expect(check(v.object({ title: v.string(), done: v.boolean(), owner: v.string() }), { _id: "t1", title: "first", done: false })).toBe(
    "Object is missing the required field `owner`. Consider wrapping the field validator in `v.optional(...)` if this is expected.\n" +
      "\n" +
      'Object: {done: false, title: "first"}\n' +
      "Validator: v.object({done: v.boolean(), owner: v.string(), title: v.string()})",
  );
});

test("an extra field, and the path to a nested one", () => {
  expect(check(v.object({ a: v.number() }), { a: 1, zz: 2n })).toBe(
    "Object contains extra field `zz` that is not in the validator.\n\nObject: {a: 1.0, zz: 2}\nValidator: v.object({a: v.float64()})",
  );
  expect(check(v.object({ meta: v.object({ n: v.int64() }) }), { meta: { n: 1n, x: true } })).toBe(
    "Object contains extra field `x` that is not in the validator.\nPath: .meta\nObject: {n: 1, x: true}\nValidator: v.object({n: v.int64()})",
  );
});

test("a value of the wrong type: Value and Validator, with the path through arrays and records", () => {
  expect(check(v.object({ list: v.array(v.string()) }), { list: ["a", 3] })).toBe(
    "Value does not match validator.\nPath: .list[1]\nValue: 3.0\nValidator: v.string()",
  );
  expect(check(v.object({ counts: v.record(v.string(), v.number()) }), { counts: { a: 1, b: "two" } })).toBe(
    'Value does not match validator.\nPath: .counts.values()\nValue: "two"\nValidator: v.float64()',
  );
  expect(check(v.object({ when: v.union(v.number(), v.null()) }), { when: "soon" })).toBe(
    'Value does not match validator.\nPath: .when\nValue: "soon"\nValidator: v.union(v.float64(), v.null())',
  );
  expect(check(v.object({ data: v.bytes() }), { data: { raw: new Uint8Array([1, 2, 3]).buffer, n: null } })).toBe(
    'Value does not match validator.\nPath: .data\nValue: {n: null, raw: b"AQID"}\nValidator: v.bytes()',
  );
});

test("literals and ids", () => {
  expect(check(v.object({ kind: v.literal("video") }), { kind: "image" })).toBe(
    '`"image"` does not match literal validator `v.literal("video")`.Path: .kind',
  );
  expect(check(v.object({ n: v.literal(5) }), { n: 6 })).toBe("`6.0` does not match literal validator `v.literal(5.0)`.Path: .n");
  expect(check(v.object({ n: v.literal(5n) }), { n: 6n })).toBe("`6` does not match literal validator `v.literal(<bigint>)`.Path: .n");
  expect(check(v.object({ owner: v.id("users") }), { owner: "t123" })).toBe(
    'Found ID "t123" from table `teams`, which does not match the table name in validator `v.id("users")`.Path: .owner',
  );
  expect(check(v.object({ owner: v.id("users") }), { owner: "s9" })).toBe(
    'Found ID "s9" from a system table, which does not match the table name in validator `v.id("users")`.Path: .owner',
  );
  expect(check(v.object({ owner: v.id("users") }), { owner: "nope" })).toBe(
    'Value does not match validator.\nPath: .owner\nValue: "nope"\nValidator: v.id("users")',
  );
});

test("a table validator that is a union of objects: no match, the whole document shown", () => {
  expect(check(v.union(v.object({ a: v.string() }), v.object({ b: v.string() })), { c: "x" })).toBe(
    'Value does not match validator.\n\nValue: {c: "x"}\nValidator: v.union(v.object({a: v.string()}), v.object({b: v.string()}))',
  );
});

test("values as Rust prints them: floats always with a fraction or exponent, strings escaped", () => {
  expect([1, 0.5, -0, 1e15, 1e16, 1.5e-7, 0.0001, NaN, -Infinity].map(showFloat)).toEqual([
    "1.0",
    "0.5",
    "-0.0",
    "1000000000000000.0",
    "1e16",
    "1.5e-7",
    "0.0001",
    "NaN",
    "-inf",
  ]);
  expect(showValue('say "hi"\n\\\t\u0001')).toBe('"say \\"hi\\"\\n\\\\\\t\\u{1}"');
  expect(showValue([1n, [true], { "b-c": null, a: "é" }])).toBe('[1, [true], {a: "é", b-c: null}]');
});
