import { v } from "convex/values";
import { internal } from "./_generated/api";
import type { Doc, Id } from "./_generated/dataModel";
import type { MutationCtx, QueryCtx } from "./_generated/server";
import { authedMutation, authedQuery, internalMutation, publicMutation, publicQuery } from "./functions";
import { appError, invalid } from "./lib/errors";
import { expiryFromDays, hashLinkPassword } from "./lib/linkOptions";
import { hasRole, requireLinkRole, requireVideoRole } from "./lib/permissions";
import { rateLimiter } from "./lib/rateLimits";
import { findLinkByToken, linkStatus } from "./lib/shareAccess";
import { issueGrant, limitReached, viewerLock } from "./lib/grantIssuing";
import { logAccess } from "./lib/accessLog";
import { policyArgs, policyPatch } from "./lib/linkPolicies";
import { requireQuotaRoom } from "./lib/quota";
import { linkTokenFromNonce, randomToken, sha256Hex, shareUrl } from "./lib/tokens";
import { linkStatusValidator } from "./lib/validators";

const linkSummary = v.object({
  linkId: v.id("shareLinks"),
  url: v.union(v.string(), v.null()),
  creatorName: v.string(),
  createdAt: v.number(),
  expiresAt: v.union(v.number(), v.null()),
  allowDownload: v.boolean(),
  hasPassword: v.boolean(),
  isExpired: v.boolean(),
  status: linkStatusValidator,
  viewCount: v.number(),
  downloadCount: v.number(),
  lastAccessedAt: v.union(v.number(), v.null()),
  viewerCount: v.number(),
  label: v.union(v.string(), v.null()),
  note: v.union(v.string(), v.null()),
  customSlug: v.union(v.string(), v.null()),
  maxViewers: v.union(v.number(), v.null()),
  maxViews: v.union(v.number(), v.null()),
  maxDownloads: v.union(v.number(), v.null()),
});

const viewerIdValidator = v.optional(v.string());

export const tokenStatus = v.union(
  v.object({ status: v.literal("missing") }),
  v.object({ status: v.literal("expired") }),
  v.object({ status: v.literal("requiresPassword") }),
  v.object({ status: v.literal("locked"), retryAfterMs: v.number() }),
  v.object({ status: v.literal("limitReached"), limit: v.union(v.literal("viewLimit"), v.literal("viewerLimit")) }),
  v.object({
    status: v.literal("ok"),
    video: v.object({
      title: v.string(),
      description: v.string(),
      durationSeconds: v.union(v.number(), v.null()),
    }),
  }),
);

export const grantResult = v.union(
  v.object({ ok: v.literal(true), grantToken: v.string(), expiresAt: v.number() }),
  v.object({
    ok: v.literal(false),
    reason: v.union(
      v.literal("missing"),
      v.literal("expired"),
      v.literal("invalidPassword"),
      v.literal("rateLimited"),
      v.literal("locked"),
      v.literal("viewLimit"),
      v.literal("viewerLimit"),
    ),
    retryAfterMs: v.optional(v.number()),
  }),
);

