import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation, publicMutation } from "./functions";
import { checkGrantLink, grantExpiry } from "./lib/shareAccess";

/**
 * A viewer whose grant still works extends it by another 24 hours (never past the link's
 * expiry). Needs no password and no rate-limit budget, so guessing on the link never
 * refuses people who are already in.
 */
export const renew = publicMutation({
  args: { grantToken: v.string() },
  returns: v.union(
    v.object({ ok: v.literal(true), expiresAt: v.number() }),
    v.object({ ok: v.literal(false), reason: v.literal("missing") }),
  ),
  handler: async (ctx, { grantToken }) => {
    const now = Date.now();
    // The link, not one video: a collection grant is renewed as a whole.
    const access = await checkGrantLink(ctx, grantToken, now);
    if (!access.ok) return { ok: false as const, reason: "missing" as const };
    const expiresAt = grantExpiry(access.link, now);
    await ctx.db.patch(access.grant._id, { expiresAt });
    return { ok: true as const, expiresAt };
  },
});

export const SWEEP_BATCH = 500;

/** Deletes expired grants, a batch per transaction, until none is left. */
export const sweepExpired = internalMutation({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const expired = await ctx.db
      .query("shareGrants")
      .withIndex("by_expiresAt", (q) => q.lte("expiresAt", Date.now()))
      .take(SWEEP_BATCH);
    for (const grant of expired) await ctx.db.delete(grant._id);
    if (expired.length === SWEEP_BATCH) {
      await ctx.scheduler.runAfter(0, internal.shareGrants.sweepExpired, {});
    }
    return expired.length;
  },
});
