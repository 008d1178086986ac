import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel";
import { authedMutation, authedQuery, publicMutation, publicQuery } from "./functions";
import {
  checkParent,
  checkTimestamp,
  guestText,
  MAX_COMMENTS,
  MAX_GUEST_BODY,
  MAX_GUEST_NAME,
  threaded,
  threadView,
} from "./lib/commentThreads";
import { appError } from "./lib/errors";
import { hasRole, requireCommentRole, requireVideoRole } from "./lib/permissions";
import { rateLimiter } from "./lib/rateLimits";
import { refuse, refusedValidator } from "./lib/refusals";
import { checkGrant, findUsableGrant } from "./lib/shareAccess";
import { requireText } from "./lib/text";

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
    const ts = checkTimestamp(args.timestampSeconds);
    await checkParent(ctx, args.parentId, args.videoId);
    return await ctx.db.insert("comments", {
      videoId: args.videoId,
      authorId: ctx.userId,
      body,
      timestampSeconds: ts,
      parentId: args.parentId,
    });
  },
});

/**
 * Authors delete their own comments; admins and owners any; members also guests' comments
 * (they moderate what arrives through their links). A thread's replies go with it.
 */
export const remove = authedMutation({
  args: { commentId: v.id("comments") },
  returns: v.null(),
  handler: async (ctx, { commentId }) => {
    const { comment, membership } = await requireCommentRole(ctx, commentId, "viewer");
    if (!mayDelete(comment, ctx.userId, membership.role)) {
      throw appError(
        "FORBIDDEN",
        comment.guest ? "Deleting guests' comments needs the member role or higher." : "You can delete only your own comments.",
      );
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

function mayDelete(comment: Doc<"comments">, userId: Doc<"users">["_id"], role: Doc<"teamMembers">["role"]) {
  if (hasRole(role, "admin")) return true;
  if (comment.guest) return hasRole(role, "member");
  return comment.authorId === userId;
}

export const getThreaded = authedQuery({
  args: { videoId: v.id("videos") },
  returns: v.array(threadView),
  handler: async (ctx, { videoId }) => {
    await requireVideoRole(ctx, videoId, "viewer");
    return await threaded(ctx, videoId, { userId: ctx.userId });
  },
});

/** The key a guest's comments and posting budget belong to: the viewer the grant was issued to, else the grant. */
const guestKeyOf = (grant: Doc<"shareGrants">) => grant.viewerId ?? `grant-${grant._id}`;

/**
 * The comments a guest with a usable grant may read — none unless the link allows comments.
 * Kept for callers of the seed's API; the share page reads getGuestReview.
 */
export const getThreadedForShareGrant = publicQuery({
  args: { grantToken: v.string(), videoId: v.optional(v.string()) },
  returns: v.array(threadView),
  handler: async (ctx, { grantToken, videoId }) => {
    const access = await findUsableGrant(ctx, grantToken, Date.now(), videoId);
    if (!access || access.link.allowComments !== true) return [];
    return await threaded(ctx, access.video._id, { viewerKey: guestKeyOf(access.grant) });
  },
});

/**
 * Guest review on the share page: whether the link takes comments now (the form shows only
 * then, and hides live when the option is turned off or the link revoked) and the threads.
 * `videoId`: which video of a collection grant (a video grant's own, if given).
 */
export const getGuestReview = publicQuery({
  args: { grantToken: v.string(), videoId: v.optional(v.string()) },
  returns: v.object({ allowComments: v.boolean(), threads: v.array(threadView) }),
  handler: async (ctx, { grantToken, videoId }) => {
    const access = await findUsableGrant(ctx, grantToken, Date.now(), videoId);
    if (!access || access.link.allowComments !== true) return { allowComments: false, threads: [] };
    return { allowComments: true, threads: await threaded(ctx, access.video._id, { viewerKey: guestKeyOf(access.grant) }) };
  },
});

/**
 * A guest's comment or reply, under the name they chose, through a grant on a link that allows
 * comments. Refusals (link revoked, option off, posting too fast) are returned; bad input throws
 * INVALID_ARGUMENT before anything is written. Budgets: per viewer of the link and a generous
 * one per link (lib/rateLimits.ts).
 */
export const addAsGuest = publicMutation({
  args: {
    grantToken: v.string(),
    /** Which video of a collection grant. */
    videoId: v.optional(v.string()),
    name: v.string(),
    body: v.string(),
    timestampSeconds: v.optional(v.number()),
    parentId: v.optional(v.id("comments")),
  },
  returns: v.union(v.object({ ok: v.literal(true), commentId: v.id("comments") }), refusedValidator),
  handler: async (ctx, args) => {
    const name = guestText(args.name, "Your name", MAX_GUEST_NAME, false);
    const body = guestText(args.body, "Comment", MAX_GUEST_BODY, true);
    const ts = checkTimestamp(args.timestampSeconds);
    const access = await checkGrant(ctx, args.grantToken, Date.now(), args.videoId);
    if (!access.ok) return access;
    const { grant, link, video } = access;
    if (link.allowComments !== true) return refuse("commentsOff");
    await checkParent(ctx, args.parentId, video._id);
    const viewerKey = guestKeyOf(grant);
    const perViewer = await rateLimiter.limit(ctx, "guestCommentsPerViewer", { key: `${link._id}:${viewerKey}` });
    if (!perViewer.ok) return refuse("commentsTooFast", perViewer.retryAfter);
    const perLink = await rateLimiter.limit(ctx, "guestCommentsPerLink", { key: link._id });
    if (!perLink.ok) return refuse("commentsTooFast", perLink.retryAfter);
    const commentId = await ctx.db.insert("comments", {
      videoId: video._id,
      guest: { name, linkId: link._id, viewerKey },
      body,
      timestampSeconds: ts,
      parentId: args.parentId,
    });
    return { ok: true as const, commentId };
  },
});
