/**
 * Clears what unfinished uploads leave behind: files stored through an upload session that
 * never attached them (a cancelled upload, a closed tab, a second POST to a spent URL), and
 * videos whose upload never finished. Runs from crons.ts, in bounded batches.
 */
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation } from "./functions";
import { isAttached, UPLOAD_GRACE_MS, UPLOAD_URL_TTL_MS } from "./lib/uploads";

const SESSION_BATCH = 20;
const FILE_BATCH = 100;

export const sweep = internalMutation({
  args: {},
  returns: v.object({ filesDeleted: v.number(), sessionsClosed: v.number(), videosFailed: v.number() }),
  handler: async (ctx) => {
    const now = Date.now();
    const ripe = now - UPLOAD_GRACE_MS;
    // Files stored since the oldest session still open may yet be attached: never touch them.
    const oldestOpen = await ctx.db
      .query("uploads")
      .withIndex("by_expiresAt", (q) => q.gte("expiresAt", ripe))
      .first();
    const protectFrom = oldestOpen ? oldestOpen._creationTime : ripe;
    const expired = await ctx.db
      .query("uploads")
      .withIndex("by_expiresAt", (q) => q.lt("expiresAt", ripe))
      .take(SESSION_BATCH);
    let filesDeleted = 0;
    let sessionsClosed = 0;
    let more = expired.length === SESSION_BATCH;
    for (const session of expired) {
      const windowEnd = Math.min(session.expiresAt + UPLOAD_GRACE_MS, protectFrom);
      const { sweptUntil } = session;
      const files = await ctx.db.system
        .query("_storage")
        .withIndex("by_creation_time", (q) =>
          (sweptUntil === undefined ? q.gte("_creationTime", session._creationTime) : q.gt("_creationTime", sweptUntil)).lt(
            "_creationTime",
            windowEnd,
          ),
        )
        .take(FILE_BATCH);
      for (const file of files) {
        if (!(await isAttached(ctx, file._id))) {
          await ctx.storage.delete(file._id);
          filesDeleted++;
        }
      }
      if (files.length === FILE_BATCH) {
        await ctx.db.patch(session._id, { sweptUntil: files[files.length - 1]._creationTime });
        more = true;
      } else if (windowEnd >= session.expiresAt + UPLOAD_GRACE_MS) {
        await ctx.db.delete(session._id);
        sessionsClosed++;
      } else if (windowEnd > (sweptUntil ?? session._creationTime)) {
        // Cut short by a younger open session: resume from there on a later run.
        await ctx.db.patch(session._id, { sweptUntil: windowEnd - 1e-3 });
      }
    }
    // Videos still "uploading" long after any URL for them could have been used.
    const stale = await ctx.db
      .query("videos")
      .withIndex("by_status", (q) => q.eq("status", "uploading").lt("_creationTime", ripe - UPLOAD_URL_TTL_MS))
      .take(SESSION_BATCH);
    let videosFailed = 0;
    for (const video of stale) {
      const open = await ctx.db
        .query("uploads")
        .withIndex("by_video_purpose", (q) => q.eq("videoId", video._id).eq("purpose", "video"))
        .filter((q) => q.gte(q.field("expiresAt"), ripe))
        .first();
      if (open) continue;
      await ctx.db.patch(video._id, { status: "failed", failureReason: "The upload did not finish." });
      videosFailed++;
    }
    if (more) await ctx.scheduler.runAfter(0, internal.uploadSweep.sweep, {});
    return { filesDeleted, sessionsClosed, videosFailed };
  },
});
