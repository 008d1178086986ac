/** Turns a media access decision and a request into the HTTP response (statuses, ranges, ETag). */
import type { MediaFile } from "../media";
import type { Id } from "../_generated/dataModel";
import { contentDisposition, jsonError, PRIVATE_MEDIA_HEADERS } from "./mediaHeaders";
import { byteRequestOf, planBytes } from "./ranges";
import { refusalHttp, type Refused } from "./refusals";

/** A refused media request as HTTP: the same status, code and words as every other route (lib/refusals.ts). */
export function refusalResponse(refused: Refused): Response {
  const { status, code, message, retryAfterSeconds } = refusalHttp(refused.reason, refused.retryAfterMs);
  return jsonError(status, code, message, retryAfterSeconds === undefined ? {} : { "Retry-After": String(retryAfterSeconds) });
}

type Part = MediaFile["parts"][number];

/** The part's bytes of its chunk Blob: the Blob itself when whole, else one slice taken before it is read (Convex Blobs read once). */
function bytesOf(blob: Blob, part: Part): Blob {
  return part.from === 0 && part.to === blob.size ? blob : blob.slice(part.from, part.to);
}

/** The parts' bytes in order as one stream, each chunk Blob read once. */
function concat(blobs: Blob[]): ReadableStream<Uint8Array> {
  let index = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (!reader) {
          if (index >= blobs.length) return controller.close();
          reader = blobs[index++].stream().getReader();
        }
        const { done, value } = await reader.read();
        if (!done) return controller.enqueue(value);
        reader = null;
      }
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  });
}

export async function mediaResponse(
  request: Request,
  media: MediaFile,
  opts: {
    download: boolean;
    extraHeaders?: Record<string, string>;
    getBlob: (storageId: Id<"_storage">) => Promise<Blob | null>;
    /** Records what the answer counts once its Blobs are in hand (media.ts recordServed); a refusal instead of the bytes. */
    beforeSend?: () => Promise<Refused | null>;
  },
): Promise<Response> {
  // The same plan the media mutation chose the parts and counted the bytes by.
  const plan = planBytes(byteRequestOf(request), media);
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
  if (plan.kind === "rangeRequired") return refusalResponse({ ok: false, reason: "rangeRequired" });
  const { start, end, status } = plan;
  headers["Content-Length"] = String(media.size === 0 ? 0 : end - start + 1);
  if (status === 206) headers["Content-Range"] = `bytes ${start}-${end}/${media.size}`;
  if (plan.head || media.size === 0) return new Response(null, { status, headers });
  // Every Blob is fetched before the answer starts, so a missing chunk is a 404, never a cut body.
  const blobs: Blob[] = [];
  for (const part of media.parts) {
    const blob = await opts.getBlob(part.storageId);
    if (!blob) return jsonError(404, "FILE_NOT_FOUND", "The video file is missing.");
    blobs.push(bytesOf(blob, part));
  }
  const refused = await opts.beforeSend?.();
  if (refused) return refusalResponse(refused);
  return new Response(blobs.length === 1 ? blobs[0] : concat(blobs), { status, headers });
}