export const create = authedMutation({
  args: {
    videoId: v.id("videos"),
    expiresInDays: v.optional(v.number()),
    allowDownload: v.optional(v.boolean()),
    password: v.optional(v.string()),
    ...policyArgs,
  },
  returns: v.object({ linkId: v.id("shareLinks"), token: v.string(), url: v.string() }),
  handler: async (ctx, args) => {
    const limit = await rateLimiter.limit(ctx, "createLink", { key: ctx.userId });
    if (!limit.ok) {
      throw appError("RATE_LIMITED", "You are creating links too quickly; try again shortly.", {
        retryAfterMs: limit.retryAfter,
      });
    }
    const { video } = await requireVideoRole(ctx, args.videoId, "member");
    if (video.status !== "ready") {
      throw appError("VIDEO_NOT_READY", "Only a video that has finished uploading can be shared.");
    }
    const now = Date.now();
    if (args.expiresInDays !== undefined && args.expiresAt != null) throw invalid("Give either expiresInDays or expiresAt, not both.");
    const policies = await policyPatch(ctx, args, now);
    const expiresAt = args.expiresInDays === undefined ? policies.expiresAt : expiryFromDays(args.expiresInDays, now);
    if (expiresAt !== undefined) await requireQuotaRoom(ctx, video.teamId, now);
    const passwordHash = args.password === undefined ? undefined : hashLinkPassword(args.password);
    const nonce = randomToken();
    const token = await linkTokenFromNonce(nonce);
    const linkId = await ctx.db.insert("shareLinks", {
      videoId: video._id,
      teamId: video.teamId,
      createdBy: ctx.userId,
      nonce,
      tokenHash: await sha256Hex(token),
      allowDownload: args.allowDownload ?? false,
      passwordHash,
      passwordVersion: 0,
      viewCount: 0,
      downloadCount: 0,
      viewerCount: 0,
      ...policies,
      expiresAt,
    });
    return { linkId, token, url: shareUrl(token) };
  },
});

export const list = authedQuery({
  args: { videoId: v.id("videos") },
  returns: v.array(linkSummary),
  handler: async (ctx, { videoId }) => {
    const { membership } = await requireVideoRole(ctx, videoId, "viewer");
    const showUrls = hasRole(membership.role, "member");
    const links = await ctx.db
      .query("shareLinks")
      .withIndex("by_video", (q) => q.eq("videoId", videoId))
      .order("desc")
      .take(500);
    const now = Date.now();
    return await Promise.all(links.map((link) => summarize(ctx, link, now, showUrls)));
  },
});

async function summarize(ctx: QueryCtx, link: Doc<"shareLinks">, now: number, showUrl: boolean) {
  const creator = await ctx.db.get(link.createdBy);
  const status = linkStatus(link, now);
  return {
    linkId: link._id,
    url: showUrl && status !== "revoked" ? shareUrl(await linkTokenFromNonce(link.nonce)) : null,
    creatorName: creator?.name || creator?.email || "Former member",
    createdAt: link._creationTime,
    expiresAt: link.expiresAt ?? null,
    allowDownload: link.allowDownload,
    hasPassword: link.passwordHash !== undefined,
    isExpired: link.expiresAt !== undefined && link.expiresAt <= now,
    status,
    viewCount: link.viewCount,
    downloadCount: link.downloadCount,
    lastAccessedAt: link.lastAccessedAt ?? null,
    viewerCount: link.viewerCount ?? 0,
    label: link.label ?? null,
    note: link.note ?? null,
    customSlug: link.customSlug ?? null,
    maxViewers: link.maxViewers ?? null,
    maxViews: link.maxViews ?? null,
    maxDownloads: link.maxDownloads ?? null,
  };
}

export const update = authedMutation({
  args: {
    linkId: v.id("shareLinks"),
    expiresInDays: v.optional(v.union(v.number(), v.null())),
    allowDownload: v.optional(v.boolean()),
    password: v.optional(v.union(v.string(), v.null())),
    ...policyArgs,
  },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { link } = await requireLinkRole(ctx, args.linkId, "member");
    if (link.revokedAt !== undefined) throw invalid("A revoked link cannot be edited.");
    if (args.expiresInDays !== undefined && args.expiresAt !== undefined) throw invalid("Give either expiresInDays or expiresAt, not both.");
    const now = Date.now();
    const patch: Partial<Doc<"shareLinks">> = await policyPatch(ctx, args, now, link);
    if (args.expiresInDays !== undefined) {
      patch.expiresAt = args.expiresInDays === null ? undefined : expiryFromDays(args.expiresInDays, Date.now());
    }
    if (args.allowDownload !== undefined) patch.allowDownload = args.allowDownload;
    if (args.password !== undefined) {
      patch.passwordHash = args.password === null ? undefined : hashLinkPassword(args.password);
      patch.passwordVersion = link.passwordVersion + 1;
    }
    const becomesExpiring = "expiresAt" in patch && patch.expiresAt !== undefined && (link.expiresAt === undefined || link.expiresAt <= now);
    if (becomesExpiring) await requireQuotaRoom(ctx, link.teamId, now);
    await ctx.db.patch(link._id, patch);
    if (patch.passwordVersion !== undefined) await scheduleGrantDeletion(ctx, link._id);
    return null;
  },
});

