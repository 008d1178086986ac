import { v } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import type { QueryCtx } from "./_generated/server";
import { authedMutation, authedQuery, publicQuery } from "./functions";
import { appError, invalid } from "./lib/errors";
import { hasRole, requireCommentRole, requireVideoRole } from "./lib/permissions";
import { findUsableGrant } from "./lib/shareAccess";
import { requireText } from "./lib/text";

const MAX_COMMENTS = 500;

const commentView = v.object({
  commentId: v.id("comments"),
  authorName: v.string(),
  body: v.string(),
  timestampSeconds: v.union(v.number(), v.null()),
  createdAt: v.number(),
  mine: v.boolean(),
});
const threadView = v.object({ ...commentView.fields, replies: v.array(commentView) });

export const add = authedMutation({
  args: {
    videoId: v.id("videos"),
    body: v.string(),
    timestampSeconds: v.optional(v.number()),
    parentId: v.optional(v.id("comments")),
  },
  returns: v.id("comments"),
  handler: async (ctx, args) => {
    await requireVideoRole(ctx, args.videoId, "member");
    const body = requireText(args.body, "Comment", 5000);
    const ts = args.timestampSeconds;
    if (ts !== undefined && (!Number.isFinite(ts) || ts < 0 || ts > 7 * 24 * 3600)) {
      throw invalid("Timestamp must be a number of seconds from 0.");
    }
    if (args.parentId) {
      const parent = await ctx.db.get(args.parentId);
      if (!parent || parent.videoId !== args.videoId) throw invalid("The comment you reply to is not on this video.");
      if (parent.parentId) throw invalid("Replies are one level deep: reply to the thread's first comment.");
    }
    return await ctx.db.insert("comments", {
      videoId: args.videoId,
      authorId: ctx.userId,
      body,
      timestampSeconds: ts,
      parentId: args.parentId,
    });
  },
});

/** Authors delete their own comments; admins and owners any. A thread's replies go with it. */
export const remove = authedMutation({
  args: { commentId: v.id("comments") },
  returns: v.null(),
  handler: async (ctx, { commentId }) => {
    const { comment, membership } = await requireCommentRole(ctx, commentId, "viewer");
    if (comment.authorId !== ctx.userId && !hasRole(membership.role, "admin")) {
      throw appError("FORBIDDEN", "You can delete only your own comments.");
    }
    const replies = await ctx.db
      .query("comments")
      .withIndex("by_parent", (q) => q.eq("parentId", commentId))
      .take(MAX_COMMENTS);
    for (const reply of replies) await ctx.db.delete(reply._id);
    await ctx.db.delete(commentId);
    return null;
  },
});

export const getThreaded = authedQuery({
  args: { videoId: v.id("videos") },
  returns: v.array(threadView),
  handler: async (ctx, { videoId }) => {
    await requireVideoRole(ctx, videoId, "viewer");
    return await threaded(ctx, videoId, ctx.userId);
  },
});

/** The comments an anonymous viewer with a usable grant may read: names and text only. */
export const getThreadedForShareGrant = publicQuery({
  args: { grantToken: v.string() },
  returns: v.array(threadView),
  handler: async (ctx, { grantToken }) => {
    const access = await findUsableGrant(ctx, grantToken, Date.now());
    if (!access) return [];
    return await threaded(ctx, access.video._id, null);
  },
});

async function threaded(ctx: QueryCtx, videoId: Id<"videos">, viewer: Id<"users"> | null) {
  const rows = await ctx.db
    .query("comments")
    .withIndex("by_video", (q) => q.eq("videoId", videoId))
    .take(MAX_COMMENTS);
  const names = new Map<Id<"users">, string>();
  const view = async (c: Doc<"comments">) => {
    if (!names.has(c.authorId)) names.set(c.authorId, (await ctx.db.get(c.authorId))?.name || "Team member");
    return {
      commentId: c._id,
      authorName: names.get(c.authorId)!,
      body: c.body,
      timestampSeconds: c.timestampSeconds ?? null,
      createdAt: c._creationTime,
      mine: viewer !== null && c.authorId === viewer,
    };
  };
  const threads = [];
  for (const top of rows.filter((c) => !c.parentId)) {
    const replies = rows.filter((c) => c.parentId === top._id);
    threads.push({ ...(await view(top)), replies: await Promise.all(replies.map(view)) });
  }
  return threads;
}
