import { mutationGeneric as mutation, queryGeneric as query } from "convex/server";
import { v } from "convex/values";

export const add = mutation({
  args: { body: v.string(), channel: v.string() },
  handler: async (ctx, args) => await ctx.db.insert("notes", args),
});
export const search = query({
  args: { text: v.string(), channel: v.optional(v.string()) },
  handler: async (ctx, { text, channel }) => {
    const docs = await ctx.db
      .query("notes")
      .withSearchIndex("search_body", (q) =>
        channel === undefined ? q.search("body", text) : q.search("body", text).eq("channel", channel),
      )
      .collect();
    return docs.map((d) => d.body);
  },
});
