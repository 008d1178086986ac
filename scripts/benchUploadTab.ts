/**
 * Loaded into a browser tab by `npm run bench:media` (served by Vite): the chunked upload the
 * library's upload form runs (src/lib/chunkedUpload.ts, the same module), of a file the bench
 * picked in an <input type="file">, through a client of its own signed in with the bench's token.
 */
import { ConvexClient } from "convex/browser";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { uploadInChunks, type ChunkApi } from "../src/lib/chunkedUpload";

export async function uploadPicked(cloudUrl: string, token: string, teamId: string, input: HTMLInputElement) {
  const file = input.files?.[0];
  if (!file) throw new Error("no file picked");
  const client = new ConvexClient(cloudUrl);
  client.setAuth(async () => token);
  try {
    // The form's calls, made by the client rather than React hooks.
    const apis = {
      begin: (args: Parameters<ChunkApi["begin"]>[0]) => client.mutation(api.videoUploads.beginChunkedUpload, args),
      chunkUrl: (args: Parameters<ChunkApi["chunkUrl"]>[0]) => client.mutation(api.videoUploads.chunkUploadUrl, args),
      attach: (args: Parameters<ChunkApi["attach"]>[0]) => client.mutation(api.videoUploads.attachChunk, args),
      finalize: (args: Parameters<ChunkApi["finalize"]>[0]) => client.action(api.videoUploads.finalizeChunkedUpload, args),
    } as unknown as ChunkApi;
    const videoId = await client.mutation(api.videos.create, { teamId: teamId as Id<"teams">, title: "Bench", fileName: file.name });
    const started = performance.now();
    const done = await uploadInChunks(apis, videoId, file, { durationSeconds: 60, onProgress: () => undefined, control: {} });
    if (!done.ok) throw new Error(done.message);
    return { seconds: (performance.now() - started) / 1000, bytes: file.size };
  } finally {
    await client.close();
  }
}
