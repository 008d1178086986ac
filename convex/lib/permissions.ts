/** The one place that decides who may do what. Non-members always get NOT_FOUND. */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { appError, notFound } from "./errors";
import type { Role } from "./validators";

const RANK: Record<Role, number> = { owner: 4, admin: 3, member: 2, viewer: 1 };

export function hasRole(role: Role, minRole: Role): boolean {
  return RANK[role] >= RANK[minRole];
}

type AuthedCtx = QueryCtx & { userId: Id<"users"> };

export async function getMembership(ctx: QueryCtx, teamId: Id<"teams">, userId: Id<"users">) {
  return await ctx.db
    .query("teamMembers")
    .withIndex("by_team_user", (q) => q.eq("teamId", teamId).eq("userId", userId))
    .unique();
}

export async function requireTeamRole(ctx: AuthedCtx, teamId: Id<"teams">, minRole: Role) {
  const team = await ctx.db.get(teamId);
  if (!team) throw notFound("Team");
  const membership = await requireRoleFor(ctx, teamId, minRole, "Team");
  return { team, membership };
}

/** Membership of the team that owns a thing, or NOT_FOUND naming that thing. */
async function requireRoleFor(ctx: AuthedCtx, teamId: Id<"teams">, minRole: Role, what: string) {
  const membership = await getMembership(ctx, teamId, ctx.userId);
  if (!membership) throw notFound(what);
  if (!hasRole(membership.role, minRole)) {
    throw appError("FORBIDDEN", `This needs the ${minRole} role or higher.`);
  }
  return membership;
}

export async function requireVideoRole(ctx: AuthedCtx, videoId: Id<"videos">, minRole: Role) {
  const video = await ctx.db.get(videoId);
  if (!video) throw notFound("Video");
  const membership = await requireRoleFor(ctx, video.teamId, minRole, "Video");
  return { video, membership };
}

export async function requireCollectionRole(ctx: AuthedCtx, collectionId: Id<"collections">, minRole: Role) {
  const collection = await ctx.db.get(collectionId);
  if (!collection) throw notFound("Collection");
  const membership = await requireRoleFor(ctx, collection.teamId, minRole, "Collection");
  return { collection, membership };
}

/** A share link of a video or of a collection (`video` / `collection`: what it opens, the other null). */
export async function requireLinkRole(ctx: AuthedCtx, linkId: Id<"shareLinks">, minRole: Role) {
  const link = await ctx.db.get(linkId);
  const video = link?.videoId ? await ctx.db.get(link.videoId) : null;
  const collection = link?.collectionId ? await ctx.db.get(link.collectionId) : null;
  if (!link || (!video && !collection)) throw notFound("Share link");
  const membership = await requireRoleFor(ctx, link.teamId, minRole, "Share link");
  return { link, video, collection, membership };
}

export async function requireCommentRole(ctx: AuthedCtx, commentId: Id<"comments">, minRole: Role) {
  const comment = await ctx.db.get(commentId);
  const video = comment ? await ctx.db.get(comment.videoId) : null;
  if (!comment || !video) throw notFound("Comment");
  const membership = await requireRoleFor(ctx, video.teamId, minRole, "Comment");
  return { comment, video, membership };
}

export type Membership = Doc<"teamMembers">;
