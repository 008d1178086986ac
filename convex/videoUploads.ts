/**
 * Chunked, resumable uploads. A video is uploaded as ordered chunk files (lib/chunks.ts), each
 * its own Convex upload through the video's upload session (lib/uploads.ts), so no POST comes
 * near Convex's 2-minute upload limit. The browser declares the file (`beginChunkedUpload`),
 * asks a URL per chunk, attaches each stored chunk, and finalizes when every chunk is there.
 * An interrupted upload resumes from `uploadState`: the chunks stored so far with their digests.
 */
import { v, type Infer } from "convex/values";
import { authedMutation, authedQuery } from "./functions";
import { chunkAt, chunkRows, deleteChunks } from "./lib/chunkStore";
import {
  checksumOfChunks,
  chunkCountOf,
  DEFAULT_CHUNK_SIZE,
  expectedChunkSize,
  MAX_CHUNK_SIZE,
  MAX_CHUNKS,
  MIN_CHUNK_SIZE,
} from "./lib/chunks";
import { maxUploadBytes } from "./lib/env";
import { appError, invalid } from "./lib/errors";
import { requireVideoRole } from "./lib/permissions";
import { rateLimiter } from "./lib/rateLimits";
import { ALLOWED_TYPES, allowedType, consumeSessions, ensureOpenSession, requireOwnUpload, sessionsOf } from "./lib/uploads";
import type { Doc } from "./_generated/dataModel";
import type { QueryCtx } from "./_generated/server";

export const uploadState = v.object({
  size: v.number(),
  chunkSize: v.number(),
  contentType: v.string(),
  fileName: v.string(),
  chunkCount: v.number(),
  /** The chunks stored so far: index, size and `_storage.sha256` (base64) to compare with the file. */
  chunks: v.array(v.object({ index: v.number(), size: v.number(), sha256: v.string() })),
});
export type UploadState = Infer<typeof uploadState>;

const rejected = v.object({ ok: v.literal(false), code: v.literal("UPLOAD_REJECTED"), message: v.string() });

async function stateOf(ctx: QueryCtx, video: Doc<"videos">): Promise<UploadState | null> {
  const plan = video.uploadPlan;
  if (!plan || video.status !== "uploading") return null;
  const rows = await chunkRows(ctx, video._id);
  return { ...plan, chunkCount: chunkCountOf(plan), chunks: rows.map((r) => ({ index: r.index, size: r.size, sha256: r.sha256 })) };
}

/** The chunked upload in progress for this video (null when none): what a resume starts from. */
export const getUploadState = authedQuery({
  args: { videoId: v.id("videos") },
  returns: v.union(uploadState, v.null()),
  handler: async (ctx, { videoId }) => {
    const { video } = await requireVideoRole(ctx, videoId, "member");
    return await stateOf(ctx, video);
  },
});

/**
 * Declares the file a chunked upload is for. Calling it again with the same file (a resume)
 * keeps the chunks stored so far; a different file is refused while chunks of the first are stored.
 */
export const beginChunkedUpload = authedMutation({
  args: { videoId: v.id("videos"), size: v.number(), contentType: v.string(), chunkSize: v.optional(v.number()) },
  returns: uploadState,
  handler: async (ctx, args) => {
    const { video } = await requireVideoRole(ctx, args.videoId, "member");
    if (video.status !== "uploading") throw appError("INVALID_ARGUMENT", "This video has already been uploaded.");
    const chunkSize = args.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
      throw invalid(`Chunk size must be between ${MIN_CHUNK_SIZE} and ${MAX_CHUNK_SIZE} bytes.`);
    }
    if (!Number.isInteger(args.size) || args.size <= 0) throw invalid("The file is empty.");
    if (args.size > maxUploadBytes())
      throw appError("UPLOAD_REJECTED", `The file is ${args.size} bytes; the limit is ${maxUploadBytes()} bytes.`);
    if (chunkCountOf({ size: args.size, chunkSize }) > MAX_CHUNKS)
      throw invalid("The file needs too many chunks; use a larger chunk size.");
    const contentType = allowedType(args.contentType, "video");
    if (!contentType)
      throw appError(
        "UPLOAD_REJECTED",
        `Expected a video file (${ALLOWED_TYPES.video.join(", ")}), got ${args.contentType || "an unknown type"}.`,
      );
    const plan = { size: args.size, chunkSize, contentType, fileName: video.fileName };
    const current = video.uploadPlan;
    const same = current && current.size === plan.size && current.chunkSize === plan.chunkSize && current.contentType === plan.contentType;
    if (!same) {
      if (current && (await chunkRows(ctx, video._id)).length > 0) {
        throw appError("UPLOAD_REJECTED", "This upload was started with a different file; choose the same file to resume, or cancel it.");
      }
      await ctx.db.patch(video._id, { uploadPlan: plan });
    }
    await ensureOpenSession(ctx, video, ctx.userId, Date.now());
    return (await stateOf(ctx, { ...video, uploadPlan: plan }))!;
  },
});

