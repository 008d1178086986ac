/**
 * Expired grants are swept hourly (crons.ts), one table per run: share grants (24 h viewer
 * grants, lib/shareAccess.ts) and member grants (ten-minute player grants, lib/memberGrants.ts).
 * Renewing or issuing clears some of them, but a holder who never comes back would leave theirs
 * forever. Each run deletes a bounded batch per transaction and schedules itself again until
 * none is left.
 */
import { v, type Infer } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation } from "./functions";

/** The tables whose rows carry `expiresAt` under a `by_expiresAt` index. */
export const grantTable = v.union(v.literal("shareGrants"), v.literal("memberGrants"));
export type GrantTable = Infer<typeof grantTable>;

export const GRANT_SWEEP_BATCH = 500;

export const sweepExpired = internalMutation({
  args: { table: grantTable },
  returns: v.number(),
  handler: async (ctx, { table }) => {
    const expired = await ctx.db
      .query(table)
      .withIndex("by_expiresAt", (q) => q.lte("expiresAt", Date.now()))
      .take(GRANT_SWEEP_BATCH);
    for (const grant of expired) await ctx.db.delete(grant._id);
    if (expired.length === GRANT_SWEEP_BATCH) await ctx.scheduler.runAfter(0, internal.grantSweep.sweepExpired, { table });
    return expired.length;
  },
});
