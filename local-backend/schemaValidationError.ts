/**
 * A document against a pushed schema's table validator, reported in Convex's own words: the
 * text of `ValidationError` (crates/common/src/schemas/validator.rs in get-convex/convex-backend:
 * `check_value_internal` and the error's Display), with values shown as `ConvexValue`'s Display
 * (crates/value/src/lib.rs) and validators as `Validator`'s (`v.object({…})`, fields sorted as
 * Convex's BTreeMap sorts them). System fields are not checked (`filter_system_fields`).
 */
import type { Value } from "convex/values";
import { jsonToConvex, type JSONValue } from "convex/values";
import type { ValidatorJson } from "./validate";

/** The table an id belongs to in the document's component, or null for an id that names none. */
type TableOf = (id: string) => string | null;

type Failure = { message: (context: string) => string; path: string[] };

/** Null when `doc` (system fields left out) matches, else Convex's ValidationError text. */
export function documentValidationError(validator: ValidatorJson, doc: Record<string, Value>, tableOf: TableOf): string | null {
  const fields = Object.fromEntries(Object.entries(doc).filter(([k]) => !k.startsWith("_")));
  const failure = check(validator, fields, tableOf);
  return failure ? failure.message(failure.path.length > 0 ? `Path: ${failure.path.join("")}` : "") : null;
}

function check(v: ValidatorJson, value: Value, tableOf: TableOf): Failure | null {
  const noMatch = (): Failure => ({
    message: (context) => `Value does not match validator.\n${context}\nValue: ${showValue(value)}\nValidator: ${showValidator(v)}`,
    path: [],
  });
  const within = (failure: Failure | null, step: string) => (failure ? { ...failure, path: [step, ...failure.path] } : null);
  switch (v.type) {
    case "any":
      return null;
    case "null":
      return value === null ? null : noMatch();
    case "number":
      return typeof value === "number" ? null : noMatch();
    case "bigint":
      return typeof value === "bigint" ? null : noMatch();
    case "boolean":
      return typeof value === "boolean" ? null : noMatch();
    case "string":
      return typeof value === "string" ? null : noMatch();
    case "bytes":
      return value instanceof ArrayBuffer ? null : noMatch();
    case "literal": {
      const literal = jsonToConvex(v.value as JSONValue);
      if (value === literal || (Number.isNaN(literal) && Number.isNaN(value))) return null;
      return {
        message: (context) => `\`${showValue(value)}\` does not match literal validator \`v.literal(${showLiteral(literal)})\`.${context}`,
        path: [],
      };
    }
    case "id": {
      const table = typeof value === "string" ? tableOf(value) : null;
      if (table === null) return noMatch();
      if (table === v.tableName) return null;
      const validator = `\`v.id(${JSON.stringify(v.tableName)})\``;
      return table.startsWith("_")
        ? {
            message: (context) =>
              `Found ID "${String(value)}" from a system table, which does not match the table name in validator ${validator}.${context}`,
            path: [],
          }
        : {
            message: (context) =>
              `Found ID "${String(value)}" from table \`${table}\`, which does not match the table name in validator ${validator}.${context}`,
            path: [],
          };
    }
    case "array": {
      if (!Array.isArray(value)) return noMatch();
      for (let i = 0; i < value.length; i++) {
        const failure = within(check(v.value, value[i], tableOf), `[${i}]`);
        if (failure) return failure;
      }
      return null;
    }
    case "record": {
      if (!isObject(value)) return noMatch();
      for (const key of sortedKeys(value)) {
        const failure =
          within(check(v.keys, key, tableOf), ".keys()") ?? within(check(v.values.fieldType, value[key], tableOf), ".values()");
        if (failure) return failure;
      }
      return null;
    }
    case "object": {
      if (!isObject(value)) return noMatch();
      const shown = (context: string) => `\n${context}\nObject: ${showValue(value)}\nValidator: ${showValidator(v)}`;
      for (const key of sortedKeys(v.value)) {
        const field = v.value[key];
        if (Object.hasOwn(value, key) && value[key] !== undefined) {
          const failure = within(check(field.fieldType, value[key], tableOf), `.${key}`);
          if (failure) return failure;
        } else if (!field.optional) {
          return {
            message: (context) =>
              `Object is missing the required field \`${key}\`. Consider wrapping the field validator in \`v.optional(...)\` if this is expected.${shown(context)}`,
            path: [],
          };
        }
      }
      for (const key of sortedKeys(value)) {
        if (!Object.hasOwn(v.value, key) && value[key] !== undefined) {
          return {
            message: (context) => `Object contains extra field \`${key}\` that is not in the validator.${shown(context)}`,
            path: [],
          };
        }
      }
      return null;
    }
    case "union":
      if (v.value.length === 1) return check(v.value[0], value, tableOf);
      return v.value.some((option) => check(option, value, tableOf) === null) ? null : noMatch();
  }
}

