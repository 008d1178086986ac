/**
 * Moves videos stored before chunking (one storage file, no `chunkSize`) to the chunk layout
 * (lib/chunks.ts), the only one Convex can serve past 8 MiB: a Range deep into a single file would
 * need `slice()`, which on Convex re-reads the file from byte 0. `rechunk` reads the old file once,
 * front to back, stores it as chunk files, and `switchToChunks` makes the video use them (size,
 * type, checksum as a finalized chunked upload has them) and deletes the old file.
 * `backfill` schedules `rechunk` for every legacy video in bounded pages; it also runs daily
 * (crons.ts). One-shot: `npx convex run legacyMigration:backfill`.
 */
import { v, type Infer } from "convex/values";
import { internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { internalAction } from "./_generated/server";
import { internalMutation, internalQuery } from "./functions";
import {
  checksumOfChunks,
  chunkCountOf,
  DEFAULT_CHUNK_SIZE,
  expectedChunkSize,
  MAX_CHUNK_SIZE,
  MAX_CHUNKS,
  MIN_CHUNK_SIZE,
} from "./lib/chunks";
import { fixedChunks } from "./lib/fixedChunks";

/** Legacy videos scheduled per backfill page; the next page waits, so few re-chunkings run at once. */
export const BACKFILL_PAGE = 10;
export const BACKFILL_PAGE_SPACING_MS = 60_000;

export const rechunkOutcome = v.union(
  v.literal("rechunked"),
  /** Already chunked, removed, or never stored: nothing to do. */
  v.literal("notLegacy"),
  /** An empty file: served as is (no chunk files exist for 0 bytes). */
  v.literal("empty"),
  /** The old file is gone from storage. */
  v.literal("missing"),
  /** The video or the new chunk files changed meanwhile: the new files were deleted, the video left as it was. */
  v.literal("changed"),
);
export type RechunkOutcome = Infer<typeof rechunkOutcome>;

const legacySource = v.union(v.object({ storageId: v.id("_storage"), size: v.number(), contentType: v.string() }), v.null());

/** The legacy file of a video, or null when the video is not (or no longer) in the single-file layout. */
export const source = internalQuery({
  args: { videoId: v.id("videos") },
  returns: legacySource,
  handler: async (ctx, { videoId }) => {
    const video = await ctx.db.get(videoId);
    if (!video || video.status !== "ready" || !video.storageId || video.chunkSize !== undefined) return null;
    const file = await ctx.db.system.get(video.storageId);
    return {
      storageId: video.storageId,
      size: file?.size ?? video.size ?? 0,
      contentType: video.contentType ?? "application/octet-stream",
    };
  },
});

/** Re-chunks one legacy video. `chunkSize` defaults to the upload's (8 MiB). */
export const rechunk = internalAction({
  args: { videoId: v.id("videos"), chunkSize: v.optional(v.number()) },
  returns: rechunkOutcome,
  handler: async (ctx, { videoId, chunkSize = DEFAULT_CHUNK_SIZE }): Promise<RechunkOutcome> => {
    if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
      throw new Error(`Chunk size must be between ${MIN_CHUNK_SIZE} and ${MAX_CHUNK_SIZE} bytes.`);
    }
    const legacy = await ctx.runQuery(internal.legacyMigration.source, { videoId });
    if (!legacy) return "notLegacy";
    if (legacy.size === 0) return "empty";
    if (chunkCountOf({ size: legacy.size, chunkSize }) > MAX_CHUNKS)
      throw new Error("The file needs too many chunks; use a larger chunk size.");
    // The one read of the old file: its stream, front to back (never slice()).
    const blob = await ctx.storage.get(legacy.storageId);
    if (!blob) return "missing";
    const chunks: Id<"_storage">[] = [];
    try {
      for await (const piece of fixedChunks(blob.stream(), chunkSize)) {
        chunks.push(await ctx.storage.store(new Blob([piece as BlobPart], { type: legacy.contentType })));
      }
    } catch (error) {
      for (const id of chunks) await ctx.storage.delete(id);
      throw error;
    }
    return await ctx.runMutation(internal.legacyMigration.switchToChunks, { videoId, from: legacy.storageId, chunkSize, chunks });
  },
});

/**
 * Makes the video use the chunk files if it is still the same legacy video and every file is
 * there with its planned size; then deletes the old file. Otherwise deletes the new files and
 * changes nothing else.
 */
export const switchToChunks = internalMutation({
  args: { videoId: v.id("videos"), from: v.id("_storage"), chunkSize: v.number(), chunks: v.array(v.id("_storage")) },
  returns: rechunkOutcome,
  handler: async (ctx, { videoId, from, chunkSize, chunks }): Promise<RechunkOutcome> => {
    const discard = async (outcome: RechunkOutcome) => {
      for (const id of chunks) if (await ctx.db.system.get(id)) await ctx.storage.delete(id);
      return outcome;
    };
    const video = await ctx.db.get(videoId);
    if (!video || video.status !== "ready" || video.storageId !== from || video.chunkSize !== undefined) return await discard("notLegacy");
    const old = await ctx.db.system.get(from);
    if (!old) return await discard("missing");
    const layout = { size: old.size, chunkSize };
    const files = await Promise.all(chunks.map((id) => ctx.db.system.get(id)));
    // A file swept or cut short meanwhile: the old file keeps serving; a later backfill retries.
    if (files.length !== chunkCountOf(layout) || files.some((f, i) => !f || f.size !== expectedChunkSize(layout, i))) {
      return await discard("changed");
    }
    const digests: string[] = [];
    for (const [index, file] of files.entries()) {
      await ctx.db.insert("videoChunks", { videoId, index, storageId: file!._id, size: file!.size, sha256: file!.sha256 });
      digests.push(file!.sha256);
    }
    await ctx.db.patch(videoId, {
      storageId: chunks[0],
      chunkSize,
      size: old.size,
      sha256: await checksumOfChunks(digests),
      // The type verified when it was finalized, as the chunk layout keeps it.
      contentType: video.contentType ?? "application/octet-stream",
    });
    await ctx.storage.delete(from);
    return "rechunked";
  },
});

/** Schedules `rechunk` for one page of legacy (ready, unchunked) videos, then the next page. */
export const backfill = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())), chunkSize: v.optional(v.number()) },
  returns: v.object({ scheduled: v.number(), done: v.boolean() }),
  handler: async (ctx, { cursor, chunkSize }) => {
    const page = await ctx.db
      .query("videos")
      .withIndex("by_chunkSize_status", (q) => q.eq("chunkSize", undefined).eq("status", "ready"))
      .paginate({ numItems: BACKFILL_PAGE, cursor: cursor ?? null });
    let scheduled = 0;
    for (const video of page.page) {
      if (!video.storageId || video.size === 0) continue;
      await ctx.scheduler.runAfter(0, internal.legacyMigration.rechunk, { videoId: video._id, chunkSize });
      scheduled++;
    }
    if (!page.isDone) {
      await ctx.scheduler.runAfter(BACKFILL_PAGE_SPACING_MS, internal.legacyMigration.backfill, { cursor: page.continueCursor, chunkSize });
    }
    return { scheduled, done: page.isDone };
  },
});
