import { httpRouter } from "convex/server";
import { internal } from "./_generated/api";
import { httpAction } from "./_generated/server";
import { auth } from "./auth";
import { contentDisposition, jsonError, PRIVATE_MEDIA_HEADERS } from "./lib/mediaHeaders";
import { decideRange, etagOf, matchesEtag } from "./lib/ranges";

const http = httpRouter();
auth.addHttpRoutes(http);

/** Open-ended ranges are answered in chunks this size, within Convex's HTTP response limit. */
const MAX_CHUNK = 8 * 1024 * 1024;

/**
 * GET|HEAD /media/<grantToken>[/download]: every request re-checks the grant and its link.
 * 401 unknown grant, 410 expired, 404 link or video gone, 403 download not allowed.
 */
const serveMedia = httpAction(async (ctx, request) => {
  const parts = new URL(request.url).pathname.split("/").filter(Boolean); // ["media", token, "download"?]
  const [, grantToken = "", extra] = parts;
  const download = extra === "download";
  if (parts.length > 3 || (extra !== undefined && !download)) return jsonError(404, "NOT_FOUND", "No such media route.");
  const media = await ctx.runQuery(internal.media.resolveGrant, { grantToken });
  if (media.kind !== "ok") {
    if (media.kind === "expired") return jsonError(410, "GRANT_EXPIRED", "This access has expired.");
    if (media.kind === "gone") return jsonError(404, "SHARE_NOT_FOUND", "This share link no longer exists.");
    return jsonError(401, "INVALID_GRANT", "This access grant is not valid. Open the share link again.");
  }
  if (download && !media.allowDownload) return jsonError(403, "DOWNLOAD_DISABLED", "Downloads are turned off for this link.");

  const etag = etagOf(media.sha256);
  const headers: Record<string, string> = {
    ...PRIVATE_MEDIA_HEADERS,
    "Content-Type": media.contentType,
    "Accept-Ranges": "bytes",
    ETag: etag,
    "Content-Disposition": contentDisposition(download ? "attachment" : "inline", media.fileName),
  };
  if (matchesEtag(request.headers.get("If-None-Match"), etag)) return new Response(null, { status: 304, headers });
  const ifRange = request.headers.get("If-Range");
  const range = decideRange(ifRange && ifRange !== etag ? null : request.headers.get("Range"), media.size, MAX_CHUNK);
  if (range.kind === "unsatisfiable") {
    return new Response(null, { status: 416, headers: { ...headers, "Content-Range": `bytes */${media.size}` } });
  }
  const start = range.kind === "partial" ? range.start : 0;
  const end = range.kind === "partial" ? range.end : media.size - 1;
  if (download && start === 0 && request.method === "GET") {
    await ctx.runMutation(internal.media.countDownload, { grantToken });
  }
  headers["Content-Length"] = String(media.size === 0 ? 0 : end - start + 1);
  if (range.kind === "partial") headers["Content-Range"] = `bytes ${start}-${end}/${media.size}`;
  const status = range.kind === "partial" ? 206 : 200;
  if (request.method === "HEAD") return new Response(null, { status, headers });
  const blob = await ctx.storage.get(media.storageId);
  if (!blob) return jsonError(404, "FILE_NOT_FOUND", "The video file is missing.");
  return new Response(range.kind === "partial" ? blob.slice(start, end + 1) : blob, { status, headers });
});

// HEAD requests are routed to GET handlers (by Convex and the local backend); the body is dropped.
http.route({ pathPrefix: "/media/", method: "GET", handler: serveMedia });

export default http;
