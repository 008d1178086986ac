import { v, type ObjectType } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";

/**
 * What a link opens, as the team's lists show it (All links, the library's link search): `kind`
 * says which, `videoTitle` is the title of either — the video's or the collection's.
 */
export const linkTargetFields = {
  kind: v.union(v.literal("video"), v.literal("collection")),
  videoId: v.union(v.id("videos"), v.null()),
  collectionId: v.union(v.id("collections"), v.null()),
  videoTitle: v.string(),
};
export type LinkTarget = ObjectType<typeof linkTargetFields>;

/** Titles read once per list (many links share a video), "Deleted …" for what is gone. */
export function titleReader(ctx: QueryCtx) {
  const titles = new Map<string, string>();
  return async (id: Id<"videos"> | Id<"collections">, gone: string) => {
    if (!titles.has(id)) titles.set(id, (await ctx.db.get(id))?.title ?? gone);
    return titles.get(id)!;
  };
}

export async function linkTarget(link: Doc<"shareLinks">, titleOf: ReturnType<typeof titleReader>): Promise<LinkTarget> {
  if (link.collectionId)
    return {
      kind: "collection",
      videoId: null,
      collectionId: link.collectionId,
      videoTitle: await titleOf(link.collectionId, "Deleted collection"),
    };
  return {
    kind: "video",
    videoId: link.videoId ?? null,
    collectionId: null,
    videoTitle: link.videoId ? await titleOf(link.videoId, "Deleted video") : "Deleted video",
  };
}
