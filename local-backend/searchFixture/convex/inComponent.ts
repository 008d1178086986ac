import { componentsGeneric, mutationGeneric as mutation, queryGeneric as query } from "convex/server";
import { v } from "convex/values";

const components = componentsGeneric() as any;

export const add = mutation({
  args: { body: v.string(), channel: v.string() },
  handler: async (ctx, args): Promise<string> => await ctx.runMutation(components.notes.notes.add, args),
});
export const search = query({
  args: { text: v.string(), channel: v.optional(v.string()) },
  handler: async (ctx, args): Promise<string[]> => await ctx.runQuery(components.notes.notes.search, args),
});
