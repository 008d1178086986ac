/**
 * Chunked, resumable uploads. A video is uploaded as ordered chunk files (lib/chunks.ts), each
 * its own Convex upload through the video's upload session (lib/uploads.ts), so no POST comes
 * near Convex's 2-minute upload limit. The browser declares the file (`beginChunkedUpload`),
 * asks a URL per chunk, attaches each stored chunk, and finalizes when every chunk is there.
 * An interrupted upload resumes from `uploadState`: the chunks stored so far with their digests.
 */
import { v, type Infer } from "convex/values";
import { authedInternalMutation, authedInternalQuery, authedMutation, authedQuery, publicAction } from "./functions";
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
import { containerOf, containerValidator, notAVideoMessage, notAVideoResult, readHead, typeFor } from "./lib/containers";
import { maxUploadBytes } from "./lib/env";
import { appError, invalid } from "./lib/errors";
import { requireVideoRole } from "./lib/permissions";
import { rateLimiter } from "./lib/rateLimits";
import { ALLOWED_TYPES, allowedType, consumeSessions, ensureOpenSession, requireOwnUpload, sessionsOf } from "./lib/uploads";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx, QueryCtx } from "./_generated/server";

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

/** What the upload form checks before sending a byte: the largest file accepted (MAX_UPLOAD_BYTES). */
export const uploadLimits = authedQuery({
  args: {},
  returns: v.object({ maxBytes: v.number() }),
  handler: async () => ({ maxBytes: maxUploadBytes() }),
});

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

/** A URL for one chunk's POST through an open upload session of the video, within the uploader's chunk budget. */
async function issueChunkUrl(ctx: MutationCtx & { userId: Id<"users"> }, video: Doc<"videos">) {
  const limit = await rateLimiter.limit(ctx, "uploadChunks", { key: ctx.userId });
  if (!limit.ok) throw appError("RATE_LIMITED", "Too many chunks at once; wait a moment.", { retryAfterMs: Math.ceil(limit.retryAfter) });
  await ensureOpenSession(ctx, video, ctx.userId, Date.now());
  return await ctx.storage.generateUploadUrl();
}

/** A URL for one chunk's POST, through an open upload session of the video. */
export const chunkUploadUrl = authedMutation({
  args: { videoId: v.id("videos") },
  returns: v.string(),
  handler: async (ctx, { videoId }) => {
    const { video } = await requireVideoRole(ctx, videoId, "member");
    if (video.status !== "uploading" || !video.uploadPlan) throw appError("INVALID_ARGUMENT", "Start the upload first.");
    return await issueChunkUrl(ctx, video);
  },
});

/**
 * Attaches a stored file as chunk `index`. The file must be this video's own upload (lib/uploads.ts)
 * and exactly the chunk's size; a wrong-sized file is deleted and refused. A chunk stored again
 * (a retry) replaces the earlier one. Returns the chunk's digest for the browser to compare and,
 * with `nextUrl`, the URL for the uploader's next chunk (one round trip per chunk instead of two).
 */
export const attachChunk = authedMutation({
  args: { videoId: v.id("videos"), index: v.number(), storageId: v.id("_storage"), nextUrl: v.optional(v.boolean()) },
  returns: v.union(v.object({ ok: v.literal(true), sha256: v.string(), uploadUrl: v.optional(v.string()) }), rejected),
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
    if (!args.nextUrl) return { ok: true as const, sha256: file.sha256 };
    return { ok: true as const, sha256: file.sha256, uploadUrl: await issueChunkUrl(ctx, video) };
  },
});

type Rejected = Infer<typeof rejected>;
const finalizeArgs = { videoId: v.id("videos"), durationSeconds: v.optional(v.number()) };

/**
 * The video's chunks when every one is stored with its planned size; otherwise the refusal (which
 * changes nothing). Throws for a video not being uploaded or a duration out of range.
 */
async function completeChunks(ctx: QueryCtx, video: Doc<"videos">, durationSeconds: number | undefined) {
  const plan = video.uploadPlan;
  if (video.status !== "uploading" || !plan) throw appError("INVALID_ARGUMENT", "Start the upload first.");
  const d = durationSeconds;
  if (d !== undefined && (!Number.isFinite(d) || d < 0 || d > 7 * 24 * 3600))
    throw invalid("Duration must be a number of seconds between 0 and one week.");
  const rows = await chunkRows(ctx, video._id);
  const count = chunkCountOf(plan);
  const missing = Array.from({ length: count }, (_, i) => i).filter(
    (i) => rows[i]?.index !== i || rows[i].size !== expectedChunkSize(plan, i),
  );
  if (rows.length !== count || missing.length > 0) {
    const refusal: Rejected = {
      ok: false,
      code: "UPLOAD_REJECTED",
      message: `${missing.length || rows.length - count} chunk(s) are missing; resume the upload.`,
    };
    return refusal;
  }
  return { ok: true as const, plan, rows };
}

