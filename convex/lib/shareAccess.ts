/** How a link token or grant token turns into access: the rules every public path shares. */
import type { Doc } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { looksLikeToken, sha256Hex } from "./tokens";
import type { LinkStatus } from "./validators";

export const GRANT_TTL_MS = 24 * 60 * 60 * 1000;

export function linkStatus(link: Doc<"shareLinks">, now: number): LinkStatus {
  if (link.revokedAt !== undefined) return "revoked";
  if (link.expiresAt !== undefined && link.expiresAt <= now) return "expired";
  return "active";
}

/**
 * The link and its video behind a token, or null. Revoked links, links of deleted or
 * unready videos and malformed tokens all read as null ("missing").
 */
export async function findLinkByToken(ctx: QueryCtx, token: string) {
  if (!looksLikeToken(token)) return null;
  const tokenHash = await sha256Hex(token);
  const link = await ctx.db
    .query("shareLinks")
    .withIndex("by_tokenHash", (q) => q.eq("tokenHash", tokenHash))
    .unique();
  if (!link || link.revokedAt !== undefined) return null;
  const video = await ctx.db.get(link.videoId);
  if (!video || video.status !== "ready") return null;
  return { link, video };
}

/**
 * The grant behind a grant token, if it still opens its video right now: the grant is
 * unexpired, its link is active, and the link's password has not changed since.
 */
export async function findUsableGrant(ctx: QueryCtx, grantToken: string, now: number) {
  if (!looksLikeToken(grantToken)) return null;
  const tokenHash = await sha256Hex(grantToken);
  const grant = await ctx.db
    .query("shareGrants")
    .withIndex("by_tokenHash", (q) => q.eq("tokenHash", tokenHash))
    .unique();
  if (!grant || grant.expiresAt <= now) return null;
  const link = await ctx.db.get(grant.linkId);
  if (!link || linkStatus(link, now) !== "active") return null;
  if (grant.passwordVersion !== link.passwordVersion) return null;
  const video = await ctx.db.get(link.videoId);
  if (!video || video.status !== "ready" || !video.storageId) return null;
  return { grant, link, video, storageId: video.storageId };
}

/** A grant never outlives its link. */
export function grantExpiry(link: Doc<"shareLinks">, now: number) {
  return Math.min(now + GRANT_TTL_MS, link.expiresAt ?? Number.POSITIVE_INFINITY);
}
