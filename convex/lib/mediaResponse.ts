/** Turns a media access decision and a request into the HTTP response (statuses, ranges, ETag). */
import type { MediaAccess } from "../media";
import { contentDisposition, jsonError, PRIVATE_MEDIA_HEADERS } from "./mediaHeaders";
import { decideRange, etagOf, matchesEtag } from "./ranges";

/** Open-ended ranges are answered in chunks this size, within Convex's HTTP response limit. */
export const MAX_CHUNK = 8 * 1024 * 1024;

export function refusal(access: Exclude<MediaAccess, { kind: "ok" }>): Response {
  switch (access.kind) {
    case "expired":
      return jsonError(410, "GRANT_EXPIRED", "This access has expired.");
    case "gone":
      return jsonError(404, "SHARE_NOT_FOUND", "This share link no longer exists.");
    case "passwordRequired":
      return jsonError(401, "PASSWORD_REQUIRED", "This link needs a password (X-Share-Password header).");
    case "invalidPassword":
      return jsonError(401, "INVALID_PASSWORD", "The password is not right.");
    case "ipNotAllowed":
      return jsonError(403, "FORBIDDEN", "This link cannot be used from your network address.");
    case "limitReached":
      return jsonError(403, "LIMIT_REACHED", "This link has reached its viewer or view limit.");
    case "downloadLimit":
      return jsonError(403, "DOWNLOAD_LIMIT_REACHED", "This link has reached its download limit.");
    case "rateLimited":
      return jsonError(429, "RATE_LIMITED", "Too many requests; slow down.", { "Retry-After": String(Math.ceil(access.retryAfterMs / 1000)) });
    default:
      return jsonError(401, "INVALID_GRANT", "This access grant is not valid. Open the share link again.");
  }
}

/** `/<prefix>/<token>[/download]` → the token and whether a download is asked for; null for other paths. */
export function parseMediaPath(request: Request): { token: string; download: boolean } | null {
  const [, token, extra, ...rest] = new URL(request.url).pathname.split("/").filter(Boolean);
  if (!token || rest.length > 0 || (extra !== undefined && extra !== "download")) return null;
  return { token, download: extra === "download" };
}

/** Where the response starts, before any check: lets the caller count a download or view once. */
export function startsAtZero(request: Request): boolean {
  if (request.method !== "GET") return false;
  const range = request.headers.get("Range");
  return !range || /^bytes=\s*0-/.test(range.trim());
}

export async function mediaResponse(
  request: Request,
  media: Extract<MediaAccess, { kind: "ok" }>,
  opts: { download: boolean; extraHeaders?: Record<string, string>; getBlob: () => Promise<Blob | null> },
): Promise<Response> {
  const etag = etagOf(media.sha256);
  const headers: Record<string, string> = {
    ...PRIVATE_MEDIA_HEADERS,
    ...opts.extraHeaders,
    "Content-Type": media.contentType,
    "Accept-Ranges": "bytes",
    ETag: etag,
    "Content-Disposition": contentDisposition(opts.download ? "attachment" : "inline", media.fileName),
  };
  if (matchesEtag(request.headers.get("If-None-Match"), etag)) return new Response(null, { status: 304, headers });
  const ifRange = request.headers.get("If-Range");
  const range = decideRange(ifRange && ifRange !== etag ? null : request.headers.get("Range"), media.size, MAX_CHUNK);
  if (range.kind === "unsatisfiable") {
    return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${media.size}` } });
  }
  const start = range.kind === "partial" ? range.start : 0;
  const end = range.kind === "partial" ? range.end : media.size - 1;
  headers["Content-Length"] = String(media.size === 0 ? 0 : end - start + 1);
  if (range.kind === "partial") headers["Content-Range"] = `bytes ${start}-${end}/${media.size}`;
  const status = range.kind === "partial" ? 206 : 200;
  if (request.method === "HEAD") return new Response(null, { status, headers });
  const blob = await opts.getBlob();
  if (!blob) return jsonError(404, "FILE_NOT_FOUND", "The video file is missing.");
  return new Response(range.kind === "partial" ? blob.slice(start, end + 1) : blob, { status, headers });
}
