/**
 * The function builders every module uses. `authed*` put the signed-in user's id in
 * `ctx.userId` or refuse with UNAUTHENTICATED; `public*` are for anonymous viewers.
 */
import { getAuthUserId } from "@convex-dev/auth/server";
import { customCtx, customMutation, customQuery } from "convex-helpers/server/customFunctions";
import {
  internalMutation,
  internalQuery,
  mutation,
  query,
  type QueryCtx,
} from "./_generated/server";
import { appError } from "./lib/errors";

export async function requireUserId(ctx: QueryCtx) {
  const userId = await getAuthUserId(ctx);
  if (userId === null || (await ctx.db.get(userId)) === null) {
    throw appError("UNAUTHENTICATED", "Sign in to continue.");
  }
  return userId;
}

export const authedQuery = customQuery(
  query,
  customCtx(async (ctx) => ({ userId: await requireUserId(ctx) })),
);
export const authedMutation = customMutation(
  mutation,
  customCtx(async (ctx) => ({ userId: await requireUserId(ctx) })),
);
export const publicQuery = query;
export const publicMutation = mutation;
export { internalMutation, internalQuery };
