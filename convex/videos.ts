import { v, type Infer } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc } from "./_generated/dataModel";
import type { MutationCtx, QueryCtx } from "./_generated/server";
import {
  authedInternalMutation,
  authedInternalQuery,
  authedMutation,
  authedQuery,
  internalMutation,
  publicAction,
  publicQuery,
} from "./functions";
import { deleteChunks } from "./lib/chunkStore";
import { containerOf, containerValidator, notAVideoMessage, notAVideoResult, readHead, typeFor } from "./lib/containers";
import { findUsableGrant } from "./lib/shareAccess";
import { grantTerms, grantTermsFields, sharedVideo, sharedVideoFields } from "./lib/sharedVideo";
import { appError, invalid } from "./lib/errors";
import { maxUploadBytes } from "./lib/env";
import { requireTeamRole, requireVideoRole } from "./lib/permissions";
import { optionalText, requireText } from "./lib/text";
import { rateLimiter } from "./lib/rateLimits";
import { videoSearchText } from "./lib/search";
import { ALLOWED_TYPES, allowedType, consumeSessions, openUploadSession, requireOwnUpload, type StoredFile } from "./lib/uploads";
import { uploadPurposeValidator, videoStatusValidator, type UploadPurpose } from "./lib/validators";

export const videoSummary = v.object({
  videoId: v.id("videos"),
  teamId: v.id("teams"),
  title: v.string(),
  description: v.string(),
  fileName: v.string(),
  status: videoStatusValidator,
  contentType: v.union(v.string(), v.null()),
  size: v.union(v.number(), v.null()),
  durationSeconds: v.union(v.number(), v.null()),
  failureReason: v.union(v.string(), v.null()),
  /** Whether the video has a poster (members fetch it through their playback grant, playback.ts). */
  hasPoster: v.boolean(),
  createdAt: v.number(),
});

const uploadResult = v.union(
  v.object({ ok: v.literal(true) }),
  v.object({ ok: v.literal(false), code: v.literal("UPLOAD_REJECTED"), message: v.string() }),
);

export async function toSummary(ctx: QueryCtx, video: Doc<"videos">) {
  return {
    videoId: video._id,
    teamId: video.teamId,
    title: video.title,
    description: video.description,
    fileName: video.fileName,
    status: video.status,
    contentType: video.contentType ?? null,
    size: video.size ?? null,
    durationSeconds: video.durationSeconds ?? null,
    failureReason: video.failureReason ?? null,
    // No storage URL reaches the browser: those are bearer URLs that outlive a membership.
    hasPoster: video.posterStorageId !== undefined,
    createdAt: video._creationTime,
  };
}

function checkDuration(durationSeconds: number | undefined) {
  if (durationSeconds === undefined) return;
  if (!Number.isFinite(durationSeconds) || durationSeconds < 0 || durationSeconds > 7 * 24 * 3600) {
    throw invalid("Duration must be a number of seconds between 0 and one week.");
  }
}

/** Step 1 of an upload: the library entry, in state `uploading`. */
export const create = authedMutation({
  args: {
    teamId: v.id("teams"),
    title: v.string(),
    description: v.optional(v.string()),
    fileName: v.string(),
  },
  returns: v.id("videos"),
  handler: async (ctx, args) => {
    await requireTeamRole(ctx, args.teamId, "member");
    const title = requireText(args.title, "Title", 200);
    const description = optionalText(args.description, "Description", 5000);
    return await ctx.db.insert("videos", {
      teamId: args.teamId,
      title,
      description,
      searchText: videoSearchText({ title, description }),
      fileName: requireText(args.fileName, "File name", 255),
      status: "uploading",
      uploadedBy: ctx.userId,
    });
  },
});

/**
 * Step 2: a URL the browser POSTs the file (or `purpose: "poster"`, its poster image) to. The
 * URL is bound to this video: only a file stored through it can be attached (lib/uploads.ts).
 */
export const generateUploadUrl = authedMutation({
  args: { videoId: v.id("videos"), purpose: v.optional(uploadPurposeValidator) },
  returns: v.string(),
  handler: async (ctx, { videoId, purpose = "video" }) => {
    const { video } = await requireVideoRole(ctx, videoId, "member");
    if (purpose === "video" && video.status !== "uploading") {
      throw appError("INVALID_ARGUMENT", "This video has already been uploaded.");
    }
    const limit = await rateLimiter.limit(ctx, "uploadUrls", { key: ctx.userId });
    if (!limit.ok)
      throw appError("RATE_LIMITED", "Too many uploads started; wait a minute.", { retryAfterMs: Math.ceil(limit.retryAfter) });
    await openUploadSession(ctx, video, purpose, ctx.userId, Date.now());
    return await ctx.storage.generateUploadUrl();
  },
});

