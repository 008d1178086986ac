import { paginationOptsValidator } from "convex/server";
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { authedQuery, internalMutation } from "./functions";
import { ACCESS_LOG_RETENTION_MS, viewerAlias } from "./lib/accessLog";
import { requireLinkRole } from "./lib/permissions";
import { isRefusal, refusalValidator } from "./lib/refusals";

const entry = v.object({
  at: v.number(),
  event: v.union(v.literal("grantIssued"), v.literal("grantRefused"), v.literal("download"), v.literal("revoked")),
  /** Why a grant was refused (lib/refusals.ts). */
  reason: v.union(refusalValidator, v.null()),
  /** Which visitor, by a name of this link's own (lib/accessLog.ts viewerAlias), never their id. */
  viewer: v.union(v.string(), v.null()),
  clientAddress: v.union(v.string(), v.null()),
});

/** A link's access log, newest first, for any member of its team. */
export const list = authedQuery({
  args: { linkId: v.id("shareLinks"), paginationOpts: paginationOptsValidator },
  returns: v.object({ page: v.array(entry), isDone: v.boolean(), continueCursor: v.string() }),
  handler: async (ctx, { linkId, paginationOpts }) => {
    await requireLinkRole(ctx, linkId, "viewer");
    const result = await ctx.db
      .query("accessLog")
      .withIndex("by_link", (q) => q.eq("linkId", linkId))
      .order("desc")
      .paginate(paginationOpts);
    return {
      page: await Promise.all(
        result.page.map(async (e) => ({
          at: e._creationTime,
          event: e.event,
          reason: isRefusal(e.reason) ? e.reason : null,
          viewer: e.viewerId === undefined ? null : await viewerAlias(linkId, e.viewerId),
          clientAddress: e.clientAddress ?? null,
        })),
      ),
      isDone: result.isDone,
      continueCursor: result.continueCursor,
    };
  },
});

export const SWEEP_BATCH = 500;

/** Deletes entries older than 90 days, a batch per transaction. */
export const sweepOld = internalMutation({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const old = await ctx.db
      .query("accessLog")
      .withIndex("by_creation_time", (q) => q.lt("_creationTime", Date.now() - ACCESS_LOG_RETENTION_MS))
      .take(SWEEP_BATCH);
    for (const e of old) await ctx.db.delete(e._id);
    if (old.length === SWEEP_BATCH) await ctx.scheduler.runAfter(0, internal.accessLog.sweepOld, {});
    return old.length;
  },
});
