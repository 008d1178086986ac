/** The filter expressions `query.filter(q => …)` serializes to, evaluated directly. */
import { convexToJson } from "convex/values";
import { expect, test } from "vitest";
import { evaluate } from "./filters";

const doc = { n: 5, s: "b", big: 3n, nested: { x: 1 }, missing: undefined };
const field = (f: string) => ({ $field: f });
const lit = (v: Parameters<typeof convexToJson>[0]) => ({ $literal: convexToJson(v) });

test("comparisons use Convex's value order across types", () => {
  expect(evaluate(doc, { $eq: [field("n"), lit(5)] })).toBe(true);
  expect(evaluate(doc, { $neq: [field("n"), lit(5)] })).toBe(false);
  expect(evaluate(doc, { $lt: [field("n"), lit(6)] })).toBe(true);
  expect(evaluate(doc, { $lte: [field("n"), lit(5)] })).toBe(true);
  expect(evaluate(doc, { $gt: [field("s"), lit("a")] })).toBe(true);
  expect(evaluate(doc, { $gte: [field("s"), lit("c")] })).toBe(false);
  // Every bigint sorts below every number; a string above both.
  expect(evaluate(doc, { $lt: [field("big"), lit(-1)] })).toBe(true);
  expect(evaluate(doc, { $gt: [field("s"), field("n")] })).toBe(true);
  expect(evaluate(doc, { $eq: [field("big"), lit(3n)] })).toBe(true);
  expect(evaluate(doc, { $eq: [field("nested.x"), lit(1)] })).toBe(true);
});

test("missing fields are undefined, below null", () => {
  expect(evaluate(doc, { $eq: [field("absent"), { $literal: undefined }] })).toBe(true);
  expect(evaluate(doc, { $eq: [field("absent"), { $literal: { $undefined: null } }] })).toBe(true);
  expect(evaluate(doc, { $lt: [field("absent"), lit(null)] })).toBe(true);
  expect(evaluate(doc, { $eq: [field("absent"), lit(null)] })).toBe(false);
});

test("logic and arithmetic", () => {
  const t = { $eq: [lit(1), lit(1)] };
  const f = { $eq: [lit(1), lit(2)] };
  expect(evaluate(doc, { $and: [t, t] })).toBe(true);
  expect(evaluate(doc, { $and: [t, f] })).toBe(false);
  expect(evaluate(doc, { $or: [f, t] })).toBe(true);
  expect(evaluate(doc, { $not: f })).toBe(true);
  expect(evaluate(doc, { $add: [field("n"), lit(2)] })).toBe(7);
  expect(evaluate(doc, { $sub: [field("n"), lit(2)] })).toBe(3);
  expect(evaluate(doc, { $mul: [field("n"), lit(2)] })).toBe(10);
  expect(evaluate(doc, { $div: [field("n"), lit(2)] })).toBe(2.5);
  expect(evaluate(doc, { $mod: [field("n"), lit(2)] })).toBe(1);
  expect(evaluate(doc, { $neg: field("n") })).toBe(-5);
  expect(evaluate(doc, { $eq: [{ $add: [field("n"), lit(1)] }, lit(6)] })).toBe(true);
});

test("unknown operators are refused", () => {
  expect(() => evaluate(doc, { $regex: [field("s"), lit("b")] })).toThrow(/Unsupported filter expression \$regex/);
  expect(() => evaluate(doc, {})).toThrow(/Unsupported/);
});
