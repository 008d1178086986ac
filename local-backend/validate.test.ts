/** Argument and return validation against the JSON form of Convex validators, directly. */
import { v, type Validator } from "convex/values";
import { expect, test } from "vitest";
import { checkValue, type ValidatorJson } from "./validate";

/** A validator's JSON form — what a function's `exportArgs()` serializes and the loader reads (an internal getter of convex/values). */
function json(validator: Validator<unknown, "required", string>): ValidatorJson {
  const form: ValidatorJson = Reflect.get(validator, "json");
  return form;
}
const tableOf = (id: string) => (id.startsWith("u") ? "users" : id.startsWith("t") ? "teams" : null);
const check = (validator: Validator<unknown, "required", string>, value: unknown) => checkValue(json(validator), value, tableOf);

test("scalars", () => {
  expect(check(v.number(), 1)).toBeNull();
  expect(check(v.number(), "1")).toBe('value must be a number, got "1"');
  expect(check(v.int64(), 1n)).toBeNull();
  expect(check(v.int64(), 1)).toMatch(/int64/);
  expect(check(v.boolean(), false)).toBeNull();
  expect(check(v.string(), null)).toBe("value must be a string, got null");
  expect(check(v.null(), null)).toBeNull();
  expect(check(v.bytes(), new ArrayBuffer(2))).toBeNull();
  expect(check(v.bytes(), [1, 2])).toMatch(/bytes, got an array/);
  expect(check(v.any(), Symbol.iterator)).toBeNull();
  expect(check(v.literal("a"), "a")).toBeNull();
  expect(check(v.literal("a"), "b")).toMatch(/"a"/);
  // Long values are not echoed back.
  expect(check(v.number(), "x".repeat(100))).toBe("value must be a number, got a string");
});

test("ids name their table", () => {
  expect(check(v.id("users"), "u123")).toBeNull();
  expect(check(v.id("users"), "t123")).toBe('value must be an Id<"users">, got "t123"');
  expect(check(v.id("users"), 5)).toMatch(/Id<"users">/);
});

test("objects: required and optional fields, unknown fields, own properties only, plain objects only", () => {
  const obj = v.object({ a: v.number(), b: v.optional(v.string()) });
  expect(check(obj, { a: 1 })).toBeNull();
  expect(check(obj, { a: 1, b: "x" })).toBeNull();
  expect(check(obj, { a: 1, b: undefined })).toBeNull();
  expect(check(obj, {})).toBe("value.a is required");
  expect(check(obj, { a: 1, c: 2 })).toBe("value.c is not allowed");
  expect(check(obj, { a: "1" })).toBe('value.a must be a number, got "1"');
  expect(check(v.object({ toString: v.string() }), {})).toBe("value.toString is required");
  expect(check(obj, JSON.parse('{"a":1,"__proto__":{"b":2}}'))).toBe("value.__proto__ is not allowed");
  expect(check(obj, Object.assign(Object.create({ inherited: 1 }), { a: 1 }))).toMatch(/an object/);
  expect(check(obj, [1])).toMatch(/an object, got an array/);
  expect(check(obj, null)).toMatch(/an object, got null/);
});

test("arrays, records and unions report the path that fails", () => {
  expect(check(v.array(v.number()), [1, 2])).toBeNull();
  expect(check(v.array(v.number()), [1, "2"])).toBe('value[1] must be a number, got "2"');
  expect(check(v.array(v.object({ x: v.array(v.string()) })), [{ x: ["a", 3] }])).toBe("value[0].x[1] must be a string, got number");
  expect(check(v.record(v.string(), v.number()), { a: 1, b: 2 })).toBeNull();
  expect(check(v.record(v.string(), v.number()), { a: "x" })).toBe('value.a must be a number, got "x"');
  expect(check(v.record(v.id("users"), v.number()), { t1: 1 })).toMatch(/value key must be an Id<"users">/);
  const u = v.union(v.literal("a"), v.object({ kind: v.literal("b") }));
  expect(check(u, "a")).toBeNull();
  expect(check(u, { kind: "b" })).toBeNull();
  expect(check(u, { kind: "c" })).toBe("value must be one of the allowed shapes, got object");
});