const finalizeArgs = { videoId: v.id("videos"), storageId: v.id("_storage"), durationSeconds: v.optional(v.number()) };

/** Step 3a: the caller may finalize this video with this file (its own upload); throws otherwise. Reads only. */
export const checkUpload = authedInternalQuery({
  args: finalizeArgs,
  returns: v.null(),
  handler: async (ctx, args) => {
    const { video } = await requireVideoRole(ctx, args.videoId, "member");
    checkDuration(args.durationSeconds);
    if (video.status !== "uploading") throw appError("INVALID_ARGUMENT", "This video has already been uploaded.");
    await requireOwnUpload(ctx, video._id, "video", args.storageId);
    return null;
  },
});

/**
 * Step 3b, given the container the file's head showed (null: none, lib/containers.ts): a file of
 * an allowed video type within the size limit that is a video container makes the video `ready`;
 * anything else is deleted and the video marked `failed` with the reason. A file not uploaded
 * for this video is refused without changing anything.
 */
export const completeUpload = authedInternalMutation({
  args: { ...finalizeArgs, container: v.union(containerValidator, v.null()) },
  returns: v.union(uploadResult, notAVideoResult),
  handler: async (ctx, args) => {
    const { video } = await requireVideoRole(ctx, args.videoId, "member");
    checkDuration(args.durationSeconds);
    if (video.status !== "uploading") {
      throw appError("INVALID_ARGUMENT", "This video has already been uploaded.");
    }
    const { file, sessions } = await requireOwnUpload(ctx, video._id, "video", args.storageId);
    await consumeSessions(ctx, sessions, Date.now());
    const checked = await checkStoredFile(ctx, file, "video");
    if (!checked.ok) {
      await ctx.db.patch(video._id, { status: "failed", failureReason: checked.problem });
      return { ok: false as const, code: "UPLOAD_REJECTED" as const, message: checked.problem };
    }
    if (args.container === null) {
      const message = notAVideoMessage(video.fileName);
      await ctx.storage.delete(file._id);
      await ctx.db.patch(video._id, { status: "failed", failureReason: message });
      return { ok: false as const, code: "NOT_A_VIDEO" as const, message };
    }
    await ctx.db.patch(video._id, {
      status: "ready",
      storageId: args.storageId,
      contentType: typeFor(args.container, checked.contentType),
      size: file.size,
      durationSeconds: args.durationSeconds,
    });
    return { ok: true as const };
  },
});

/**
 * Step 3: checks what was stored, its first bytes included (read here: only actions may read
 * stored bytes). UPLOAD_REJECTED for a wrong type or size; a file that is no video container
 * throws NOT_A_VIDEO after it is deleted and the video marked `failed`.
 */
export const finalizeUpload = publicAction({
  args: finalizeArgs,
  returns: uploadResult,
  handler: async (ctx, args): Promise<Infer<typeof uploadResult>> => {
    // Authorized before a byte of the file is read.
    await ctx.runQuery(internal.videos.checkUpload, args);
    const blob = await ctx.storage.get(args.storageId);
    const container = blob ? containerOf(await readHead(blob)) : null;
    const done = await ctx.runMutation(internal.videos.completeUpload, { ...args, container });
    if (done.ok || done.code === "UPLOAD_REJECTED") return done;
    throw appError("NOT_A_VIDEO", done.message);
  },
});

/** The upload failed or was cancelled in the browser. */
export const markUploadFailed = authedMutation({
  args: { videoId: v.id("videos"), reason: v.string() },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { video } = await requireVideoRole(ctx, args.videoId, "member");
    if (video.status !== "uploading") throw invalid("Only an upload in progress can fail.");
    await ctx.db.patch(video._id, { status: "failed", failureReason: requireText(args.reason, "Reason", 500) });
    return null;
  },
});

export const setPoster = authedMutation({
  args: { videoId: v.id("videos"), storageId: v.id("_storage") },
  returns: uploadResult,
  handler: async (ctx, args) => {
    const { video } = await requireVideoRole(ctx, args.videoId, "member");
    const { file, sessions } = await requireOwnUpload(ctx, video._id, "poster", args.storageId);
    await consumeSessions(ctx, sessions, Date.now());
    const checked = await checkStoredFile(ctx, file, "poster");
    if (!checked.ok) return { ok: false as const, code: "UPLOAD_REJECTED" as const, message: checked.problem };
    if (video.posterStorageId) await ctx.storage.delete(video.posterStorageId);
    await ctx.db.patch(video._id, { posterStorageId: args.storageId });
    return { ok: true as const };
  },
});

/**
 * The file's verified type when it is acceptable; otherwise why not, and the file (which
 * `requireOwnUpload` showed is this upload's own) is deleted.
 */
