/**
 * Finding things in a team's library through search indexes: videos by title and description
 * (`videos.search_text`), links by label, note and slug. Same code on Convex and the embedded
 * backend; the searched text is whatever the indexes hold (lib/search.ts keeps `searchText`).
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import type { QueryCtx } from "./_generated/server";
import { authedQuery, internalMutation } from "./functions";
import { invalid } from "./lib/errors";
import { requireTeamRole } from "./lib/permissions";
import { LIBRARY_PAGE, MAX_SEARCH_TEXT, SEARCH_RESULTS, librarySortValidator, sortLibrary, videoSearchText } from "./lib/search";
import { linkTarget, linkTargetFields, titleReader } from "./lib/linkTarget";
import { linkStatus } from "./lib/shareAccess";
import { linkStatusValidator, videoStatusValidator } from "./lib/validators";
import { toSummary, videoSummary } from "./videos";

export const libraryVideo = v.object({ ...videoSummary.fields, hasLinks: v.boolean() });

export const libraryResult = v.object({
  videos: v.array(libraryVideo),
  /** More videos matched than were returned (search results or the library page are capped). */
  truncated: v.boolean(),
});

export const linkMatch = v.object({
  linkId: v.id("shareLinks"),
  ...linkTargetFields,
  label: v.union(v.string(), v.null()),
  note: v.union(v.string(), v.null()),
  customSlug: v.union(v.string(), v.null()),
  status: linkStatusValidator,
  createdAt: v.number(),
});

function searchText(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length > MAX_SEARCH_TEXT) throw invalid(`Search for at most ${MAX_SEARCH_TEXT} characters.`);
  return trimmed;
}

async function hasLinks(ctx: QueryCtx, videoId: Id<"videos">) {
  return (
    (await ctx.db
      .query("shareLinks")
      .withIndex("by_video", (q) => q.eq("videoId", videoId))
      .first()) !== null
  );
}

/**
 * The library of a team: with `text`, the videos whose title or description match it (best
 * first, through the search index); without, the newest. Filters by status and by whether a
 * video has share links; `sort` reorders what was found.
 */
export const videos = authedQuery({
  args: {
    teamId: v.id("teams"),
    text: v.string(),
    status: v.optional(videoStatusValidator),
    hasLinks: v.optional(v.boolean()),
    sort: v.optional(librarySortValidator),
  },
  returns: libraryResult,
  handler: async (ctx, args) => {
    await requireTeamRole(ctx, args.teamId, "viewer");
    const text = searchText(args.text);
    let found: Doc<"videos">[];
    let limit: number;
    if (text) {
      limit = SEARCH_RESULTS;
      found = await ctx.db
        .query("videos")
        .withSearchIndex("search_text", (q) => {
          const matching = q.search("searchText", text).eq("teamId", args.teamId);
          return args.status ? matching.eq("status", args.status) : matching;
        })
        .take(limit + 1);
    } else {
      limit = LIBRARY_PAGE;
      const { status } = args;
      const newest = status
        ? ctx.db.query("videos").withIndex("by_team_status", (q) => q.eq("teamId", args.teamId).eq("status", status))
        : ctx.db.query("videos").withIndex("by_team", (q) => q.eq("teamId", args.teamId));
      found = await newest.order("desc").take(limit + 1);
    }
    const truncated = found.length > limit;
    const withLinks = await Promise.all(
      found.slice(0, limit).map(async (video) => ({ ...(await toSummary(ctx, video)), hasLinks: await hasLinks(ctx, video._id) })),
    );
    const filtered = args.hasLinks === undefined ? withLinks : withLinks.filter((video) => video.hasLinks === args.hasLinks);
    return { videos: sortLibrary(filtered, args.sort ?? "relevance"), truncated };
  },
});

const LINK_INDEXES = [
  ["search_label", "label"],
  ["search_slug", "customSlug"],
  ["search_note", "note"],
] as const;

/** The team's share links whose label, slug or note match `text`: label matches first, then slug, then note. */
export const links = authedQuery({
  args: { teamId: v.id("teams"), text: v.string() },
  returns: v.array(linkMatch),
  handler: async (ctx, args) => {
    await requireTeamRole(ctx, args.teamId, "viewer");
    const text = searchText(args.text);
    if (!text) return [];
    const seen = new Set<Id<"shareLinks">>();
    const matches: Doc<"shareLinks">[] = [];
    for (const [index, field] of LINK_INDEXES) {
      const found = await ctx.db
        .query("shareLinks")
        .withSearchIndex(index, (q) => q.search(field, text).eq("teamId", args.teamId))
        .take(SEARCH_RESULTS);
      for (const link of found) {
        if (seen.has(link._id) || matches.length >= SEARCH_RESULTS) continue;
        seen.add(link._id);
        matches.push(link);
      }
    }
    const now = Date.now();
    const titleOf = titleReader(ctx);
    // Video and collection links alike (a collection link opens its collection's page).
    const results = [];
    for (const link of matches) {
      results.push({
        linkId: link._id,
        ...(await linkTarget(link, titleOf)),
        label: link.label ?? null,
        note: link.note ?? null,
        customSlug: link.customSlug ?? null,
        status: linkStatus(link, now),
        createdAt: link._creationTime,
      });
    }
    return results;
  },
});

export const BACKFILL_BATCH = 200;

/**
 * Migration: fills `searchText` of videos written before it existed (or stale), a batch at a
 * time, scheduling itself until the table is done. Run once after deploying:
 * `npx convex run search:backfillVideoSearchText`.
 */
export const backfillVideoSearchText = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())) },
  returns: v.object({ updated: v.number(), isDone: v.boolean() }),
  handler: async (ctx, { cursor }) => {
    const page = await ctx.db.query("videos").paginate({ cursor: cursor ?? null, numItems: BACKFILL_BATCH });
    let updated = 0;
    for (const video of page.page) {
      const wanted = videoSearchText(video);
      if (video.searchText === wanted) continue;
      await ctx.db.patch(video._id, { searchText: wanted });
      updated++;
    }
    if (!page.isDone) await ctx.scheduler.runAfter(0, internal.search.backfillVideoSearchText, { cursor: page.continueCursor });
    return { updated, isDone: page.isDone };
  },
});
