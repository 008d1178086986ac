/**
 * Rate-limit state is one row per key in the rate-limiter component; single-use sign-in tickets
 * and per-address budgets would otherwise leave rows forever. Every limit refills within an
 * hour, so a row created over a day ago holds nothing a fresh bucket would not — except a bucket
 * still being hit now, which this refills at most once a day. Runs daily from crons.ts.
 */
import { v } from "convex/values";
import { components } from "./_generated/api";
import { internalMutation } from "./functions";

export const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

export const clearStale = internalMutation({
  args: {},
  returns: v.null(),
  handler: async (ctx) => {
    await ctx.runMutation(components.rateLimiter.lib.clearAll, { before: Date.now() - STALE_AFTER_MS });
    return null;
  },
});
