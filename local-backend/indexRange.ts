/**
 * What Convex refuses in an index range expression before reading anything, with its messages
 * (crates/common/src/query.rs `IndexRange::split`, `already_defined_bound_error`): a field given
 * two equalities, two lower or two upper bounds, or an equality and a bound on the same field.
 */
import { jsonToConvex, type JSONValue, type Value } from "convex/values";

/** One bound of an index range expression, as `withIndex` serializes it (convex/server IndexRange). */
export type RangeBound = { type: "Eq" | "Gt" | "Gte" | "Lt" | "Lte"; fieldPath: string; value: JSONValue };

const comparators = { Eq: "==", Gt: ">", Gte: ">=", Lt: "<", Lte: "<=" } as const;

export function checkIndexRange(range: readonly RangeBound[]): void {
  const equalities = new Map<string, JSONValue>();
  let inequalityField: string | null = null;
  let lower = false;
  let upper = false;
  for (const bound of range) {
    if (bound.type === "Eq") {
      if (equalities.has(bound.fieldPath)) throw alreadyDefined("equality", bound.fieldPath, "==", equalities.get(bound.fieldPath)!);
      equalities.set(bound.fieldPath, bound.value);
      continue;
    }
    const isUpper = bound.type === "Lt" || bound.type === "Lte";
    if (isUpper ? upper : lower) throw alreadyDefined(isUpper ? "upper" : "lower", bound.fieldPath, comparators[bound.type], bound.value);
    if (isUpper) upper = true;
    else lower = true;
    inequalityField ??= bound.fieldPath;
  }
  if (inequalityField !== null && equalities.has(inequalityField))
    throw alreadyDefined("inequality", inequalityField, "==", equalities.get(inequalityField)!);
}

function alreadyDefined(kind: string, fieldPath: string, comparator: string, value: JSONValue) {
  return new Error(`Already defined ${kind} bound in index range. Can't add "${fieldPath}" ${comparator} ${display(value)}.`);
}

/** A value as Convex's `Display for ConvexValue` writes it (crates/value/src/lib.rs): floats with a decimal point, int64 bare. */
function display(json: JSONValue): string {
  if (typeof json === "object" && json !== null && "$undefined" in json) return "undefined";
  const value: Value = jsonToConvex(json);
  if (typeof value === "number") return Number.isInteger(value) ? `${value}.0` : String(value);
  if (typeof value === "bigint") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
}
