import { componentsGeneric, mutationGeneric, queryGeneric } from "convex/server";
import { v } from "convex/values";

const components = componentsGeneric();

export const add = mutationGeneric({
  args: { text: v.string(), tag: v.string() },
  returns: v.string(),
  handler: async (ctx, { text, tag }) => {
    const id = await ctx.db.insert("notes", { text, tag });
    await ctx.runMutation(components.tags.tags.bump, { tag });
    return id;
  },
});

export const byTag = queryGeneric({
  args: { tag: v.string() },
  returns: v.object({ texts: v.array(v.string()), tagCount: v.number() }),
  handler: async (ctx, { tag }) => {
    const notes = await ctx.db
      .query("notes")
      .withIndex("by_tag", (q) => q.eq("tag", tag))
      .collect();
    const tagCount: number = await ctx.runQuery(components.tags.tags.count, { tag });
    return { texts: notes.map((n) => n.text as string), tagCount };
  },
});

/** A page of notes: Convex refuses `.paginate()` in a component (componentPagination.test.ts). */
export const page = queryGeneric({
  args: { numItems: v.number() },
  handler: async (ctx, { numItems }) => await ctx.db.query("notes").paginate({ numItems, cursor: null }),
});
