import { actionGeneric, queryGeneric } from "convex/server";

export const get = queryGeneric({
  args: {},
  handler: async (ctx) => (await ctx.auth.getUserIdentity())?.subject ?? null,
});

/** An action's view of its caller (called by the /identity/nested HTTP route). */
export const inAction = actionGeneric({
  args: {},
  handler: async (ctx) => (await ctx.auth.getUserIdentity())?.subject ?? null,
});

/** The caller's name claim (queries of one subject with different claims must not share a result). */
export const name = queryGeneric({
  args: {},
  handler: async (ctx) => (await ctx.auth.getUserIdentity())?.name ?? null,
});
