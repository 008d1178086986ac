/**
 * Members' players and posters go through /media like viewers' (lib/memberGrants.ts): a
 * short-lived grant instead of a raw storage URL, which is a bearer URL that outlives a membership.
 */
import { v } from "convex/values";
import { authedMutation } from "./functions";
import { appError } from "./lib/errors";
import { grantUrls } from "./lib/mediaUrls";
import { issueMemberGrant } from "./lib/memberGrants";
import { requireTeamRole, requireVideoRole } from "./lib/permissions";
import { rateLimiter } from "./lib/rateLimits";
import type { Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";

export const playbackGrant = v.object({ mediaUrl: v.string(), posterUrl: v.union(v.string(), v.null()), expiresAt: v.number() });

async function spend(ctx: MutationCtx & { userId: Id<"users"> }) {
  const limit = await rateLimiter.limit(ctx, "memberPlayback", { key: ctx.userId });
  if (!limit.ok) throw appError("RATE_LIMITED", "Too many players opened; wait a moment.", { retryAfterMs: Math.ceil(limit.retryAfter) });
}

/** Any role on the video's team may watch; the grant (and the membership) is checked on every media request. */
export const openPlayback = authedMutation({
  args: { videoId: v.id("videos") },
  returns: playbackGrant,
  handler: async (ctx, { videoId }) => {
    const { video } = await requireVideoRole(ctx, videoId, "viewer");
    if (video.status !== "ready") throw appError("INVALID_ARGUMENT", "This video is not ready.");
    await spend(ctx);
    const { token, expiresAt } = await issueMemberGrant(ctx, { teamId: video.teamId, videoId }, ctx.userId, Date.now());
    const { mediaUrl, posterUrl } = grantUrls(token);
    return { mediaUrl, posterUrl: video.posterStorageId ? posterUrl : null, expiresAt };
  },
});

/** The library's posters: `<posterBase>?video=<id>` for each video of the team that has one. */
export const openPosters = authedMutation({
  args: { teamId: v.id("teams") },
  returns: v.object({ posterBase: v.string(), expiresAt: v.number() }),
  handler: async (ctx, { teamId }) => {
    await requireTeamRole(ctx, teamId, "viewer");
    await spend(ctx);
    const { token, expiresAt } = await issueMemberGrant(ctx, { teamId }, ctx.userId, Date.now());
    return { posterBase: grantUrls(token).posterUrl, expiresAt };
  },
});
