/** Evaluates the JSON filter expressions that `query.filter(q => …)` produces. */
import { jsonToConvex } from "convex/values";
import { compareValues, fieldValue, valueFromJson, type Value } from "./keys";

type Expr = Record<string, unknown>;

export function evaluate(doc: Record<string, Value>, expr: Expr): Value {
  const [op, arg] = Object.entries(expr)[0] ?? [];
  const two = () => (arg as Expr[]).map((e) => evaluate(doc, e));
  switch (op) {
    case "$field":
      return fieldValue(doc, arg as string);
    case "$literal":
      return arg === undefined ? undefined : valueFromJson(arg, jsonToConvex);
    case "$eq": {
      const [a, b] = two();
      return compareValues(a, b) === 0;
    }
    case "$neq": {
      const [a, b] = two();
      return compareValues(a, b) !== 0;
    }
    case "$lt": {
      const [a, b] = two();
      return compareValues(a, b) < 0;
    }
    case "$lte": {
      const [a, b] = two();
      return compareValues(a, b) <= 0;
    }
    case "$gt": {
      const [a, b] = two();
      return compareValues(a, b) > 0;
    }
    case "$gte": {
      const [a, b] = two();
      return compareValues(a, b) >= 0;
    }
    case "$and":
      return (arg as Expr[]).every((e) => evaluate(doc, e) === true);
    case "$or":
      return (arg as Expr[]).some((e) => evaluate(doc, e) === true);
    case "$not":
      return evaluate(doc, arg as Expr) !== true;
    case "$neg":
      return -(evaluate(doc, arg as Expr) as number);
    case "$add":
    case "$sub":
    case "$mul":
    case "$div":
    case "$mod": {
      const [a, b] = two() as number[];
      return op === "$add" ? a + b : op === "$sub" ? a - b : op === "$mul" ? a * b : op === "$div" ? a / b : a % b;
    }
    default:
      throw new Error(`Unsupported filter expression ${String(op)}`);
  }
}