async function checkStoredFile(ctx: MutationCtx, file: StoredFile, purpose: UploadPurpose) {
  const contentType = allowedType(file.contentType, purpose);
  let problem: string | null = null;
  if (!contentType) {
    const expected = ALLOWED_TYPES[purpose].join(", ");
    problem = `Expected ${purpose === "video" ? "a video" : "an image"} file (${expected}), got ${file.contentType ?? "an unknown type"}.`;
  } else if (file.size > maxUploadBytes()) {
    problem = `The file is ${file.size} bytes; the limit is ${maxUploadBytes()} bytes.`;
  }
  if (problem || !contentType) {
    await ctx.storage.delete(file._id);
    return { ok: false as const, problem: problem! };
  }
  return { ok: true as const, contentType };
}

export const list = authedQuery({
  args: { teamId: v.id("teams") },
  returns: v.array(videoSummary),
  handler: async (ctx, { teamId }) => {
    await requireTeamRole(ctx, teamId, "viewer");
    const videos = await ctx.db
      .query("videos")
      .withIndex("by_team", (q) => q.eq("teamId", teamId))
      .order("desc")
      .take(500);
    return await Promise.all(videos.map((video) => toSummary(ctx, video)));
  },
});

export const get = authedQuery({
  args: { videoId: v.id("videos") },
  returns: videoSummary,
  handler: async (ctx, { videoId }) => {
    const { video } = await requireVideoRole(ctx, videoId, "viewer");
    return await toSummary(ctx, video);
  },
});

export const update = authedMutation({
  args: { videoId: v.id("videos"), title: v.optional(v.string()), description: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { video } = await requireVideoRole(ctx, args.videoId, "member");
    const patch: Partial<Doc<"videos">> = {};
    if (args.title !== undefined) patch.title = requireText(args.title, "Title", 200);
    if (args.description !== undefined) patch.description = optionalText(args.description, "Description", 5000);
    patch.searchText = videoSearchText({ ...video, ...patch });
    await ctx.db.patch(args.videoId, patch);
    return null;
  },
});

/** Deletes the video at once; its comments, links and grants follow in batches. */
export const remove = authedMutation({
  args: { videoId: v.id("videos") },
  returns: v.null(),
  handler: async (ctx, { videoId }) => {
    const { video } = await requireVideoRole(ctx, videoId, "member");
    await deleteChunks(ctx, videoId);
    // A chunked video's storageId is its first chunk, deleted with the chunks.
    for (const storageId of [video.chunkSize === undefined ? video.storageId : undefined, video.posterStorageId]) {
      if (storageId) await ctx.storage.delete(storageId);
    }
    await ctx.db.delete(videoId);
    await ctx.scheduler.runAfter(0, internal.videos.deleteDependents, { videoId });
    return null;
  },
});

export const DELETE_BATCH = 100;

export const deleteDependents = internalMutation({
  args: { videoId: v.id("videos") },
  returns: v.null(),
  handler: async (ctx, { videoId }) => {
    const comments = await ctx.db
      .query("comments")
      .withIndex("by_video", (q) => q.eq("videoId", videoId))
      .take(DELETE_BATCH);
    for (const c of comments) await ctx.db.delete(c._id);
    let budget = DELETE_BATCH - comments.length;
    const links = await ctx.db
      .query("shareLinks")
      .withIndex("by_video", (q) => q.eq("videoId", videoId))
      .take(Math.max(budget, 1));
    for (const link of links) {
      const grants = await ctx.db
        .query("shareGrants")
        .withIndex("by_link", (q) => q.eq("linkId", link._id))
        .take(DELETE_BATCH);
      for (const g of grants) await ctx.db.delete(g._id);
      if (grants.length < DELETE_BATCH) await ctx.db.delete(link._id);
      budget -= 1 + grants.length;
      if (budget <= 0) break;
    }
    if (comments.length > 0 || links.length > 0) {
      await ctx.scheduler.runAfter(0, internal.videos.deleteDependents, { videoId });
    }
    return null;
  },
});

/** What an anonymous viewer holding a usable grant needs to play the video; null otherwise. */
export const getByShareGrant = publicQuery({
  args: { grantToken: v.string() },
  returns: v.union(
    v.null(),
    v.object({
      ...sharedVideoFields,
      contentType: v.string(),
      ...grantTermsFields,
    }),
  ),
  handler: async (ctx, { grantToken }) => {
    const access = await findUsableGrant(ctx, grantToken, Date.now());
    if (!access) return null;
    const { video, link, grant } = access;
    return {
      ...sharedVideo(video, link, grantToken),
      contentType: video.contentType ?? "application/octet-stream",
      ...grantTerms(link, grant),
    };
  },
});
