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
