import { v, type Infer } from "convex/values";
import { authedMutation, authedQuery, internalMutation, publicMutation, publicQuery } from "./functions";
import { checkClientViewerId, grantResult, issueGrant, limitReached, viewerLock } from "./lib/grantIssuing";
import { createLinkArgs, updateLinkArgs } from "./lib/linkSettings";
import { refusalValidator } from "./lib/refusals";
import { invalid } from "./lib/errors";
import { hasRole, requireCollectionRole, requireLinkRole, requireVideoRole } from "./lib/permissions";
import { playableVideos } from "./lib/collections";
import { findLinkByToken, linkStatus } from "./lib/shareAccess";
import { mayResolve } from "./lib/slugTickets";
import { linkSummary } from "./lib/linkSummary";
import { createLink, revokeLink, scheduleGrantDeletion, summarizeLink, updateLink } from "./lib/linkManagement";

const viewerIdValidator = v.optional(v.string());

/**
 * What the share page may know before it has a grant: the video, or why not (a refusal reason,
 * lib/refusals.ts; `passwordRequired` shows the form, `ipCheckRequired` asks over HTTP).
 */
export const tokenStatus = v.union(
  v.object({
    status: v.literal("ok"),
    /** A video link's video; for a collection link, the collection's title and description and the total duration. */
    video: v.object({
      title: v.string(),
      description: v.string(),
      durationSeconds: v.union(v.number(), v.null()),
    }),
    /** Set on collection links: how many videos the link opens. */
    collection: v.optional(v.object({ videoCount: v.number() })),
  }),
  v.object({
    status: refusalValidator,
    retryAfterMs: v.optional(v.number()),
    /**
     * With `passwordRequired` and `locked` on a link that expires: when. A query is not re-run as
     * time passes, so the page turns the form into "expired" itself then (src/lib/timedStatus.ts).
     */
    expiresAt: v.optional(v.number()),
  }),
);
export type TokenStatus = Infer<typeof tokenStatus>;

export const create = authedMutation({
  args: createLinkArgs,
  returns: v.object({ linkId: v.id("shareLinks"), token: v.string(), url: v.string() }),
  handler: async (ctx, args) => await createLink(ctx, args),
});

/** The links of a video, or (with `collectionId` instead) of a collection, newest first. */
export const list = authedQuery({
  args: { videoId: v.optional(v.id("videos")), collectionId: v.optional(v.id("collections")) },
  returns: v.array(linkSummary),
  handler: async (ctx, { videoId, collectionId }) => {
    if ((videoId === undefined) === (collectionId === undefined)) throw invalid("List the links of either a videoId or a collectionId.");
    const { membership } = videoId
      ? await requireVideoRole(ctx, videoId, "viewer")
      : await requireCollectionRole(ctx, collectionId!, "viewer");
    const showUrls = hasRole(membership.role, "member");
    const links = videoId
      ? await ctx.db
          .query("shareLinks")
          .withIndex("by_video", (q) => q.eq("videoId", videoId))
          .order("desc")
          .take(500)
      : await ctx.db
          .query("shareLinks")
          .withIndex("by_collection", (q) => q.eq("collectionId", collectionId))
          .order("desc")
          .take(500);
    const now = Date.now();
    return await Promise.all(links.map((link) => summarizeLink(ctx, link, now, showUrls)));
  },
});

export const update = authedMutation({
  args: updateLinkArgs,
  returns: v.null(),
  handler: async (ctx, args) => await updateLink(ctx, args),
});

/** Soft: the link stops working for good but keeps its stats. Idempotent. */
export const revoke = authedMutation({
  args: { linkId: v.id("shareLinks") },
  returns: v.null(),
  handler: async (ctx, { linkId }) => await revokeLink(ctx, linkId),
});

export const remove = authedMutation({
  args: { linkId: v.id("shareLinks") },
  returns: v.null(),
  handler: async (ctx, { linkId }) => {
    await requireLinkRole(ctx, linkId, "member");
    await ctx.db.delete(linkId);
    await scheduleGrantDeletion(ctx, linkId);
    return null;
  },
});

const GRANT_BATCH = 200;

export const deleteGrantsOfLink = internalMutation({
  args: { linkId: v.id("shareLinks") },
  returns: v.null(),
  handler: async (ctx, { linkId }) => {
    const link = await ctx.db.get(linkId);
    const grants = await ctx.db
      .query("shareGrants")
      .withIndex("by_link", (q) => q.eq("linkId", linkId))
      .take(GRANT_BATCH);
    let deleted = 0;
    for (const grant of grants) {
      // After a password change, keep grants issued under the new password.
      if (link && grant.passwordVersion === link.passwordVersion) continue;
      await ctx.db.delete(grant._id);
      deleted++;
    }
    if (deleted === GRANT_BATCH) await scheduleGrantDeletion(ctx, linkId);
    return null;
  },
});

/** What the share page may know before it has a grant. No video details behind a password. */
export const getByToken = publicQuery({
  args: { token: v.string(), viewerId: viewerIdValidator, slugTicket: v.optional(v.string()) },
  returns: tokenStatus,
  handler: async (ctx, args): Promise<TokenStatus> => {
    checkClientViewerId(args.viewerId);
    const found = await findLinkByToken(ctx, args.token, await mayResolve(args.token, args.slugTicket));
    if (!found) return { status: "missing" };
    const { link, video, collection } = found;
    const now = Date.now();
    if (linkStatus(link, now) === "expired") return { status: "expired" };
    // The client address is unknown here: such links are opened through POST /api/v1/grant.
    if (link.ipAllowlist !== undefined && link.passwordHash === undefined) return { status: "ipCheckRequired" };
    const limit = await limitReached(ctx, link, args.viewerId);
    if (limit) return { status: limit.reason };
    if (link.passwordHash !== undefined) {
      const expiry = typeof link.expiresAt === "number" ? { expiresAt: link.expiresAt } : {};
      const lock = await viewerLock(ctx, link._id, args.viewerId);
      if (lock) return { status: "locked", retryAfterMs: lock, ...expiry };
      return { status: "passwordRequired", ...expiry };
    }
    if (collection) {
      const videos = await playableVideos(ctx, collection);
      const total = videos.reduce((sum, v) => sum + (v.durationSeconds ?? 0), 0);
      return {
        status: "ok",
        video: { title: collection.title, description: collection.description, durationSeconds: videos.length ? total : null },
        collection: { videoCount: videos.length },
      };
    }
    if (!video) return { status: "missing" };
    return {
      status: "ok",
      video: {
        title: video.title,
        description: video.description,
        durationSeconds: video.durationSeconds ?? null,
      },
    };
  },
});

export const issueAccessGrant = publicMutation({
  args: { token: v.string(), password: v.optional(v.string()), viewerId: viewerIdValidator, slugTicket: v.optional(v.string()) },
  returns: grantResult,
  handler: async (ctx, args) => await issueGrant(ctx, args, Date.now()),
});
