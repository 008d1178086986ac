import { mutationGeneric, queryGeneric } from "convex/server";
import { v } from "convex/values";

export const bump = mutationGeneric({
  args: { tag: v.string() },
  returns: v.null(),
  handler: async (ctx, { tag }) => {
    const row = await ctx.db
      .query("tags")
      .withIndex("by_tag", (q) => q.eq("tag", tag))
      .unique();
    if (row) await ctx.db.patch(row._id, { count: (row.count as number) + 1 });
    else await ctx.db.insert("tags", { tag, count: 1 });
    return null;
  },
});

export const count = queryGeneric({
  args: { tag: v.string() },
  returns: v.number(),
  handler: async (ctx, { tag }) => {
    const row = await ctx.db
      .query("tags")
      .withIndex("by_tag", (q) => q.eq("tag", tag))
      .unique();
    return (row?.count as number | undefined) ?? 0;
  },
});