/** Step 1 of finalize: every chunk is there; the first one's file, whose head the action reads. */
export const checkFinalize = authedInternalQuery({
  args: finalizeArgs,
  returns: v.union(v.object({ ok: v.literal(true), firstChunk: v.id("_storage") }), rejected),
  handler: async (ctx, args) => {
    const { video } = await requireVideoRole(ctx, args.videoId, "member");
    const complete = await completeChunks(ctx, video, args.durationSeconds);
    return complete.ok ? { ok: true as const, firstChunk: complete.rows[0].storageId } : complete;
  },
});

/**
 * Step 2 of finalize, given the container the first chunk's head showed (null: none). Makes the
 * video `ready` with its size, verified type, chunk layout and checksum (SHA-256 over the chunks'
 * digests). A file that is no video container, or was stored as a type that is not a video, is
 * refused: its chunks are deleted and the video marked `failed` with the reason.
 */
export const completeChunkedUpload = authedInternalMutation({
  args: { ...finalizeArgs, firstChunk: v.id("_storage"), container: v.union(containerValidator, v.null()) },
  returns: v.union(v.object({ ok: v.literal(true) }), rejected, notAVideoResult),
  handler: async (ctx, args) => {
    const { video } = await requireVideoRole(ctx, args.videoId, "member");
    const complete = await completeChunks(ctx, video, args.durationSeconds);
    if (!complete.ok) return complete;
    const { plan, rows } = complete;
    // A retry replaced chunk 0 between the read and now: what was read is not what would be served.
    if (rows[0].storageId !== args.firstChunk)
      return { ok: false as const, code: "UPLOAD_REJECTED" as const, message: "The upload changed while it was checked; finish it again." };
    const first = await ctx.db.system.get(rows[0].storageId);
    const storedType = allowedType(first?.contentType, "video");
    await consumeSessions(ctx, await sessionsOf(ctx, video._id, "video"), Date.now());
    const container = storedType === plan.contentType ? args.container : null;
    if (container === null) {
      const failure =
        storedType !== plan.contentType
          ? {
              code: "UPLOAD_REJECTED" as const,
              message: `Expected a ${plan.contentType} file, got ${first?.contentType ?? "an unknown type"}.`,
            }
          : { code: "NOT_A_VIDEO" as const, message: notAVideoMessage(plan.fileName) };
      await deleteChunks(ctx, video._id);
      await ctx.db.patch(video._id, { status: "failed", failureReason: failure.message, uploadPlan: undefined });
      return { ok: false as const, ...failure };
    }
    await ctx.db.patch(video._id, {
      status: "ready",
      storageId: rows[0].storageId,
      chunkSize: plan.chunkSize,
      sha256: await checksumOfChunks(rows.map((r) => r.sha256)),
      contentType: typeFor(container, plan.contentType),
      size: plan.size,
      durationSeconds: args.durationSeconds,
      uploadPlan: undefined,
    });
    return { ok: true as const };
  },
});

/**
 * Makes the video `ready` once every chunk is stored and its first bytes show a video container
 * (lib/containers.ts: read in this action, the only kind of function that may read stored bytes).
 * Missing chunks are refused and change nothing; a file that is no video throws NOT_A_VIDEO after
 * its chunks are removed and the video marked `failed`.
 */
export const finalizeChunkedUpload = publicAction({
  args: finalizeArgs,
  returns: v.union(v.object({ ok: v.literal(true) }), rejected),
  handler: async (ctx, args): Promise<{ ok: true } | Rejected> => {
    const check = await ctx.runQuery(internal.videoUploads.checkFinalize, args);
    if (!check.ok) return check;
    const blob = await ctx.storage.get(check.firstChunk);
    const container = blob ? containerOf(await readHead(blob)) : null;
    const done = await ctx.runMutation(internal.videoUploads.completeChunkedUpload, { ...args, firstChunk: check.firstChunk, container });
    if (done.ok || done.code === "UPLOAD_REJECTED") return done;
    throw appError("NOT_A_VIDEO", done.message);
  },
});
