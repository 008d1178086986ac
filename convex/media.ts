/** The internal side of media delivery; the HTTP routes live in http.ts. */
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";
import { internalMutation } from "./functions";
import { logAccess } from "./lib/accessLog";
import { addressAllowed } from "./lib/ip";
import { admitToLink, countView } from "./lib/grantIssuing";
import { rateLimiter } from "./lib/rateLimits";
import { checkGrant } from "./lib/shareAccess";

export const mediaAccess = v.union(
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
  v.object({ kind: v.literal("passwordRequired") }),
  v.object({ kind: v.literal("invalidPassword") }),
  v.object({ kind: v.literal("rateLimited"), retryAfterMs: v.number() }),
  v.object({ kind: v.union(v.literal("limitReached"), v.literal("downloadLimit"), v.literal("ipNotAllowed")) }),
);
export type MediaAccess = Infer<typeof mediaAccess>;

async function describe(ctx: MutationCtx, storageId: Id<"_storage">, video: Doc<"videos">, link: Doc<"shareLinks">) {
  const file = await ctx.db.system.get(storageId);
  if (!file) return { kind: "gone" as const };
  return {
    kind: "ok" as const,
    storageId,
    contentType: file.contentType ?? video.contentType ?? "application/octet-stream",
    size: file.size,
    sha256: file.sha256,
    fileName: video.fileName,
    allowDownload: link.allowDownload,
  };
}

/** Counts a download unless the link's download cap is reached (exact: mutations are serializable). */
async function startDownload(ctx: MutationCtx, link: Doc<"shareLinks">, viewerId: string | undefined, now: number) {
  if (link.maxDownloads !== undefined && link.downloadCount >= link.maxDownloads) return false;
  await ctx.db.patch(link._id, { downloadCount: link.downloadCount + 1, lastAccessedAt: now });
  await logAccess(ctx, link._id, "download", { viewerId });
  return true;
}

async function throttle(ctx: MutationCtx, key: string) {
  const limit = await rateLimiter.limit(ctx, "mediaRequests", { key });
  return limit.ok ? null : { kind: "rateLimited" as const, retryAfterMs: Math.ceil(limit.retryAfter) };
}

/**
 * One request on /media/<grant>: re-checks the grant and its link, spends the grant's
 * request budget, and counts a download when one starts.
 */
export const openGrant = internalMutation({
  args: { grantToken: v.string(), downloadStarted: v.boolean(), clientAddress: v.optional(v.string()) },
  returns: mediaAccess,
  handler: async (ctx, args): Promise<MediaAccess> => {
    const now = Date.now();
    const check = await checkGrant(ctx, args.grantToken, now);
    if (check.kind !== "ok") return { kind: check.kind };
    if (check.link.ipAllowlist !== undefined && !addressAllowed(args.clientAddress, check.link.ipAllowlist)) return { kind: "ipNotAllowed" };
    const limited = await throttle(ctx, `grant:${check.grant._id}`);
    if (limited) return limited;
    if (args.downloadStarted && check.link.allowDownload) {
      if (!(await startDownload(ctx, check.link, check.grant.viewerId, now))) return { kind: "downloadLimit" };
    }
    return await describe(ctx, check.storageId, check.video, check.link);
  },
});

/**
 * One request on the raw link /s/<token>: the same admission as a grant (password via
 * header, same rate limits), a view counted when playback starts from the beginning.
 */
export const openLink = internalMutation({
  args: {
    token: v.string(),
    password: v.optional(v.string()),
    clientKey: v.string(),
    clientAddress: v.optional(v.string()),
    viewStarted: v.boolean(),
    downloadStarted: v.boolean(),
  },
  returns: mediaAccess,
  handler: async (ctx, args): Promise<MediaAccess> => {
    const now = Date.now();
    const admission = await admitToLink(ctx, { token: args.token, password: args.password, viewerId: args.clientKey, clientAddress: args.clientAddress }, now);
    if (!admission.ok) {
      if (admission.link && admission.reason !== "invalidPassword") {
        await logAccess(ctx, admission.link._id, "grantRefused", { reason: admission.reason, viewerId: args.clientKey, clientAddress: args.clientAddress });
      }
      switch (admission.reason) {
        case "missing":
          return { kind: "gone" };
        case "expired":
          return { kind: "expired" };
        case "invalidPassword":
          return { kind: args.password ? "invalidPassword" : "passwordRequired" };
        case "viewLimit":
        case "viewerLimit":
          return { kind: "limitReached" };
        case "ipCheckRequired":
        case "ipNotAllowed":
          return { kind: "ipNotAllowed" };
        default:
          return { kind: "rateLimited", retryAfterMs: admission.retryAfterMs ?? 60_000 };
      }
    }
    const { link, video } = admission;
    if (!video.storageId) return { kind: "gone" };
    const limited = await throttle(ctx, `link:${link._id}`);
    if (limited) return limited;
    if (args.downloadStarted && link.allowDownload) {
      if (!(await startDownload(ctx, link, args.clientKey, now))) return { kind: "downloadLimit" };
    } else if (args.viewStarted) {
      await countView(ctx, link, args.clientKey, admission.newViewer, now);
    }
    return await describe(ctx, video.storageId, video, link);
  },
});
