/**
 * Collections: a titled, ordered set of a team's videos that one share link can open
 * (shareLinks.create with `collectionId`). Members and up edit; viewers read. What a link's
 * viewers see is `getByShareGrant`: the playable videos, each with its own media URL, each
 * request on which is checked against the grant (convex/media.ts, lib/shareAccess.ts videoOfLink).
 */
import { v } from "convex/values";
import type { Doc } from "./_generated/dataModel";
import { authedMutation, authedQuery, publicQuery } from "./functions";
import {
  checkVideoList,
  collectionDescription,
  collectionTitle,
  collectionVideos,
  MAX_TEAM_COLLECTIONS,
  playableVideos,
} from "./lib/collections";
import { invalid } from "./lib/errors";
import { scheduleGrantDeletion } from "./lib/linkManagement";
import { grantUrls } from "./lib/mediaUrls";
import { requireCollectionRole, requireTeamRole } from "./lib/permissions";
import { checkGrantLink } from "./lib/shareAccess";
import { grantTerms, grantTermsFields, sharedVideo, sharedVideoFields } from "./lib/sharedVideo";
import { videoStatusValidator } from "./lib/validators";

const collectionSummary = v.object({
  collectionId: v.id("collections"),
  title: v.string(),
  description: v.string(),
  videoCount: v.number(),
  createdAt: v.number(),
});

const collectionVideo = v.object({
  videoId: v.id("videos"),
  title: v.string(),
  durationSeconds: v.union(v.number(), v.null()),
  status: videoStatusValidator,
  /** Members fetch posters through their library grant (playback.openPosters), never a storage URL. */
  hasPoster: v.boolean(),
});

export const create = authedMutation({
  args: { teamId: v.id("teams"), title: v.string(), description: v.optional(v.string()), videoIds: v.optional(v.array(v.id("videos"))) },
  returns: v.id("collections"),
  handler: async (ctx, args) => {
    await requireTeamRole(ctx, args.teamId, "member");
    const title = collectionTitle(args.title);
    const description = collectionDescription(args.description);
    const videoIds = await checkVideoList(ctx, args.teamId, args.videoIds ?? []);
    return await ctx.db.insert("collections", { teamId: args.teamId, title, description, videoIds, createdBy: ctx.userId });
  },
});

export const list = authedQuery({
  args: { teamId: v.id("teams") },
  returns: v.array(collectionSummary),
  handler: async (ctx, { teamId }) => {
    await requireTeamRole(ctx, teamId, "viewer");
    const collections = await ctx.db
      .query("collections")
      .withIndex("by_team", (q) => q.eq("teamId", teamId))
      .order("desc")
      .take(MAX_TEAM_COLLECTIONS);
    return await Promise.all(
      collections.map(async (c) => ({
        collectionId: c._id,
        title: c.title,
        description: c.description,
        videoCount: (await collectionVideos(ctx, c)).length,
        createdAt: c._creationTime,
      })),
    );
  },
});

export const get = authedQuery({
  args: { collectionId: v.id("collections") },
  returns: v.object({
    collectionId: v.id("collections"),
    teamId: v.id("teams"),
    title: v.string(),
    description: v.string(),
    videos: v.array(collectionVideo),
  }),
  handler: async (ctx, { collectionId }) => {
    const { collection } = await requireCollectionRole(ctx, collectionId, "viewer");
    const videos = await collectionVideos(ctx, collection);
    return {
      collectionId,
      teamId: collection.teamId,
      title: collection.title,
      description: collection.description,
      videos: videos.map((video) => ({
        videoId: video._id,
        title: video.title,
        durationSeconds: video.durationSeconds ?? null,
        status: video.status,
        hasPoster: video.posterStorageId !== undefined,
      })),
    };
  },
});

export const update = authedMutation({
  args: { collectionId: v.id("collections"), title: v.optional(v.string()), description: v.optional(v.string()) },
  returns: v.null(),
  handler: async (ctx, args) => {
    await requireCollectionRole(ctx, args.collectionId, "member");
    const patch: Partial<Doc<"collections">> = {};
    if (args.title !== undefined) patch.title = collectionTitle(args.title);
    if (args.description !== undefined) patch.description = collectionDescription(args.description);
    await ctx.db.patch(args.collectionId, patch);
    return null;
  },
});

