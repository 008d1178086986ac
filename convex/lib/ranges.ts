import { FULL_BODY_LIMIT, rangeEndLimit, type Layout } from "./chunks";

/** HTTP byte ranges, validators and conditional requests for chunked media files. */
/** Parses a `Range` header for a file of `size` bytes (null: absent or not a byte range); multiple ranges are answered with the first. */
export function parseRange(header: string | undefined | null, size: number): { start: number; end: number } | "unsatisfiable" | null {
  if (!header) return null;
  const m = /^bytes=\s*(\d*)-(\d*)\s*(?:,.*)?$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
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

/**
 * What a response to `request` for a chunked file will carry; computed once, before any bytes are
 * counted, by the media mutation and again (the same) by the response. A range never crosses a
 * chunk boundary (open-ended ones end there), so it reads one chunk file; a full GET is answered
 * only up to FULL_BODY_LIMIT, beyond which the client is told to use Range.
 */
export type BytePlan =
  | { kind: "notModified"; etag: string }
  | { kind: "unsatisfiable"; etag: string }
  | { kind: "rangeRequired"; etag: string }
  | { kind: "bytes"; etag: string; status: 200 | 206; start: number; end: number; head: boolean };

export function planBytes(request: ByteRequest, file: Layout & { sha256: string }): BytePlan {
  const etag = etagOf(file.sha256);
  if (matchesEtag(request.ifNoneMatch, etag)) return { kind: "notModified", etag };
  const rangeHeader = request.ifRange && request.ifRange !== etag ? undefined : request.range;
  const range = parseRange(rangeHeader, file.size);
  if (range === "unsatisfiable") return { kind: "unsatisfiable", etag };
  const head = request.method === "HEAD";
  if (range) {
    const end = Math.min(range.end, rangeEndLimit(file, range.start));
    // A range that is the whole (one-chunk) file is answered as the file.
    if (range.start === 0 && end === file.size - 1) return { kind: "bytes", etag, status: 200, start: 0, end, head };
    return { kind: "bytes", etag, status: 206, start: range.start, end, head };
  }
  if (file.size > FULL_BODY_LIMIT && !head) return { kind: "rangeRequired", etag };
  return { kind: "bytes", etag, status: 200, start: 0, end: file.size - 1, head };
}

/** The plan's headers as a media request carries them to the mutation that counts it. */
export function byteRequestOf(request: Request): ByteRequest {
  const header = (name: string) => request.headers.get(name)?.slice(0, 1024) ?? undefined;
  return { method: request.method, range: header("Range"), ifRange: header("If-Range"), ifNoneMatch: header("If-None-Match") };
}
