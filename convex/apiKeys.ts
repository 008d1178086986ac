import { v } from "convex/values";
import { authedMutation, authedQuery } from "./functions";
import { invalid, notFound } from "./lib/errors";
import { requireTeamRole } from "./lib/permissions";
import { requireText } from "./lib/text";
import { randomToken, sha256Hex } from "./lib/tokens";

export const scopeValidator = v.union(v.literal("shares:read"), v.literal("shares:write"));

/** Owners and admins create keys; the key is returned this once and stored hashed. */
export const create = authedMutation({
  args: { teamId: v.id("teams"), name: v.string(), scopes: v.array(scopeValidator) },
  returns: v.object({ keyId: v.id("apiKeys"), key: v.string() }),
  handler: async (ctx, args) => {
    await requireTeamRole(ctx, args.teamId, "admin");
    const scopes = [...new Set(args.scopes)];
    if (scopes.length === 0) throw invalid("Choose at least one scope.");
    const key = `rg_${randomToken()}`;
    const keyId = await ctx.db.insert("apiKeys", {
      teamId: args.teamId,
      name: requireText(args.name, "Key name", 80),
      scopes,
      keyHash: await sha256Hex(key),
      keyPrefix: key.slice(0, 9),
      createdBy: ctx.userId,
    });
    return { keyId, key };
  },
});

export const list = authedQuery({
  args: { teamId: v.id("teams") },
  returns: v.array(
    v.object({
      keyId: v.id("apiKeys"),
      name: v.string(),
      scopes: v.array(scopeValidator),
      keyPrefix: v.string(),
      createdAt: v.number(),
      revoked: v.boolean(),
      lastUsedAt: v.union(v.number(), v.null()),
    }),
  ),
  handler: async (ctx, { teamId }) => {
    await requireTeamRole(ctx, teamId, "admin");
    const keys = await ctx.db
      .query("apiKeys")
      .withIndex("by_team", (q) => q.eq("teamId", teamId))
      .order("desc")
      .take(200);
    return keys.map((k) => ({
      keyId: k._id,
      name: k.name,
      scopes: k.scopes,
      keyPrefix: k.keyPrefix,
      createdAt: k._creationTime,
      revoked: k.revokedAt !== undefined,
      lastUsedAt: k.lastUsedAt ?? null,
    }));
  },
});

/** Takes effect at once: every API request looks the key up. Idempotent. */
export const revoke = authedMutation({
  args: { keyId: v.id("apiKeys") },
  returns: v.null(),
  handler: async (ctx, { keyId }) => {
    const key = await ctx.db.get(keyId);
    if (!key) throw notFound("API key");
    await requireTeamRole(ctx, key.teamId, "admin");
    if (key.revokedAt === undefined) await ctx.db.patch(keyId, { revokedAt: Date.now() });
    return null;
  },
});
