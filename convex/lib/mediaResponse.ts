/** Turns a media access decision and a request into the HTTP response (statuses, ranges, ETag). */
import type { MediaAccess } from "../media";
import { contentDisposition, jsonError, PRIVATE_MEDIA_HEADERS } from "./mediaHeaders";
import { byteRequestOf, planBytes } from "./ranges";

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

export async function mediaResponse(
  request: Request,
  media: Extract<MediaAccess, { kind: "ok" }>,
  opts: { download: boolean; extraHeaders?: Record<string, string>; getBlob: () => Promise<Blob | null> },
): Promise<Response> {
  // The same plan the media mutation counted the bytes by.
  const plan = planBytes(byteRequestOf(request), media, MAX_CHUNK);
  const headers: Record<string, string> = {
    ...PRIVATE_MEDIA_HEADERS,
    ...opts.extraHeaders,
    "Content-Type": media.contentType,
    "Accept-Ranges": "bytes",
    ETag: plan.etag,
    "Content-Disposition": contentDisposition(opts.download ? "attachment" : "inline", media.fileName),
  };
  if (plan.kind === "notModified") return new Response(null, { status: 304, headers });
  if (plan.kind === "unsatisfiable") {
    return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${media.size}` } });
  }
  const { start, end, status } = plan;
  headers["Content-Length"] = String(media.size === 0 ? 0 : end - start + 1);
  if (status === 206) headers["Content-Range"] = `bytes ${start}-${end}/${media.size}`;
  if (plan.head) return new Response(null, { status, headers });
  const blob = await opts.getBlob();
  if (!blob) return jsonError(404, "FILE_NOT_FOUND", "The video file is missing.");
  return new Response(status === 206 ? blob.slice(start, end + 1) : blob, { status, headers });
}
