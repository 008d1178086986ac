/** HTTP byte ranges, validators and conditional requests for files served from disk. */
export type RangeDecision =
  | { kind: "full" }
  | { kind: "partial"; start: number; end: number }
  | { kind: "unsatisfiable" };

/** Parses a `Range` header for a file of `size` bytes; multiple ranges are answered with the first. */
export function decideRange(header: string | undefined | null, size: number, maxChunk = Number.POSITIVE_INFINITY): RangeDecision {
  if (!header) return { kind: "full" };
  const m = /^bytes=\s*(\d*)-(\d*)\s*(?:,.*)?$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return { kind: "full" };
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0) return { kind: "unsatisfiable" };
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (start >= size || end < start) return { kind: "unsatisfiable" };
    if (m[2] === "") end = Math.min(end, start + maxChunk - 1);
  }
  if (start === 0 && end === size - 1) return { kind: "full" };
  return { kind: "partial", start, end };
}

/** A strong ETag from the stored file's SHA-256. */
export function etagOf(sha256Base64: string): string {
  return `"${Buffer.from(sha256Base64, "base64").toString("hex")}"`;
}

export function matchesEtag(header: string | undefined | null, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((t) => t.trim() === "*" || t.trim() === etag);
}
