/**
 * Uploads bound to what they were issued for. `generateUploadUrl` opens an upload session for
 * one video's file or poster; only a stored file that (a) was created while such a session of
 * that video was open and (b) is attached to no video yet can be attached. Anything else — a
 * storage id from another team, another video, or an old file — is refused and nothing is
 * deleted. Attaching consumes the video's sessions for that purpose (the URL's use is spent).
 * Files stored through a session that never finalized are swept (convex/uploadSweep.ts).
 */
import type { DocumentByName, SystemDataModel } from "convex/server";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { appError } from "./errors";
import type { UploadPurpose } from "./validators";

export type StoredFile = DocumentByName<SystemDataModel, "_storage">;

/** Convex upload URLs are valid for one hour; the upload itself may take a while after that. */
export const UPLOAD_URL_TTL_MS = 60 * 60 * 1000;
export const UPLOAD_GRACE_MS = 2 * 60 * 60 * 1000;
/** Open sessions one video may have at once (a browser retrying, a few tabs). */
const MAX_OPEN_SESSIONS = 20;

/** The media types a stored file may be served as: verified at finalize, never script-capable. */
export const ALLOWED_TYPES: Record<UploadPurpose, readonly string[]> = {
  video: ["video/mp4", "video/webm", "video/quicktime", "video/ogg", "video/x-matroska", "video/x-m4v"],
  poster: ["image/png", "image/jpeg", "image/webp", "image/gif", "image/avif"],
};

/** `type/subtype` lower-cased without parameters when it is one of the purpose's types, else null. */
export function allowedType(contentType: string | undefined, purpose: UploadPurpose): string | null {
  if (!contentType) return null;
  const essence = contentType.split(";")[0].trim().toLowerCase();
  return ALLOWED_TYPES[purpose].includes(essence) ? essence : null;
}

export async function openUploadSession(ctx: MutationCtx, video: Doc<"videos">, purpose: UploadPurpose, userId: Id<"users">, now: number) {
  const sessions = await ctx.db
    .query("uploads")
    .withIndex("by_video_purpose", (q) => q.eq("videoId", video._id).eq("purpose", purpose))
    .take(MAX_OPEN_SESSIONS * 2);
  const open = sessions.filter((s) => s.consumedAt === undefined && s.expiresAt > now);
  if (open.length >= MAX_OPEN_SESSIONS || sessions.length >= MAX_OPEN_SESSIONS * 2) {
    throw appError("RATE_LIMITED", "Too many uploads in progress for this video; wait for one to finish.");
  }
  await ctx.db.insert("uploads", { videoId: video._id, purpose, issuedBy: userId, expiresAt: now + UPLOAD_URL_TTL_MS });
}

/** An upload session of the video for its file that is still open, opening one when none is (a chunked upload outlives a session). */
export async function ensureOpenSession(ctx: MutationCtx, video: Doc<"videos">, userId: Id<"users">, now: number) {
  const sessions = await ctx.db
    .query("uploads")
    .withIndex("by_video_purpose", (q) => q.eq("videoId", video._id).eq("purpose", "video"))
    .take(MAX_OPEN_SESSIONS * 2);
  // Half an hour of use left, so a chunk POSTed now is stored while the session is open.
  if (sessions.some((s) => s.consumedAt === undefined && s.expiresAt > now + UPLOAD_URL_TTL_MS / 2)) return;
  await openUploadSession(ctx, video, "video", userId, now);
}

/** Whether any video already uses the file, as its media (whole or one chunk) or its poster. */
export async function isAttached(ctx: QueryCtx, storageId: Id<"_storage">) {
  const asChunk = await ctx.db
    .query("videoChunks")
    .withIndex("by_storageId", (q) => q.eq("storageId", storageId))
    .first();
  if (asChunk) return true;
  const asMedia = await ctx.db
    .query("videos")
    .withIndex("by_storageId", (q) => q.eq("storageId", storageId))
    .first();
  if (asMedia) return true;
  const asPoster = await ctx.db
    .query("videos")
    .withIndex("by_posterStorageId", (q) => q.eq("posterStorageId", storageId))
    .first();
  return asPoster !== null;
}

/**
 * The stored file if it was uploaded through an open session of this video for this purpose
 * and is attached to nothing; otherwise throws UPLOAD_REJECTED and changes nothing.
 */
export async function requireOwnUpload(ctx: QueryCtx, videoId: Id<"videos">, purpose: UploadPurpose, storageId: Id<"_storage">) {
  const file = await ctx.db.system.get(storageId);
  const sessions = await ctx.db
    .query("uploads")
    .withIndex("by_video_purpose", (q) => q.eq("videoId", videoId).eq("purpose", purpose))
    .take(MAX_OPEN_SESSIONS * 2);
  const issuedFor = file
    ? sessions.some(
        (s) => s.consumedAt === undefined && s._creationTime <= file._creationTime && file._creationTime <= s.expiresAt + UPLOAD_GRACE_MS,
      )
    : false;
  if (!file || !issuedFor || (await isAttached(ctx, storageId))) {
    throw appError("UPLOAD_REJECTED", "This file was not uploaded for this video. Upload it again.");
  }
  return { file, sessions };
}

export async function sessionsOf(ctx: QueryCtx, videoId: Id<"videos">, purpose: UploadPurpose) {
  return await ctx.db
    .query("uploads")
    .withIndex("by_video_purpose", (q) => q.eq("videoId", videoId).eq("purpose", purpose))
    .take(MAX_OPEN_SESSIONS * 2);
}

/** The sessions' single use is spent; the sweep still visits their window for stray files. */
export async function consumeSessions(ctx: MutationCtx, sessions: Doc<"uploads">[], now: number) {
  for (const session of sessions) if (session.consumedAt === undefined) await ctx.db.patch(session._id, { consumedAt: now });
}
