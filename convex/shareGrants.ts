import { v } from "convex/values";
import { publicMutation } from "./functions";
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
