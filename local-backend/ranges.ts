/**
 * Byte ranges and validators for stored files served over HTTP (storage URLs): the `Range`
 * header (RFC 9110 §14), a strong ETag from the file's SHA-256, and `If-None-Match`.
 */
export type ByteRange = { kind: "full" } | { kind: "partial"; start: number; end: number } | { kind: "unsatisfiable" };

const RANGE = /^bytes=\s*(\d*)-(\d*)\s*(?:,.*)?$/;

/**
 * Which bytes of a `size`-byte file a `Range` header asks for (`end` inclusive). Only the first
 * of several ranges is served; a header this parser does not understand means the whole file.
 */
export function rangeOf(header: string | undefined, size: number): ByteRange {
  const match = header === undefined ? null : RANGE.exec(header.trim());
  if (!match) return { kind: "full" };
  const [, first, last] = match;
  if (first === "" && last === "") return { kind: "full" };
  let start: number;
  let end: number;
  if (first === "") {
    // A suffix: the last N bytes.
    const suffix = Number(last);
    if (suffix === 0) return { kind: "unsatisfiable" };
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
    if (start >= size || end < start) return { kind: "unsatisfiable" };
  }
  return start === 0 && end === size - 1 ? { kind: "full" } : { kind: "partial", start, end };
}

/** A strong ETag: the hex SHA-256 of the file (stored as base64). */
export function etagFor(sha256Base64: string): string {
  return `"${Buffer.from(sha256Base64, "base64").toString("hex")}"`;
}

/** Whether an `If-None-Match` header names `etag` (or `*`). */
export function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t === etag;
  });
}
