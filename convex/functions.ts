/**
 * The function builders every module uses. `authed*` put the signed-in user's id in
 * `ctx.userId` or refuse with UNAUTHENTICATED; `public*` are for anonymous viewers.
 */
import { getAuthSessionId, getAuthUserId } from "@convex-dev/auth/server";
import { customCtx, customMutation, customQuery } from "convex-helpers/server/customFunctions";
import { action, internalMutation, internalQuery, mutation, query, type QueryCtx } from "./_generated/server";
import { appError } from "./lib/errors";

/**
 * The signed-in user, or UNAUTHENTICATED. The JWT alone is not enough: its session must
 * still exist, so signing out (which deletes the authSessions row) refuses the token at once
 * instead of when the JWT expires.
 */
export async function requireUserId(ctx: QueryCtx) {
  const userId = await getAuthUserId(ctx);
  // The subject is "userId|sessionId"; normalizeId refuses a missing or foreign id without throwing.
  const sessionId = ctx.db.normalizeId("authSessions", String((await getAuthSessionId(ctx)) ?? ""));
  const session = sessionId === null ? null : await ctx.db.get(sessionId);
  if (userId === null || session === null || session.userId !== userId || (await ctx.db.get(userId)) === null) {
    throw appError("UNAUTHENTICATED", "Sign in to continue.");
  }
  return userId;
}

/** What every `authed*` builder adds: the caller's user id, checked by `requireUserId`. */
const withUserId = customCtx(async (ctx: QueryCtx) => ({ userId: await requireUserId(ctx) }));

export const authedQuery = customQuery(query, withUserId);
export const authedMutation = customMutation(mutation, withUserId);
/**
 * The same, for the internal steps of a public action: Convex passes the caller's identity to
 * the functions an action runs, so they check the session themselves.
 */
export const authedInternalQuery = customQuery(internalQuery, withUserId);
export const authedInternalMutation = customMutation(internalMutation, withUserId);
/** Actions hold no database access: each one's first step is an authed internal query or mutation. */
export const publicAction = action;
export const publicQuery = query;
export const publicMutation = mutation;
export { internalMutation, internalQuery };
