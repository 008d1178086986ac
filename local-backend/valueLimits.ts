/**
 * Convex's limits on one document, as a pure check over a decoded value (what `jsonToConvex`
 * gives). Sizes are counted as Convex counts them (crates/value/src/size.rs and the `Size`
 * impls: one byte per delimiter, 1 + 8 per number, 2 + length per string or bytes), messages
 * are Convex's.
 */
import type { Value } from "convex/values";
import { showValue } from "./schemaValidationError";

/** crates/common/src/document.rs `MAX_USER_SIZE`. */
export const MAX_USER_SIZE = 1 << 20;
/** crates/common/src/document.rs `MAX_DOCUMENT_NESTING`. */
export const MAX_DOCUMENT_NESTING = 16;
/** crates/value/src/array.rs `MAX_ARRAY_LEN`. */
export const MAX_ARRAY_LEN = 8192;
/** crates/value/src/object.rs `MAX_OBJECT_FIELDS`. */
export const MAX_OBJECT_FIELDS = 1024;

const utf8Length = (s: string) => Buffer.byteLength(s);
/** A UTF-16 surrogate without its partner: such a string is no sequence of Unicode scalar values (crates/value/src/lib.rs `String`). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** humansize's BINARY format as Convex prints sizes: "1 MiB", "1.5 MiB", "512 B". */
export function formatSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = unit === 0 ? String(value) : value.toFixed(2).replace(/\.?0+$/, "");
  return `${text} ${units[unit]}`;
}

type Measure = { size: number; nesting: number };

/** Size and nesting of a value, throwing Convex's message at the first array or object over its limit. */
function measure(value: Value | undefined): Measure {
  if (value === null || typeof value === "boolean") return { size: 1, nesting: 0 };
  if (typeof value === "number" || typeof value === "bigint") return { size: 9, nesting: 0 };
  if (typeof value === "string") {
    if (LONE_SURROGATE.test(value)) throw new Error("Invalid string: it contains a lone surrogate, which is not valid Unicode.");
    return { size: 2 + utf8Length(value), nesting: 0 };
  }
  if (value instanceof ArrayBuffer) return { size: 2 + value.byteLength, nesting: 0 };
  if (Array.isArray(value)) {
    if (value.length > MAX_ARRAY_LEN) throw new Error(`Array length is too long (${value.length} > maximum length ${MAX_ARRAY_LEN})`);
    let size = 2;
    let nesting = 0;
    for (const item of value) {
      const m = measure(item);
      size += m.size;
      nesting = Math.max(nesting, m.nesting);
    }
    return { size, nesting: nesting + 1 };
  }
  const entries = Object.entries(value as Record<string, Value | undefined>).filter(([, v]) => v !== undefined);
  if (entries.length > MAX_OBJECT_FIELDS)
    throw new Error(`Object has too many fields (${entries.length} > maximum number ${MAX_OBJECT_FIELDS})`);
  let size = 2;
  let nesting = 0;
  for (const [name, item] of entries) {
    if (LONE_SURROGATE.test(name)) throw new Error("Invalid field name: it contains a lone surrogate, which is not valid Unicode.");
    const m = measure(item);
    size += utf8Length(name) + 1 + m.size;
    nesting = Math.max(nesting, m.nesting);
  }
  return { size, nesting: nesting + 1 };
}

/** The Convex size of a value in Convex's JSON encoding (`convexToJson`), as stored. */
function jsonValueSize(value: unknown): number {
  if (value === null || typeof value === "boolean") return 1;
  if (typeof value === "number") return 9;
  if (typeof value === "string") return 2 + utf8Length(value);
  if (Array.isArray(value)) return value.reduce((size: number, item) => size + jsonValueSize(item), 2);
  const fields = Object.entries(value as Record<string, unknown>);
  // `$`-keys are never field names: { $integer } and { $float } are 8-byte numbers, { $bytes } base64.
  if (fields.length === 1) {
    const [[key, inner]] = fields;
    if (key === "$integer" || key === "$float") return 9;
    if (key === "$bytes") return 2 + Buffer.byteLength(inner as string, "base64");
  }
  return fields.reduce((size, [name, item]) => size + utf8Length(name) + 1 + jsonValueSize(item), 2);
}

/**
 * A stored document's size as Convex counts a document read (crates/database/src/reads.rs
 * `record_read_document`: `document.size()`), from its JSON: numbers are 9 bytes however few
 * digits they print in, so JSON length is no stand-in.
 */
export function storedDocumentSize(json: string): number {
  return jsonValueSize(JSON.parse(json));
}

/** Convex's size of a value (crates/value/src/size.rs). */
export function convexSize(value: Value): number {
  return measure(value).size;
}

/**
 * A user document (system fields included) as Convex checks it on insert, patch and replace:
 * crates/common/src/document.rs `validate` (nesting, top-level `_` fields) and
 * `check_user_size`, crates/value array and object limits. Returns its size.
 */
export function checkDocument(doc: Record<string, Value | undefined>): number {
  const { size, nesting } = measure(doc as Value);
  // `must_validate`: every violation, the document shown before them (`{self} isn't a valid
  // document: …`, joined by "\n "), as ResolvedDocument's Display prints it.
  const violations: string[] = [];
  if (nesting > MAX_DOCUMENT_NESTING)
    violations.push(`Document is too nested (nested ${nesting} levels deep > maximum nesting ${MAX_DOCUMENT_NESTING})`);
  for (const field of Object.keys(doc)) {
    if (field.startsWith("_") && field !== "_id" && field !== "_creationTime" && doc[field] !== undefined)
      violations.push(`Field '${field}' starts with an underscore, which is only allowed for system fields like '_id'`);
  }
  if (violations.length > 0)
    throw new Error(`Document(value: ${showValue(doc as Value)}) isn't a valid document: ${violations.join("\n ")}`);
  if (size > MAX_USER_SIZE) throw new Error(`Value is too large (${formatSize(size)} > maximum size ${formatSize(MAX_USER_SIZE)})`);
  return size;
}
