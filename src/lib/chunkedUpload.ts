/**
 * The browser's side of a chunked, resumable upload (convex/videoUploads.ts): every chunk is its
 * own POST to its own upload URL, several at once, each attached to the video as it lands. A
 * resume re-reads the chunks already stored and keeps those whose SHA-256 matches the file.
 */
import type { ReactAction, ReactMutation } from "convex/react";
import type { FunctionReference } from "convex/server";
import type { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import type { UploadState } from "../../convex/videoUploads";
import { formatBytes } from "./format";

type Mutation<F extends FunctionReference<"mutation">> = ReactMutation<F>;
export type ChunkApi = {
  begin: Mutation<typeof api.videoUploads.beginChunkedUpload>;
  chunkUrl: Mutation<typeof api.videoUploads.chunkUploadUrl>;
  attach: Mutation<typeof api.videoUploads.attachChunk>;
  finalize: ReactAction<typeof api.videoUploads.finalizeChunkedUpload>;
};
export type UploadProgress = { sent: number; total: number; bytesPerSecond: number; resumed: number };

/** Why the file cannot be uploaded because of its size (checked before anything is created or sent), or null. */
export function sizeProblem(file: File, maxBytes: number | undefined): string | null {
  if (maxBytes === undefined || file.size <= maxBytes) return null;
  return `${file.name} is ${formatBytes(file.size)}; the largest video you can upload is ${formatBytes(maxBytes)}. Nothing was uploaded.`;
}

/** Chunks in flight at once. */
export const PARALLEL_CHUNKS = 3;

export class UploadCancelled extends Error {}

/** SHA-256 of a Blob as `_storage.sha256` spells it (base64). */
export async function sha256Base64(blob: Blob): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
  let binary = "";
  for (const b of digest) binary += String.fromCharCode(b);
  return btoa(binary);
}

function post(url: string, body: Blob, type: string, requests: Set<XMLHttpRequest>, onProgress: (loaded: number) => void): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const request = new XMLHttpRequest();
    requests.add(request);
    request.open("POST", url);
    request.setRequestHeader("Content-Type", type);
    request.upload.onprogress = (e) => onProgress(e.loaded);
    request.onload = () => {
      requests.delete(request);
      if (request.status === 200) resolve((JSON.parse(request.responseText) as { storageId: string }).storageId);
      else reject(new Error(`Upload failed (${request.status}).`));
    };
    request.onerror = () => {
      requests.delete(request);
      reject(new Error("The upload was interrupted. Choose the same file again to resume."));
    };
    request.onabort = () => {
      requests.delete(request);
      reject(new UploadCancelled("Upload cancelled."));
    };
    request.send(body);
  });
}

/** Which chunks of `file` are still to send: missing, or stored with other bytes than the file's. */
export async function chunksToSend(file: File, state: UploadState): Promise<number[]> {
  const stored = new Map(state.chunks.map((c) => [c.index, c]));
  const todo: number[] = [];
  for (let index = 0; index < state.chunkCount; index++) {
    const chunk = stored.get(index);
    const slice = file.slice(index * state.chunkSize, (index + 1) * state.chunkSize);
    if (!chunk || chunk.size !== slice.size || chunk.sha256 !== (await sha256Base64(slice))) todo.push(index);
  }
  return todo;
}

/**
 * Uploads `file` into the video's chunks (resuming from what is stored), then finalizes.
 * `control.cancel()` aborts every request in flight; the caller removes the video.
 */
export async function uploadInChunks(
  apis: ChunkApi,
  videoId: Id<"videos">,
  file: File,
  opts: { chunkSize?: number; durationSeconds?: number; onProgress: (p: UploadProgress) => void; control: { cancel?: () => void } },
) {
  const type = file.type || "video/mp4";
  // Cancel works from the first moment the form offers it, before any chunk is on its way.
  const requests = new Set<XMLHttpRequest>();
  let cancelled = false;
  opts.control.cancel = () => {
    cancelled = true;
    for (const r of requests) r.abort();
  };
  const state = await apis.begin({ videoId, size: file.size, contentType: type, chunkSize: opts.chunkSize });
  const todo = await chunksToSend(file, state);
  if (cancelled) throw new UploadCancelled("Upload cancelled.");
  const sizeOf = (index: number) => Math.min(state.chunkSize, file.size - index * state.chunkSize);
  const resumed = file.size - todo.reduce((sum, i) => sum + sizeOf(i), 0);
  const inFlight = new Map<number, number>();
  let done = resumed;
  const started = performance.now();
  const report = () => {
    const sent = done + [...inFlight.values()].reduce((a, b) => a + b, 0);
    const seconds = (performance.now() - started) / 1000;
    opts.onProgress({ sent, total: file.size, bytesPerSecond: seconds > 0 ? (sent - resumed) / seconds : 0, resumed });
  };
  report();
  const queue = [...todo];
  const worker = async () => {
    // Each attach hands back the URL for this worker's next chunk: one round trip per chunk.
    let url: string | undefined;
    for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
      if (cancelled) throw new UploadCancelled("Upload cancelled.");
      url ??= await apis.chunkUrl({ videoId });
      // A cancel while the URL was on its way found no request to abort: none is started now.
      if (cancelled) throw new UploadCancelled("Upload cancelled.");
      const slice = file.slice(index * state.chunkSize, (index + 1) * state.chunkSize, type);
      const current = index;
      const storageId = await post(url, slice, type, requests, (loaded) => {
        inFlight.set(current, loaded);
        report();
      });
      const attached = await apis.attach({ videoId, index, storageId: storageId as Id<"_storage">, nextUrl: queue.length > 0 });
      if (!attached.ok) throw new Error(attached.message);
      url = attached.uploadUrl;
      inFlight.delete(index);
      done += slice.size;
      report();
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_CHUNKS }, worker));
  return await apis.finalize({ videoId, durationSeconds: opts.durationSeconds });
}