function isObject(value: Value): value is { [key: string]: Value } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof ArrayBuffer);
}

/** Field names in Convex's order (Rust's BTreeMap of strings: by UTF-8 bytes). */
function sortedKeys(object: object): string[] {
  return Object.keys(object)
    .filter((k) => (object as Record<string, unknown>)[k] !== undefined)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** `ConvexValue`'s Display: `{a: 1.0, b: "x"}`, `[1, 2]` for int64s, `b"AQI="` for bytes. */
export function showValue(value: Value): string {
  if (value === null) return "null";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return showFloat(value);
  if (typeof value === "boolean") return String(value);
  if (typeof value === "string") return rustDebugString(value);
  if (value instanceof ArrayBuffer) return `b"${Buffer.from(value).toString("base64")}"`;
  if (Array.isArray(value)) return `[${value.map(showValue).join(", ")}]`;
  return `{${sortedKeys(value)
    .map((k) => `${k}: ${showValue((value as Record<string, Value>)[k])}`)
    .join(", ")}}`;
}

/** `Validator`'s Display, as in the schema's source: `v.object({done: v.boolean(), title: v.string()})`. */
export function showValidator(v: ValidatorJson): string {
  switch (v.type) {
    case "null":
      return "v.null()";
    case "number":
      return "v.float64()";
    case "bigint":
      return "v.int64()";
    case "boolean":
      return "v.boolean()";
    case "string":
      return "v.string()";
    case "bytes":
      return "v.bytes()";
    case "any":
      return "v.any()";
    case "literal":
      return `v.literal(${showLiteral(jsonToConvex(v.value as JSONValue))})`;
    case "id":
      return `v.id(${JSON.stringify(v.tableName)})`;
    case "array":
      return `v.array(${showValidator(v.value)})`;
    case "record":
      return `v.record(${showValidator(v.keys)}, ${showValidator(v.values.fieldType)})`;
    case "union":
      return `v.union(${v.value.map(showValidator).join(", ")})`;
    case "object":
      return `v.object({${sortedKeys(v.value)
        .map((k) => {
          const field = v.value[k];
          return `${k}: ${field.optional ? `v.optional(${showValidator(field.fieldType)})` : showValidator(field.fieldType)}`;
        })
        .join(", ")}})`;
  }
}

/** `LiteralValidator`'s Display: JSON, with `<bigint>` for int64s and `<number>` for floats JSON cannot hold. */
function showLiteral(literal: Value): string {
  if (typeof literal === "bigint") return "<bigint>";
  if (typeof literal === "number") {
    if (!Number.isFinite(literal)) return "<number>";
    // serde_json (ryu) writes 0.00001 in full where Rust's `{:?}` writes 1e-5.
    return Math.abs(literal) >= 1e-5 && Math.abs(literal) < 1e-4 ? String(literal) : showFloat(literal);
  }
  return JSON.stringify(literal);
}

/**
 * An f64 as Rust's `{:?}` (and serde_json's ryu) print it: the shortest digits that round-trip
 * (the same digits as JavaScript's), always with a fraction or exponent: `1.0`, `0.5`, `-0.0`,
 * `1e16`, `1.5e-7`, `NaN`, `inf`.
 */
export function showFloat(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  if (n === 0) return Object.is(n, -0) ? "-0.0" : "0.0";
  const abs = Math.abs(n);
  if (abs >= 1e-4 && abs < 1e16) {
    const text = String(n);
    return text.includes(".") ? text : `${text}.0`;
  }
  return n.toExponential().replace("e+", "e");
}

/** A string as Rust's `{:?}` prints it: double quotes, `\"`, `\\`, `\n`, `\r`, `\t`, `\0`, other controls as `\u{1b}`. */
function rustDebugString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code === 0) out += "\\0";
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += `\\u{${code.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}
