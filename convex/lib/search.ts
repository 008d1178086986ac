/**
 * What the library's search indexes hold and how results are ordered (no registered functions).
 * Videos are searched by one text of title and description (the `search_text` index), kept on
 * every write that changes either; links by label, note and slug (one index each).
 */
import { v, type Infer } from "convex/values";
import type { Doc } from "../_generated/dataModel";

/** Longest search text accepted (Convex uses its first 16 words anyway). */
export const MAX_SEARCH_TEXT = 200;
/** Results one search returns: enough to scan by eye, few enough to show as you type. */
export const SEARCH_RESULTS = 50;
/** Videos the unsearched library lists. */
export const LIBRARY_PAGE = 500;

export function videoSearchText(video: Pick<Doc<"videos">, "title" | "description">): string {
  return `${video.title}\n${video.description}`;
}

export const librarySortValidator = v.union(v.literal("relevance"), v.literal("newest"), v.literal("oldest"), v.literal("title"));
export type LibrarySort = Infer<typeof librarySortValidator>;

/** `items` in the chosen order; "relevance" keeps the order they came in (the search's, or newest first). */
export function sortLibrary<T extends { title: string; createdAt: number }>(items: T[], sort: LibrarySort): T[] {
  switch (sort) {
    case "relevance":
      return items;
    case "newest":
      return [...items].sort((a, b) => b.createdAt - a.createdAt);
    case "oldest":
      return [...items].sort((a, b) => a.createdAt - b.createdAt);
    case "title":
      return [...items].sort(
        (a, b) => a.title.localeCompare(b.title, undefined, { sensitivity: "base", numeric: true }) || b.createdAt - a.createdAt,
      );
    default: {
      const never: never = sort;
      return never;
    }
  }
}