/** A URL for one chunk's POST, through an open upload session of the video. */
export const chunkUploadUrl = authedMutation({
  args: { videoId: v.id("videos") },
  returns: v.string(),
  handler: async (ctx, { videoId }) => {
    const { video } = await requireVideoRole(ctx, videoId, "member");
    if (video.status !== "uploading" || !video.uploadPlan) throw appError("INVALID_ARGUMENT", "Start the upload first.");
    const limit = await rateLimiter.limit(ctx, "uploadChunks", { key: ctx.userId });
    if (!limit.ok) throw appError("RATE_LIMITED", "Too many chunks at once; wait a moment.", { retryAfterMs: Math.ceil(limit.retryAfter) });
    await ensureOpenSession(ctx, video, ctx.userId, Date.now());
    return await ctx.storage.generateUploadUrl();
  },
});

/**
 * Attaches a stored file as chunk `index`. The file must be this video's own upload (lib/uploads.ts)
 * and exactly the chunk's size; a wrong-sized file is deleted and refused. A chunk stored again
 * (a retry) replaces the earlier one. Returns the chunk's digest for the browser to compare.
 */
export const attachChunk = authedMutation({
  args: { videoId: v.id("videos"), index: v.number(), storageId: v.id("_storage") },
  returns: v.union(v.object({ ok: v.literal(true), sha256: v.string() }), rejected),
  handler: async (ctx, args) => {
    const { video } = await requireVideoRole(ctx, args.videoId, "member");
    const plan = video.uploadPlan;
    if (video.status !== "uploading" || !plan) throw appError("INVALID_ARGUMENT", "Start the upload first.");
    const expected = expectedChunkSize(plan, args.index);
    if (expected === null) throw invalid(`This file has no chunk ${args.index}.`);
    const { file } = await requireOwnUpload(ctx, video._id, "video", args.storageId);
    if (file.size !== expected) {
      await ctx.storage.delete(file._id);
      return {
        ok: false as const,
        code: "UPLOAD_REJECTED" as const,
        message: `Chunk ${args.index} must be ${expected} bytes; ${file.size} were stored.`,
      };
    }
    const earlier = await chunkAt(ctx, video._id, args.index);
    if (earlier) {
      await ctx.storage.delete(earlier.storageId);
      await ctx.db.delete(earlier._id);
    }
    await ctx.db.insert("videoChunks", {
      videoId: video._id,
      index: args.index,
      storageId: file._id,
      size: file.size,
      sha256: file.sha256,
    });
    return { ok: true as const, sha256: file.sha256 };
  },
});

/**
 * Makes the video `ready` once every chunk is stored: its size, verified type, chunk layout and
 * checksum (SHA-256 over the chunks' digests). Missing chunks are refused and change nothing.
 */
export const finalizeChunkedUpload = authedMutation({
  args: { videoId: v.id("videos"), durationSeconds: v.optional(v.number()) },
  returns: v.union(v.object({ ok: v.literal(true) }), rejected),
  handler: async (ctx, args) => {
    const { video } = await requireVideoRole(ctx, args.videoId, "member");
    const plan = video.uploadPlan;
    if (video.status !== "uploading" || !plan) throw appError("INVALID_ARGUMENT", "Start the upload first.");
    const d = args.durationSeconds;
    if (d !== undefined && (!Number.isFinite(d) || d < 0 || d > 7 * 24 * 3600))
      throw invalid("Duration must be a number of seconds between 0 and one week.");
    const rows = await chunkRows(ctx, video._id);
    const count = chunkCountOf(plan);
    const missing = Array.from({ length: count }, (_, i) => i).filter(
      (i) => rows[i]?.index !== i || rows[i].size !== expectedChunkSize(plan, i),
    );
    if (rows.length !== count || missing.length > 0) {
      return {
        ok: false as const,
        code: "UPLOAD_REJECTED" as const,
        message: `${missing.length || rows.length - count} chunk(s) are missing; resume the upload.`,
      };
    }
    const first = await ctx.db.system.get(rows[0].storageId);
    const storedType = allowedType(first?.contentType, "video");
    await consumeSessions(ctx, await sessionsOf(ctx, video._id, "video"), Date.now());
    if (storedType !== plan.contentType) {
      await deleteChunks(ctx, video._id);
      const problem = `Expected a ${plan.contentType} file, got ${first?.contentType ?? "an unknown type"}.`;
      await ctx.db.patch(video._id, { status: "failed", failureReason: problem, uploadPlan: undefined });
      return { ok: false as const, code: "UPLOAD_REJECTED" as const, message: problem };
    }
    await ctx.db.patch(video._id, {
      status: "ready",
      storageId: rows[0].storageId,
      chunkSize: plan.chunkSize,
      sha256: await checksumOfChunks(rows.map((r) => r.sha256)),
      contentType: plan.contentType,
      size: plan.size,
      durationSeconds: d,
      uploadPlan: undefined,
    });
    return { ok: true as const };
  },
});
