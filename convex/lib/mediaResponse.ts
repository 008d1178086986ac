/** Turns a media access decision and a request into the HTTP response (statuses, ranges, ETag). */
import type { MediaFile } from "../media";
import { contentDisposition, jsonError, PRIVATE_MEDIA_HEADERS } from "./mediaHeaders";
import { byteRequestOf, planBytes } from "./ranges";
import { refusalHttp, type Refused } from "./refusals";

/** Open-ended ranges are answered in chunks this size, within Convex's HTTP response limit. */
export const MAX_CHUNK = 8 * 1024 * 1024;

/** A refused media request as HTTP: the same status, code and words as every other route (lib/refusals.ts). */
export function refusalResponse(refused: Refused): Response {
  const { status, code, message, retryAfterSeconds } = refusalHttp(refused.reason, refused.retryAfterMs);
  return jsonError(status, code, message, retryAfterSeconds === undefined ? {} : { "Retry-After": String(retryAfterSeconds) });
}

export async function mediaResponse(
  request: Request,
  media: MediaFile,
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
