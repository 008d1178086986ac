/**
 * `npx convex import --table <name> file.{jsonl,json,csv}`: one table's documents from a JSON
 * Lines file, a JSON array or a CSV file, read as Convex reads them
 * (crates/application/src/snapshot_import/parse.rs `parse_import_file`, `parse_csv_cell`; the
 * messages are import_error.rs's). With no generated schema a row is plain JSON read as
 * shape_inference's `ExportContext::Infer` reads it: every number a float64, objects with field
 * names that must not start with `$` (so `{"$integer": …}` is refused, not decoded). CSV cells
 * that parse as an f64 become numbers, every other cell a string.
 */
import type { Value } from "convex/values";

export type TableImportFormat = "jsonLines" | "jsonArray" | "csv";
export const TABLE_IMPORT_FORMATS: readonly TableImportFormat[] = ["jsonLines", "jsonArray", "csv"];

/** TRANSACTION_MAX_USER_WRITE_SIZE_BYTES: a JSON array is read whole, so it must fit one transaction's writes. */
const JSON_ARRAY_LIMIT = 1 << 24;

export class TableImportError extends Error {}

/** The documents of one table's import file, in file order. */
export function readTableImport(data: Buffer, format: TableImportFormat): Array<Record<string, Value>> {
  if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) {
    throw new TableImportError("UTF-8 BOM is not supported. Please save your file without BOM.");
  }
  const text = data.toString("utf8");
  switch (format) {
    case "jsonLines": {
      const rows = text.split("\n");
      if (rows[rows.length - 1] === "") rows.pop();
      return rows.map((line, i) => objectRow(i + 1, parseJsonRow(i + 1, line)));
    }
    case "jsonArray": {
      if (data.length > JSON_ARRAY_LIMIT) {
        throw new TableImportError(
          `Import is too large for JSON (${data.length} bytes > maximum 16 MiB). Consider converting data to JSONLines`,
        );
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new TableImportError(`Not valid JSON: ${(error as Error).message}`);
      }
      if (!Array.isArray(value)) throw new TableImportError("Not a JSON array");
      return value.map((row, i) => objectRow(i + 1, row));
    }
    case "csv":
      return readCsv(text);
  }
}

function parseJsonRow(row: number, line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (error) {
    throw new TableImportError(`Row ${row} wasn't valid JSON: ${(error as Error).message}`);
  }
}

/** GeneratedSchema::apply with no schema: an object whose field names are all valid, else Convex's refusal. */
function objectRow(row: number, value: unknown): Record<string, Value> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    const shown = JSON.stringify(value);
    throw new TableImportError(
      `Row ${row} wasn't a valid Convex value: expected object, received ${shown.length > 100 ? `${shown.slice(0, 100)}...` : shown}`,
    );
  }
  const badField = (v: unknown): string | null => {
    if (Array.isArray(v)) return v.map(badField).find((f) => f !== null) ?? null;
    if (v === null || typeof v !== "object") return null;
    for (const [k, field] of Object.entries(v)) {
      if (k.startsWith("$") || k === "") return k;
      const inner = badField(field);
      if (inner !== null) return inner;
    }
    return null;
  };
  const bad = badField(value);
  if (bad !== null) throw new TableImportError(`Row ${row} wasn't a valid Convex value: invalid field name ${JSON.stringify(bad)}`);
  return value as Record<string, Value>;
}

/** Rust's `str::parse::<f64>` grammar: a sign, digits with an optional point and exponent, or inf/infinity/nan. */
const F64 = /^[+-]?(?:inf|infinity|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/i;

/** parse_csv_cell: an f64 when the cell parses as one (NaN and ±inf have no JSON number: null), else the text. */
export function csvCell(cell: string): Value {
  if (!F64.test(cell)) return cell;
  const n = Number(/inf/i.test(cell) ? cell.replace(/inf(inity)?/i, "Infinity") : cell);
  return Number.isFinite(n) ? n : null;
}

/** Field names as Convex accepts them in a document (no leading `$`, printable ASCII, at most 1024 characters). */
const FIELD_NAME = /^(?!\$)[\x20-\x7e]{1,1024}$/;

function readCsv(text: string): Array<Record<string, Value>> {
  const records = csvRecords(text);
  const header = records.shift();
  if (!header) throw new TableImportError("CSV file doesn't have headers");
  const fields = header.map((h) => {
    const name = h.replace(/^ +| +$/g, "");
    if (!FIELD_NAME.test(name)) {
      throw new TableImportError(`CSV header ${JSON.stringify(name)} isn't a valid field name`);
    }
    return name;
  });
  return records.map((cells, i) => {
    if (cells.length !== fields.length) throw new TableImportError(`CSV row ${i + 1} doesn't have all of the fields in the header`);
    return Object.fromEntries(fields.map((f, j) => [f, csvCell(cells[j])]));
  });
}

/** RFC 4180 records: `"…"` quoting with `""` for a quote, LF or CRLF line ends; blank lines are skipped (as the csv crate does). */
function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = "";
  let quoted = false;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
      continue;
    }
    if (c === '"') {
      quoted = true;
      started = true;
    } else if (c === ",") {
      record.push(cell);
      cell = "";
      started = true;
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      if (started || cell !== "") {
        record.push(cell);
        records.push(record);
      }
      record = [];
      cell = "";
      started = false;
    } else {
      cell += c;
      started = true;
    }
  }
  if (quoted) throw new TableImportError(`Failed to parse CSV row ${records.length}: unterminated quoted field`);
  if (started || cell !== "") {
    record.push(cell);
    records.push(record);
  }
  return records;
}
