/** The internal side of grant-gated media delivery; the HTTP routes live in http.ts. */
import { v } from "convex/values";
import { internalMutation, internalQuery } from "./functions";
import { checkGrant } from "./lib/shareAccess";

export const resolveGrant = internalQuery({
  args: { grantToken: v.string() },
  returns: v.union(
    v.object({
      kind: v.literal("ok"),
      storageId: v.id("_storage"),
      contentType: v.string(),
      size: v.number(),
      sha256: v.string(),
      fileName: v.string(),
      allowDownload: v.boolean(),
    }),
    v.object({ kind: v.union(v.literal("unknown"), v.literal("expired"), v.literal("gone")) }),
  ),
  handler: async (ctx, { grantToken }) => {
    const check = await checkGrant(ctx, grantToken, Date.now());
    if (check.kind !== "ok") return { kind: check.kind };
    const file = await ctx.db.system.get(check.storageId);
    if (!file) return { kind: "gone" as const };
    return {
      kind: "ok" as const,
      storageId: check.storageId,
      contentType: file.contentType ?? check.video.contentType ?? "application/octet-stream",
      size: file.size,
      sha256: file.sha256,
      fileName: check.video.fileName,
      allowDownload: check.link.allowDownload,
    };
  },
});

/** One download started through a grant: counted on the link. */
export const countDownload = internalMutation({
  args: { grantToken: v.string() },
  returns: v.null(),
  handler: async (ctx, { grantToken }) => {
    const check = await checkGrant(ctx, grantToken, Date.now());
    if (check.kind !== "ok") return null;
    await ctx.db.patch(check.link._id, {
      downloadCount: check.link.downloadCount + 1,
      lastAccessedAt: Date.now(),
    });
    return null;
  },
});
