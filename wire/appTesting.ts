/** Helpers for driving this repository's app over the embedded backend's wire (tests and benchmarks). */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConvexHttpClient } from "convex/browser";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";

/** The app's project folder (the repository root), as `spawnBackend({ projectDir })` takes it. */
export const APP_PROJECT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export type BackendUrls = { cloudUrl: string; siteUrl: string };

/** A single-use attempt ticket from POST /auth/attempt (every sign-in and sign-up needs one). */
export async function attemptTicket(siteUrl: string, email: string, flow: "signIn" | "signUp") {
  const res = await fetch(`${siteUrl}/auth/attempt`, { method: "POST", body: JSON.stringify({ email, flow }) });
  const body = (await res.json()) as { ticket?: string; error?: { message: string } };
  if (!res.ok || !body.ticket) throw new Error(`attempt ticket refused (${res.status}): ${body.error?.message}`);
  return body.ticket;
}

/** Signs up through Convex Auth's Password provider; returns an authenticated HTTP client. */
export async function signUp(backend: BackendUrls, email: string, name = email) {
  const http = new ConvexHttpClient(backend.cloudUrl);
  const result = (await http.action(api.auth.signIn, {
    provider: "password",
    params: {
      email,
      password: "correct-horse-battery",
      flow: "signUp",
      name,
      attemptTicket: await attemptTicket(backend.siteUrl, email, "signUp"),
    },
  })) as { tokens: { token: string } };
  http.setAuth(result.tokens.token);
  return { http, token: result.tokens.token };
}

/** An ISO base media `ftyp` box (24 bytes, brand isom): what every MP4 starts with (convex/lib/containers.ts checks it). */
const MP4_HEAD = [0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d];

/** The bytes with an MP4 header written over their start (in place), so the server takes them for a video. */
export function withMp4Head(bytes: Uint8Array): Uint8Array {
  bytes.set(MP4_HEAD.slice(0, bytes.length));
  return bytes;
}

/** A 22-byte body the server takes for an MP4 (an `ftyp` box, then ten digits): the default upload. */
export const TINY_MP4 = "\0\0\0\x18ftypisom0123456789";

/** create → upload URL → POST the bytes → finalize; fails unless the video ends up ready. */
export async function uploadReadyVideo(
  http: ConvexHttpClient,
  teamId: Id<"teams">,
  opts: { body: BodyInit; title?: string; fileName?: string; contentType?: string } = { body: TINY_MP4 },
) {
  const videoId = await http.mutation(api.videos.create, { teamId, title: opts.title ?? "Cut", fileName: opts.fileName ?? "cut.mp4" });
  const uploadUrl = await http.mutation(api.videos.generateUploadUrl, { videoId });
  const res = await fetch(uploadUrl, {
    method: "POST",
    body: opts.body,
    headers: { "Content-Type": opts.contentType ?? "video/mp4" },
    ...(opts.body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  const { storageId } = (await res.json()) as { storageId: Id<"_storage"> };
  const finalized = await http.action(api.videos.finalizeUpload, { videoId, storageId });
  if (!finalized.ok) throw new Error(`upload rejected: ${finalized.message}`);
  return { videoId, storageId };
}

/**
 * A chunked upload as the browser makes it (convex/videoUploads.ts): declare the file, POST each
 * chunk to its own upload URL (`parallel` at once), attach it, finalize.
 */
export async function uploadChunkedVideo(
  http: ConvexHttpClient,
  teamId: Id<"teams">,
  bytes: Uint8Array,
  opts: { chunkSize: number; title?: string; fileName?: string; contentType?: string; parallel?: number },
) {
  const contentType = opts.contentType ?? "video/mp4";
  const videoId = await http.mutation(api.videos.create, {
    teamId,
    title: opts.title ?? "Long cut",
    fileName: opts.fileName ?? "long.mp4",
  });
  const state = await http.mutation(api.videoUploads.beginChunkedUpload, {
    videoId,
    size: bytes.length,
    contentType,
    chunkSize: opts.chunkSize,
  });
  let next = 0;
  // As the browser does (src/lib/chunkedUpload.ts): each attach hands back the worker's next URL.
  const worker = async () => {
    let url: string | undefined;
    while (next < state.chunkCount) {
      const index = next++;
      url ??= await http.mutation(api.videoUploads.chunkUploadUrl, { videoId });
      const body = bytes.subarray(index * opts.chunkSize, Math.min(bytes.length, (index + 1) * opts.chunkSize));
      const res = await fetch(url, { method: "POST", body: body as BodyInit, headers: { "Content-Type": contentType } });
      const { storageId } = (await res.json()) as { storageId: Id<"_storage"> };
      const attached = await http.mutation(api.videoUploads.attachChunk, {
        videoId,
        index,
        storageId,
        nextUrl: next < state.chunkCount,
      });
      if (!attached.ok) throw new Error(attached.message);
      url = attached.uploadUrl;
    }
  };
  await Promise.all(Array.from({ length: opts.parallel ?? 3 }, worker));
  const done = await http.action(api.videoUploads.finalizeChunkedUpload, { videoId, durationSeconds: 60 });
  if (!done.ok) throw new Error(done.message);
  return { videoId };
}
