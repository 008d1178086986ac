/** Share-link management shared by the Convex functions (shareLinks.ts) and the HTTP API (apiV1.ts). */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { internal } from "../_generated/api";
import { logAccess } from "./accessLog";
import { appError, invalid } from "./errors";
import { hasExpired } from "./linkExpiry";
import { hashLinkPassword, policyPatch, requestedExpiry, type CreateLinkArgs, type UpdateLinkArgs } from "./linkSettings";
import { requireCollectionRole, requireLinkRole, requireVideoRole } from "./permissions";
import { requireQuotaRoom } from "./quota";
import { rateLimiter } from "./rateLimits";
import { linkStatus } from "./shareAccess";
import { linkTokenFromNonce, randomToken, sha256Hex, shareUrl } from "./tokens";

type Actor = MutationCtx & { userId: Id<"users"> };

export async function createLink(ctx: Actor, args: CreateLinkArgs) {
  const limit = await rateLimiter.limit(ctx, "createLink", { key: ctx.userId });
  if (!limit.ok) {
    throw appError("RATE_LIMITED", "You are creating links too quickly; try again shortly.", {
      retryAfterMs: limit.retryAfter,
    });
  }
  const target = await shareTarget(ctx, args);
  const now = Date.now();
  const expiresAt = requestedExpiry(args, now) ?? undefined;
  const policies = await policyPatch(ctx, args);
  if (expiresAt !== undefined) await requireQuotaRoom(ctx, target.teamId, now);
  const passwordHash = args.password === undefined ? undefined : hashLinkPassword(args.password);
  const nonce = randomToken();
  const token = await linkTokenFromNonce(nonce);
  const linkId = await ctx.db.insert("shareLinks", {
    ...(target.kind === "video" ? { videoId: target.id } : { collectionId: target.id }),
    teamId: target.teamId,
    createdBy: ctx.userId,
    nonce,
    tokenHash: await sha256Hex(token),
    allowDownload: args.allowDownload ?? false,
    allowComments: args.allowComments === true ? true : undefined,
    passwordHash,
    passwordVersion: 0,
    viewCount: 0,
    downloadCount: 0,
    viewerCount: 0,
    ...policies,
    expiresAt,
  });
  return { linkId, token, url: shareUrl(token) };
}

/** What a new link opens — a ready video or a collection — with the member role on its team. */
async function shareTarget(ctx: Actor, args: Pick<CreateLinkArgs, "videoId" | "collectionId">) {
  if ((args.videoId === undefined) === (args.collectionId === undefined)) throw invalid("Share either a videoId or a collectionId.");
  if (args.collectionId !== undefined) {
    const { collection } = await requireCollectionRole(ctx, args.collectionId, "member");
    return { kind: "collection" as const, id: collection._id, teamId: collection.teamId };
  }
  const { video } = await requireVideoRole(ctx, args.videoId!, "member");
  if (video.status !== "ready") {
    throw appError("VIDEO_NOT_READY", "Only a video that has finished uploading can be shared.");
  }
  return { kind: "video" as const, id: video._id, teamId: video.teamId };
}

export async function updateLink(ctx: Actor, args: UpdateLinkArgs) {
  const { link } = await requireLinkRole(ctx, args.linkId, "member");
  if (link.revokedAt !== undefined) throw invalid("A revoked link cannot be edited.");
  const now = Date.now();
  const expiresAt = requestedExpiry(args, now);
  const patch: Partial<Doc<"shareLinks">> = await policyPatch(ctx, args, link);
  if (expiresAt !== undefined) patch.expiresAt = expiresAt ?? undefined;
  if (args.allowDownload !== undefined) patch.allowDownload = args.allowDownload;
  if (args.allowComments !== undefined) patch.allowComments = args.allowComments;
  if (args.password !== undefined) {
    patch.passwordHash = args.password === null ? undefined : hashLinkPassword(args.password);
    patch.passwordVersion = link.passwordVersion + 1;
  }
  const becomesExpiring = patch.expiresAt !== undefined && (link.expiresAt === undefined || hasExpired(link, now));
  if (becomesExpiring) await requireQuotaRoom(ctx, link.teamId, now);
  await ctx.db.patch(link._id, patch);
  if (patch.passwordVersion !== undefined) await scheduleGrantDeletion(ctx, link._id);
  return null;
}

/** Soft: the link stops working for good but keeps its stats. Idempotent. */
export async function revokeLink(ctx: Actor, linkId: Id<"shareLinks">) {
  const { link } = await requireLinkRole(ctx, linkId, "member");
  // Grants stay (unusable: every use checks the link) so media requests can tell
  // "link revoked" (404) from "unknown grant" (401); the expiry sweep removes them.
  if (link.revokedAt === undefined) {
    await ctx.db.patch(linkId, { revokedAt: Date.now() });
    await logAccess(ctx, linkId, "revoked");
  }
  return null;
}

/** Grants stop working at once (they are checked against the link); this removes them in batches. */
export async function scheduleGrantDeletion(ctx: MutationCtx, linkId: Id<"shareLinks">) {
  await ctx.scheduler.runAfter(0, internal.shareLinks.deleteGrantsOfLink, { linkId });
}

export async function summarizeLink(ctx: QueryCtx, link: Doc<"shareLinks">, now: number, showUrl: boolean) {
  const creator = await ctx.db.get(link.createdBy);
  const status = linkStatus(link, now);
  return {
    linkId: link._id,
    url: showUrl && status !== "revoked" ? shareUrl(await linkTokenFromNonce(link.nonce)) : null,
    creatorName: creator?.name || creator?.email || "Former member",
    createdAt: link._creationTime,
    expiresAt: link.expiresAt ?? null,
    allowDownload: link.allowDownload,
    allowComments: link.allowComments === true,
    hasPassword: link.passwordHash !== undefined,
    isExpired: hasExpired(link, now),
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
    ipAllowlist: link.ipAllowlist?.join(", ") ?? null,
  };
}
