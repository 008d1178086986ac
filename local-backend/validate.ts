import { jsonToConvex, type JSONValue } from "convex/values";
/** Checks values against the JSON form of Convex validators (`exportArgs()` / `exportReturns()`). */
export type ValidatorJson =
  | { type: "null" | "number" | "bigint" | "boolean" | "string" | "bytes" | "any" }
  | { type: "literal"; value: unknown }
  | { type: "id"; tableName: string }
  | { type: "array"; value: ValidatorJson }
  | { type: "record"; keys: ValidatorJson; values: { fieldType: ValidatorJson } }
  | { type: "union"; value: ValidatorJson[] }
  | { type: "object"; value: Record<string, { fieldType: ValidatorJson; optional: boolean }> };

type TableOf = (id: string) => string | null;

/** Null when `value` matches, else a message naming the path that does not. */
export function checkValue(v: ValidatorJson, value: unknown, tableOf: TableOf, path = "value"): string | null {
  const fail = (what: string) => `${path} must be ${what}, got ${describe(value)}`;
  switch (v.type) {
    case "any":
      return null;
    case "null":
      return value === null ? null : fail("null");
    case "number":
      return typeof value === "number" ? null : fail("a number");
    case "bigint":
      return typeof value === "bigint" ? null : fail("an int64");
    case "boolean":
      return typeof value === "boolean" ? null : fail("a boolean");
    case "string":
      return typeof value === "string" ? null : fail("a string");
    case "bytes":
      return value instanceof ArrayBuffer ? null : fail("bytes");
    case "literal": {
      // A bigint literal arrives in Convex's JSON encoding ({ $integer: base64 }, as v.literal(5n)
      // serializes it in convex/src/values/validator.ts): decoded, it matches only that bigint.
      const expected = jsonToConvex(v.value as JSONValue);
      return value === expected ? null : fail(typeof expected === "bigint" ? `${expected}n` : JSON.stringify(expected));
    }
    case "id": {
      if (typeof value !== "string") return fail(`an Id<"${v.tableName}">`);
      const table = tableOf(value);
      return table === v.tableName ? null : fail(`an Id<"${v.tableName}">`);
    }
    case "array": {
      if (!Array.isArray(value)) return fail("an array");
      for (let i = 0; i < value.length; i++) {
        const problem = checkValue(v.value, value[i], tableOf, `${path}[${i}]`);
        if (problem) return problem;
      }
      return null;
    }
    case "record": {
      if (!isPlainObject(value)) return fail("an object");
      for (const [k, item] of Object.entries(value)) {
        const problem = checkValue(v.keys, k, tableOf, `${path} key`) ?? checkValue(v.values.fieldType, item, tableOf, `${path}.${k}`);
        if (problem) return problem;
      }
      return null;
    }
    case "union":
      return v.value.some((option) => checkValue(option, value, tableOf, path) === null) ? null : fail("one of the allowed shapes");
    case "object": {
      if (!isPlainObject(value)) return fail("an object");
      for (const [k, field] of Object.entries(v.value)) {
        // Own fields only: `toString` or `constructor` are never found on the prototype.
        const item = Object.hasOwn(value, k) ? value[k] : undefined;
        if (item === undefined) {
          if (!field.optional) return `${path}.${k} is required`;
          continue;
        }
        const problem = checkValue(field.fieldType, item, tableOf, `${path}.${k}`);
        if (problem) return problem;
      }
      for (const k of Object.keys(value as object)) {
        if (!Object.hasOwn(v.value, k) && value[k] !== undefined) return `${path}.${k} is not allowed`;
      }
      return null;
    }
  }
}

/** A plain object: not an array, bytes or anything with a prototype of its own (say from a `__proto__` field). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value.length > 40 ? "a string" : JSON.stringify(value);
  return typeof value;
}
