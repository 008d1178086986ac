/**
 * Collections: an ordered list of a team's videos, shared behind one link. What counts as a
 * collection's videos right now is decided here once: those that still exist in the team's
 * library (a deleted video disappears from every collection at once, live on open pages), and
 * for viewers of a link only those ready to play.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { invalid } from "./errors";
import { optionalText, requireText } from "./text";

export const MAX_COLLECTION_VIDEOS = 200;
export const MAX_TEAM_COLLECTIONS = 500;

export const collectionTitle = (title: string) => requireText(title, "Title", 200);
export const collectionDescription = (description: string | undefined) => optionalText(description, "Description", 5000);

/** The collection's videos that still exist, in order (deleted ones skipped). */
export async function collectionVideos(ctx: QueryCtx, collection: Doc<"collections">): Promise<Doc<"videos">[]> {
  const videos: Doc<"videos">[] = [];
  for (const videoId of collection.videoIds) {
    const video = await ctx.db.get(videoId);
    if (video && video.teamId === collection.teamId) videos.push(video);
  }
  return videos;
}

/** What a link's viewers may play: the existing videos that are ready, with their file. */
export async function playableVideos(ctx: QueryCtx, collection: Doc<"collections">) {
  return (await collectionVideos(ctx, collection)).filter((video) => video.status === "ready" && video.storageId !== undefined);
}

/**
 * A new list of videos for the collection: each one in the team's library, none twice, at most
 * MAX_COLLECTION_VIDEOS. Ids of videos deleted since are dropped rather than refused.
 */
export async function checkVideoList(
  ctx: QueryCtx,
  teamId: Id<"teams">,
  videoIds: Id<"videos">[],
  alreadyIn: ReadonlySet<Id<"videos">> = new Set(),
) {
  if (videoIds.length > MAX_COLLECTION_VIDEOS) throw invalid(`A collection holds at most ${MAX_COLLECTION_VIDEOS} videos.`);
  if (new Set(videoIds).size !== videoIds.length) throw invalid("A video can be in a collection only once.");
  const kept: Id<"videos">[] = [];
  for (const videoId of videoIds) {
    const video = await ctx.db.get(videoId);
    if (video && video.teamId === teamId) kept.push(videoId);
    else if (!alreadyIn.has(videoId)) throw invalid("Every video must be in this team's library.");
  }
  return kept;
}
