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

/** A strong ETag from the stored file's SHA-256 (Web APIs only: Convex's runtime has no Buffer). */
export function etagOf(sha256Base64: string): string {
  let hex = "";
  for (const ch of atob(sha256Base64)) hex += ch.charCodeAt(0).toString(16).padStart(2, "0");
  return `"${hex}"`;
}

export function matchesEtag(header: string | undefined | null, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((t) => t.trim() === "*" || t.trim() === etag);
}

/** The request headers that decide which bytes a media response carries. */
export type ByteRequest = { method: string; range?: string; ifRange?: string; ifNoneMatch?: string };

/** What a response to `request` for a file will carry; computed once, before any bytes are counted. */
export type BytePlan =
  | { kind: "notModified"; etag: string }
  | { kind: "unsatisfiable"; etag: string }
  | { kind: "bytes"; etag: string; status: 200 | 206; start: number; end: number; head: boolean };

export function planBytes(request: ByteRequest, file: { size: number; sha256: string }, maxChunk = Number.POSITIVE_INFINITY): BytePlan {
  const etag = etagOf(file.sha256);
  if (matchesEtag(request.ifNoneMatch, etag)) return { kind: "notModified", etag };
  const rangeHeader = request.ifRange && request.ifRange !== etag ? undefined : request.range;
  const range = decideRange(rangeHeader, file.size, maxChunk);
  if (range.kind === "unsatisfiable") return { kind: "unsatisfiable", etag };
  const head = request.method === "HEAD";
  if (range.kind === "partial") return { kind: "bytes", etag, status: 206, start: range.start, end: range.end, head };
  return { kind: "bytes", etag, status: 200, start: 0, end: file.size - 1, head };
}

/** The plan's headers as a media request carries them to the mutation that counts it. */
export function byteRequestOf(request: Request): ByteRequest {
  const header = (name: string) => request.headers.get(name)?.slice(0, 1024) ?? undefined;
  return { method: request.method, range: header("Range"), ifRange: header("If-Range"), ifNoneMatch: header("If-None-Match") };
}
