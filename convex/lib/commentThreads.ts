/**
 * Comment threads as people read them, for members (comments.getThreaded) and guests of a link
 * that allows comments (comments.getGuestReview). What reaches a guest: the comment's id, text,
 * timestamp and an author *name* — a member's display name (never their email or user id;
 * "Team member" when they set none), or the name a guest chose, marked `isGuest`.
 */
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { invalid } from "./errors";

export const MAX_COMMENTS = 500;
export const MAX_GUEST_BODY = 2000;
export const MAX_GUEST_NAME = 60;

export const commentView = v.object({
  commentId: v.id("comments"),
  authorName: v.string(),
  /** Posted through a share link by someone without an account. */
  isGuest: v.boolean(),
  body: v.string(),
  timestampSeconds: v.union(v.number(), v.null()),
  createdAt: v.number(),
  mine: v.boolean(),
});
export const threadView = v.object({ ...commentView.fields, replies: v.array(commentView) });
export type ThreadView = Infer<typeof threadView>;

/** Who is reading: a member (their own comments are `mine`) or a guest (theirs, by viewer key). */
export type Reader = { userId: Id<"users"> } | { viewerKey: string };

export function checkTimestamp(ts: number | undefined) {
  if (ts !== undefined && (!Number.isFinite(ts) || ts < 0 || ts > 7 * 24 * 3600)) {
    throw invalid("Timestamp must be a number of seconds from 0.");
  }
  return ts;
}

/** Replies are one level deep, on the same video. */
export async function checkParent(ctx: QueryCtx, parentId: Id<"comments"> | undefined, videoId: Id<"videos">) {
  if (!parentId) return;
  const parent = await ctx.db.get(parentId);
  if (!parent || parent.videoId !== videoId) throw invalid("The comment you reply to is not on this video.");
  if (parent.parentId) throw invalid("Replies are one level deep: reply to the thread's first comment.");
}

// Control characters (C0, DEL, C1) and the bidi overrides that can disguise text; tabs and newlines are allowed in bodies.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/;

/** A guest's text: trimmed, 1..max characters, no control characters (`lines`: newlines and tabs allowed). */
export function guestText(value: string, what: string, max: number, lines: boolean): string {
  const trimmed = value.trim();
  if (trimmed.length === 0) throw invalid(`${what} cannot be empty.`);
  if (trimmed.length > max) throw invalid(`${what} must be at most ${max} characters.`);
  if (CONTROL.test(trimmed) || (!lines && /[\t\n\r]/.test(trimmed))) throw invalid(`${what} cannot contain control characters.`);
  return trimmed;
}

export async function threaded(ctx: QueryCtx, videoId: Id<"videos">, reader: Reader): Promise<ThreadView[]> {
  // The newest MAX_COMMENTS, oldest first: a flood of old comments never hides the latest ones.
  const rows = (
    await ctx.db
      .query("comments")
      .withIndex("by_video", (q) => q.eq("videoId", videoId))
      .order("desc")
      .take(MAX_COMMENTS)
  ).reverse();
  const names = new Map<Id<"users">, string>();
  const nameOf = async (userId: Id<"users">) => {
    if (!names.has(userId)) names.set(userId, (await ctx.db.get(userId))?.name || "Team member");
    return names.get(userId)!;
  };
  const view = async (c: Doc<"comments">) => ({
    commentId: c._id,
    authorName: c.guest ? c.guest.name : c.authorId ? await nameOf(c.authorId) : "Team member",
    isGuest: c.guest !== undefined,
    body: c.body,
    timestampSeconds: c.timestampSeconds ?? null,
    createdAt: c._creationTime,
    mine: "userId" in reader ? c.authorId === reader.userId : c.guest?.viewerKey === reader.viewerKey,
  });
  const threads: ThreadView[] = [];
  for (const top of rows.filter((c) => !c.parentId)) {
    const replies = rows.filter((c) => c.parentId === top._id);
    threads.push({ ...(await view(top)), replies: await Promise.all(replies.map(view)) });
  }
  return threads;
}
