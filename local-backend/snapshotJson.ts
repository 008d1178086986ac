/**
 * Convex's snapshot JSON (`ValueFormat::ConvexExportJSON`, crates/value/src/export.rs): int64 as
 * a bare integer, float64 as a number that always has a `.` or exponent (`5.0`, `-0.0`),
 * non-finite floats as `{"$float": base64}`, bytes as `{"$bytes": base64}`. Reading tells the
 * two number kinds apart by their spelling, which `JSON.parse` cannot, so it has its own parser.
 */
import type { Value } from "convex/values";

export function exportJson(value: Value | undefined): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return `{"$float":${JSON.stringify(floatBase64(value))}}`;
    if (Object.is(value, -0)) return "-0.0";
    const text = String(value);
    return /[.eE]/.test(text) ? text : `${text}.0`;
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return JSON.stringify(value);
  if (value instanceof ArrayBuffer) return `{"$bytes":${JSON.stringify(Buffer.from(value).toString("base64"))}}`;
  if (Array.isArray(value)) return `[${value.map((v) => exportJson(v)).join(",")}]`;
  const fields: string[] = [];
  for (const [key, field] of Object.entries(value as Record<string, Value | undefined>)) {
    if (field !== undefined) fields.push(`${JSON.stringify(key)}:${exportJson(field)}`);
  }
  return `{${fields.join(",")}}`;
}

function floatBase64(n: number): string {
  const buf = Buffer.alloc(8);
  buf.writeDoubleLE(n);
  return buf.toString("base64");
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export class SnapshotJsonError extends Error {}

/** One value of snapshot JSON (a documents.jsonl line). */
export function parseExportJson(text: string): Value {
  let i = 0;
  const fail = (what: string): never => {
    throw new SnapshotJsonError(`Invalid JSON at character ${i}: ${what}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const value = (depth: number): Value => {
    if (depth > 64) fail("nested too deeply");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const entries: Array<[string, Value]> = [];
      ws();
      if (text[i] === "}") {
        i++;
        return {};
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a field name");
        const key = string();
        ws();
        if (text[i++] !== ":") fail("expected ':'");
        entries.push([key, value(depth + 1)]);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i++] === "}") break;
        fail("expected ',' or '}'");
      }
      if (entries.length === 1 && entries[0][0].startsWith("$")) return special(entries[0][0], entries[0][1]);
      const obj: Record<string, Value> = {};
      for (const [k, v] of entries) obj[k] = v;
      return obj;
    }
    if (c === "[") {
      i++;
      const items: Value[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return items;
      }
      for (;;) {
        items.push(value(depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i++] === "]") break;
        fail("expected ',' or ']'");
      }
      return items;
    }
    if (c === '"') return string();
    if (text.startsWith("true", i)) return ((i += 4), true);
    if (text.startsWith("false", i)) return ((i += 5), false);
    if (text.startsWith("null", i)) return ((i += 4), null);
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail("unexpected character");
    i += m![0].length;
    if (m![1] === undefined && m![2] === undefined) {
      const big = BigInt(m![0]);
      if (big >= INT64_MIN && big <= INT64_MAX) return big;
    }
    return Number(m![0]);
  };
  const string = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) fail("unterminated string");
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const result = value(0);
  ws();
  if (i !== text.length) fail("trailing characters");
  return result;
}

/** `{"$integer": b64}`, `{"$float": b64}`, `{"$bytes": b64}` (Convex's encoded JSON inside clean JSON). */
function special(key: string, inner: Value): Value {
  if (typeof inner !== "string") throw new SnapshotJsonError(`${key} needs a base64 string`);
  const bytes = Buffer.from(inner, "base64");
  if (key === "$bytes") return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  if (key === "$integer" && bytes.length === 8) return bytes.readBigInt64LE();
  if (key === "$float" && bytes.length === 8) return bytes.readDoubleLE();
  throw new SnapshotJsonError(`Unknown or malformed special value ${key}`);
}
