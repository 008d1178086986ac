import { componentsGeneric, internalMutationGeneric, mutationGeneric, queryGeneric } from "convex/server";
import { v } from "convex/values";

const components = componentsGeneric();

export const add = mutationGeneric({
  args: { title: v.string() },
  returns: v.id("tasks"),
  handler: async (ctx, { title }) => await ctx.db.insert("tasks", { title, done: false }),
});

export const list = queryGeneric({
  args: {},
  handler: async (ctx) => await ctx.db.query("tasks").collect(),
});

/** Stores a note in the notes component, which counts its tag in the tags component. */
export const addNote = mutationGeneric({
  args: { text: v.string(), tag: v.string() },
  handler: async (ctx, args): Promise<string> => await ctx.runMutation(components.notes.notes.add, args),
});

export const notes = queryGeneric({
  args: { tag: v.string() },
  handler: async (ctx, { tag }): Promise<{ texts: string[]; tagCount: number }> =>
    await ctx.runQuery(components.notes.notes.byTag, { tag }),
});

/** Run every second by the cron (crons.ts): counts its runs in one row. */
export const beat = internalMutationGeneric({
  args: {},
  handler: async (ctx) => {
    const row = await ctx.db.query("beats").first();
    if (row) await ctx.db.patch(row._id, { count: (row.count as number) + 1 });
    else await ctx.db.insert("beats", { count: 1 });
    return null;
  },
});

export const beats = queryGeneric({
  args: {},
  handler: async (ctx): Promise<number> => ((await ctx.db.query("beats").first())?.count as number | undefined) ?? 0,
});

export const notesPage = queryGeneric({
  args: {},
  handler: async (ctx): Promise<unknown> => await ctx.runQuery(components.notes.notes.page, { numItems: 1 }),
});