/** Soft: the link stops working for good but keeps its stats. Idempotent. */
export const revoke = authedMutation({
  args: { linkId: v.id("shareLinks") },
  returns: v.null(),
  handler: async (ctx, { linkId }) => {
    const { link } = await requireLinkRole(ctx, linkId, "member");
    // Grants stay (unusable: every use checks the link) so media requests can tell
    // "link revoked" (404) from "unknown grant" (401); the expiry sweep removes them.
    if (link.revokedAt === undefined) {
      await ctx.db.patch(linkId, { revokedAt: Date.now() });
      await logAccess(ctx, linkId, "revoked");
    }
    return null;
  },
});

export const remove = authedMutation({
  args: { linkId: v.id("shareLinks") },
  returns: v.null(),
  handler: async (ctx, { linkId }) => {
    await requireLinkRole(ctx, linkId, "member");
    await ctx.db.delete(linkId);
    await scheduleGrantDeletion(ctx, linkId);
    return null;
  },
});

/** Grants stop working at once (they are checked against the link); this removes them in batches. */
async function scheduleGrantDeletion(ctx: MutationCtx, linkId: Id<"shareLinks">) {
  await ctx.scheduler.runAfter(0, internal.shareLinks.deleteGrantsOfLink, { linkId });
}

const GRANT_BATCH = 200;

export const deleteGrantsOfLink = internalMutation({
  args: { linkId: v.id("shareLinks") },
  returns: v.null(),
  handler: async (ctx, { linkId }) => {
    const link = await ctx.db.get(linkId);
    const grants = await ctx.db
      .query("shareGrants")
      .withIndex("by_link", (q) => q.eq("linkId", linkId))
      .take(GRANT_BATCH);
    let deleted = 0;
    for (const grant of grants) {
      // After a password change, keep grants issued under the new password.
      if (link && grant.passwordVersion === link.passwordVersion) continue;
      await ctx.db.delete(grant._id);
      deleted++;
    }
    if (deleted === GRANT_BATCH) await scheduleGrantDeletion(ctx, linkId);
    return null;
  },
});

/** What the share page may know before it has a grant. No video details behind a password. */
export const getByToken = publicQuery({
  args: { token: v.string(), viewerId: viewerIdValidator },
  returns: tokenStatus,
  handler: async (ctx, args) => {
    const found = await findLinkByToken(ctx, args.token);
    if (!found) return { status: "missing" as const };
    const { link, video } = found;
    const now = Date.now();
    if (linkStatus(link, now) === "expired") return { status: "expired" as const };
    const limit = await limitReached(ctx, link, args.viewerId);
    if (limit) return { status: "limitReached" as const, limit };
    if (link.passwordHash !== undefined) {
      const lock = await viewerLock(ctx, link._id, args.viewerId);
      if (lock) return { status: "locked" as const, retryAfterMs: lock };
      return { status: "requiresPassword" as const };
    }
    return {
      status: "ok" as const,
      video: {
        title: video.title,
        description: video.description,
        durationSeconds: video.durationSeconds ?? null,
      },
    };
  },
});

export const issueAccessGrant = publicMutation({
  args: { token: v.string(), password: v.optional(v.string()), viewerId: viewerIdValidator },
  returns: grantResult,
  handler: async (ctx, args) => await issueGrant(ctx, args, Date.now()),
});
