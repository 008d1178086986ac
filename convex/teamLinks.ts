/**
 * Team-wide views of share links (the "All links" page) and what the share page shows a
 * viewer beside the player: the poster and how many views or downloads the link has left.
 */
import { v } from "convex/values";
import { authedMutation, authedQuery, publicQuery } from "./functions";
import { appError } from "./lib/errors";
import { revokeLink, summarizeLink } from "./lib/linkManagement";
import { hasRole, requireTeamRole } from "./lib/permissions";
import { grantUrls } from "./lib/mediaUrls";
import { findUsableGrant } from "./lib/shareAccess";
import { linkSummary } from "./lib/linkSummary";
import { linkTarget, linkTargetFields, titleReader } from "./lib/linkTarget";

/**
 * One link of the team with what it shares (the fields of shareLinks.list plus the video or the
 * collection): `videoTitle` is the title of either, `kind` says which.
 */
export const teamLinkSummary = v.object({ ...linkSummary.fields, ...linkTargetFields });

export const MAX_TEAM_LINKS = 1000;
export const MAX_BULK_REVOKE = 100;

/** Every link of the team, newest first (URLs for members and up, as on a video's page). */
export const list = authedQuery({
  args: { teamId: v.id("teams") },
  returns: v.array(teamLinkSummary),
  handler: async (ctx, { teamId }) => {
    const { membership } = await requireTeamRole(ctx, teamId, "viewer");
    const showUrls = hasRole(membership.role, "member");
    const links = await ctx.db
      .query("shareLinks")
      .withIndex("by_team_expiresAt", (q) => q.eq("teamId", teamId))
      .take(MAX_TEAM_LINKS);
    links.sort((a, b) => b._creationTime - a._creationTime);
    const now = Date.now();
    const titleOf = titleReader(ctx);
    const rows = [];
    for (const link of links) {
      const target = await linkTarget(link, titleOf);
      rows.push({ ...(await summarizeLink(ctx, link, now, showUrls)), ...target });
    }
    return rows;
  },
});

/** Revokes several links of one team at once; returns how many were active before. */
export const revokeMany = authedMutation({
  args: { teamId: v.id("teams"), linkIds: v.array(v.id("shareLinks")) },
  returns: v.number(),
  handler: async (ctx, { teamId, linkIds }) => {
    await requireTeamRole(ctx, teamId, "member");
    if (linkIds.length > MAX_BULK_REVOKE) throw appError("INVALID_ARGUMENT", `Revoke at most ${MAX_BULK_REVOKE} links at a time.`);
    let revoked = 0;
    for (const linkId of linkIds) {
      const link = await ctx.db.get(linkId);
      if (!link || link.teamId !== teamId) throw appError("NOT_FOUND", "Share link not found.");
      if (link.revokedAt === undefined) revoked++;
      await revokeLink(ctx, linkId);
    }
    return revoked;
  },
});

/**
 * For a viewer holding a usable grant: the poster and what is left of the link's limits
 * (null where the link sets none). Null without a usable grant.
 */
export const viewerFacts = publicQuery({
  /** `videoId`: which video of a collection grant (its poster). */
  args: { grantToken: v.string(), videoId: v.optional(v.string()) },
  returns: v.union(
    v.null(),
    v.object({
      posterUrl: v.union(v.string(), v.null()),
      viewsLeft: v.union(v.number(), v.null()),
      viewersLeft: v.union(v.number(), v.null()),
      downloadsLeft: v.union(v.number(), v.null()),
    }),
  ),
  handler: async (ctx, { grantToken, videoId }) => {
    const access = await findUsableGrant(ctx, grantToken, Date.now(), videoId);
    if (!access) return null;
    const { link, video } = access;
    const left = (max: number | undefined, used: number) => (max === undefined ? null : Math.max(0, max - used));
    return {
      // Through the grant's own poster route, re-checked per request; a collection grant names the video.
      posterUrl: video.posterStorageId ? grantUrls(grantToken, link.collectionId === undefined ? undefined : video._id).posterUrl : null,
      viewsLeft: left(link.maxViews, link.viewCount),
      viewersLeft: left(link.maxViewers, link.viewerCount ?? 0),
      downloadsLeft: link.allowDownload ? left(link.maxDownloads, link.downloadCount) : null,
    };
  },
});