/** Adds a video of the team's library at the end (or at `position`, 0-based). */
export const addVideo = authedMutation({
  args: { collectionId: v.id("collections"), videoId: v.id("videos"), position: v.optional(v.number()) },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { collection } = await requireCollectionRole(ctx, args.collectionId, "member");
    const current = await checkVideoList(ctx, collection.teamId, collection.videoIds, new Set(collection.videoIds));
    if (current.includes(args.videoId)) throw invalid("This video is already in the collection.");
    const at = args.position ?? current.length;
    if (!Number.isInteger(at) || at < 0 || at > current.length)
      throw invalid(`Position must be a whole number from 0 to ${current.length}.`);
    const next = [...current.slice(0, at), args.videoId, ...current.slice(at)];
    await ctx.db.patch(collection._id, { videoIds: await checkVideoList(ctx, collection.teamId, next, new Set(current)) });
    return null;
  },
});

export const removeVideo = authedMutation({
  args: { collectionId: v.id("collections"), videoId: v.id("videos") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { collection } = await requireCollectionRole(ctx, args.collectionId, "member");
    if (!collection.videoIds.includes(args.videoId)) throw invalid("This video is not in the collection.");
    const rest = collection.videoIds.filter((id) => id !== args.videoId);
    await ctx.db.patch(collection._id, { videoIds: await checkVideoList(ctx, collection.teamId, rest, new Set(rest)) });
    return null;
  },
});

/** A new order: the same videos as now (those still in the library), each once. */
export const reorder = authedMutation({
  args: { collectionId: v.id("collections"), videoIds: v.array(v.id("videos")) },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { collection } = await requireCollectionRole(ctx, args.collectionId, "member");
    const current = await checkVideoList(ctx, collection.teamId, collection.videoIds, new Set(collection.videoIds));
    const next = await checkVideoList(ctx, collection.teamId, args.videoIds, new Set(collection.videoIds));
    if (next.length !== current.length || !current.every((id) => next.includes(id))) {
      throw invalid("A new order lists exactly the collection's videos.");
    }
    await ctx.db.patch(collection._id, { videoIds: next });
    return null;
  },
});

const LINK_BATCH = 100;

/** Deletes the collection; its links stop working at once (they open nothing) and are deleted with their grants. */
export const remove = authedMutation({
  args: { collectionId: v.id("collections") },
  returns: v.null(),
  handler: async (ctx, { collectionId }) => {
    await requireCollectionRole(ctx, collectionId, "member");
    const links = await ctx.db
      .query("shareLinks")
      .withIndex("by_collection", (q) => q.eq("collectionId", collectionId))
      .take(LINK_BATCH);
    for (const link of links) {
      await ctx.db.delete(link._id);
      await scheduleGrantDeletion(ctx, link._id);
    }
    await ctx.db.delete(collectionId);
    return null;
  },
});

/**
 * What a collection link's viewer sees with a usable grant: the collection and its playable
 * videos in order (a video deleted from the library drops out live), each with its media URL
 * (`/media/<grant>?video=<id>`). Null for video links and grants that no longer work.
 */
export const getByShareGrant = publicQuery({
  args: { grantToken: v.string() },
  returns: v.union(
    v.null(),
    v.object({
      title: v.string(),
      description: v.string(),
      ...grantTermsFields,
      videos: v.array(
        v.object({
          videoId: v.id("videos"),
          ...sharedVideoFields,
          posterUrl: v.union(v.string(), v.null()),
        }),
      ),
    }),
  ),
  handler: async (ctx, { grantToken }) => {
    const check = await checkGrantLink(ctx, grantToken, Date.now());
    if (!check.ok || check.link.collectionId === undefined) return null;
    const { link, grant } = check;
    const collection = await ctx.db.get(link.collectionId!);
    if (!collection) return null;
    const videos = (await playableVideos(ctx, collection)).map((video) => ({
      videoId: video._id,
      ...sharedVideo(video, link, grantToken, video._id),
      posterUrl: video.posterStorageId ? grantUrls(grantToken, video._id).posterUrl : null,
    }));
    return {
      title: collection.title,
      description: collection.description,
      ...grantTerms(link, grant),
      videos,
    };
  },
});
