/**
 * Member grants (lib/memberGrants.ts) last ten minutes. Issuing one clears that user's expired
 * grants on that team, but a user who stops opening players (or leaves the team) would leave
 * theirs forever: this deletes every expired one, a bounded batch per transaction, scheduling
 * itself again until none is left. Runs hourly from crons.ts.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation } from "./functions";

export const MEMBER_GRANT_SWEEP_BATCH = 500;

export const sweepExpired = internalMutation({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const expired = await ctx.db
      .query("memberGrants")
      .withIndex("by_expiresAt", (q) => q.lte("expiresAt", Date.now()))
      .take(MEMBER_GRANT_SWEEP_BATCH);
    for (const grant of expired) await ctx.db.delete(grant._id);
    if (expired.length === MEMBER_GRANT_SWEEP_BATCH) await ctx.scheduler.runAfter(0, internal.memberGrantSweep.sweepExpired, {});
    return expired.length;
  },
});
