/** The videoChunks rows of a video: read in order, looked up by index, deleted with their files. */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { MAX_CHUNKS } from "./chunks";

export async function chunkRows(ctx: QueryCtx, videoId: Id<"videos">): Promise<Doc<"videoChunks">[]> {
  return await ctx.db
    .query("videoChunks")
    .withIndex("by_video_index", (q) => q.eq("videoId", videoId))
    .take(MAX_CHUNKS);
}

export async function chunkAt(ctx: QueryCtx, videoId: Id<"videos">, index: number) {
  return await ctx.db
    .query("videoChunks")
    .withIndex("by_video_index", (q) => q.eq("videoId", videoId).eq("index", index))
    .unique();
}

/** Deletes every chunk row of the video and its file (cancel, delete, a rejected upload). */
export async function deleteChunks(ctx: MutationCtx, videoId: Id<"videos">) {
  for (const row of await chunkRows(ctx, videoId)) {
    await ctx.storage.delete(row.storageId);
    await ctx.db.delete(row._id);
  }
}
