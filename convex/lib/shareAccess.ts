/** How a link token or grant token turns into access: the rules every public path shares. */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { playableVideos } from "./collections";
import { addressAllowed } from "./ip";
import { hasExpired } from "./linkExpiry";
import { findLinkBySlug } from "./linkSettings";
import { refuse, type Refused } from "./refusals";
import { looksLikeToken, sha256Hex } from "./tokens";
import type { LinkStatus } from "./validators";

export const GRANT_TTL_MS = 24 * 60 * 60 * 1000;

export function linkStatus(link: Doc<"shareLinks">, now: number): LinkStatus {
  if (link.revokedAt !== undefined) return "revoked";
  if (hasExpired(link, now)) return "expired";
  return "active";
}

/**
 * The link and what it opens behind a token (or custom slug), or null. Revoked links, links of
 * deleted or unready videos, of deleted collections, and malformed tokens all read as null
 * ("missing"). A collection link's `video` is its first playable video (null when it has none:
 * the link still opens, onto an empty list). Slugs resolve only when the caller paid for the
 * lookup (`slugPaid`: a slug ticket or a spent budget, lib/slugTickets.ts).
 */
export async function findLinkByToken(ctx: QueryCtx, tokenOrSlug: string, slugPaid: boolean) {
  let link: Doc<"shareLinks"> | null = null;
  if (looksLikeToken(tokenOrSlug)) {
    const tokenHash = await sha256Hex(tokenOrSlug);
    link = await ctx.db
      .query("shareLinks")
      .withIndex("by_tokenHash", (q) => q.eq("tokenHash", tokenHash))
      .unique();
  }
  if (!link && slugPaid) link = await findLinkBySlug(ctx, tokenOrSlug);
  if (!link || link.revokedAt !== undefined) return null;
  if (link.collectionId !== undefined) {
    const collection = await ctx.db.get(link.collectionId);
    if (!collection) return null;
    return { link, collection, video: (await playableVideos(ctx, collection))[0] ?? null };
  }
  const video = link.videoId ? await ctx.db.get(link.videoId) : null;
  if (!video || video.status !== "ready") return null;
  return { link, collection: null, video };
}

/**
 * Which video a request on a link means: a video link's own video (`videoId`, if given, must be
 * it), or for a collection link the one named by `videoId` — in the collection, in the library,
 * ready. Null when there is no such video (or none was named on a collection link).
 */
export async function videoOfLink(ctx: QueryCtx, link: Doc<"shareLinks">, videoId: string | undefined): Promise<Doc<"videos"> | null> {
  if (link.collectionId === undefined) {
    if (!link.videoId || (videoId !== undefined && videoId !== link.videoId)) return null;
    return await ctx.db.get(link.videoId);
  }
  const id = videoId === undefined ? null : ctx.db.normalizeId("videos", videoId);
  const collection = await ctx.db.get(link.collectionId);
  if (!id || !collection || !collection.videoIds.includes(id)) return null;
  const video = await ctx.db.get(id);
  return video && video.teamId === collection.teamId ? video : null;
}

export type GrantCheck =
  { ok: true; grant: Doc<"shareGrants">; link: Doc<"shareLinks">; video: Doc<"videos">; storageId: Id<"_storage"> } | Refused;
export type LinkGrantCheck = { ok: true; grant: Doc<"shareGrants">; link: Doc<"shareLinks"> } | Refused;

/**
 * Why a grant token does or does not open its link right now: `grantInvalid` (malformed, never
 * issued, swept, or issued under a password that has since changed), `missing` (link revoked or
 * deleted), `grantExpired` (the grant ran out), `expired` (its link did) or `ipNotAllowed` (the
 * link's IP allowlist, set or changed since, does not cover the address the grant was issued to).
 */
export async function checkGrantLink(ctx: QueryCtx, grantToken: string, now: number): Promise<LinkGrantCheck> {
  if (!looksLikeToken(grantToken)) return refuse("grantInvalid");
  const tokenHash = await sha256Hex(grantToken);
  const grant = await ctx.db
    .query("shareGrants")
    .withIndex("by_tokenHash", (q) => q.eq("tokenHash", tokenHash))
    .unique();
  if (!grant) return refuse("grantInvalid");
  const link = await ctx.db.get(grant.linkId);
  if (!link || link.revokedAt !== undefined) return refuse("missing");
  if (grant.passwordVersion !== link.passwordVersion) return refuse("grantInvalid");
  if (grant.expiresAt <= now) return refuse("grantExpired");
  if (linkStatus(link, now) === "expired") return refuse("expired");
  if (link.ipAllowlist !== undefined && !addressAllowed(grant.clientAddress, link.ipAllowlist)) return refuse("ipNotAllowed");
  return { ok: true, grant, link };
}

/**
 * Why a grant token does or does not open a video right now: checkGrantLink's reasons, or
 * `missing` when the video is gone, not ready, or not the link's (videoOfLink: a collection
 * grant names which of its videos; one grant opens each of them, each request checked).
 */
export async function checkGrant(ctx: QueryCtx, grantToken: string, now: number, videoId?: string): Promise<GrantCheck> {
  const check = await checkGrantLink(ctx, grantToken, now);
  if (!check.ok) return check;
  const { grant, link } = check;
  const video = await videoOfLink(ctx, link, videoId);
  if (!video || video.status !== "ready" || !video.storageId) return refuse("missing");
  return { ok: true, grant, link, video, storageId: video.storageId };
}

/**
 * The grant behind a grant token, if it still opens its video right now: the grant is
 * unexpired, its link is active, and the link's password has not changed since.
 */
export async function findUsableGrant(ctx: QueryCtx, grantToken: string, now: number, videoId?: string) {
  const check = await checkGrant(ctx, grantToken, now, videoId);
  return check.ok ? check : null;
}

/** A grant never outlives its link. */
export function grantExpiry(link: Doc<"shareLinks">, now: number) {
  return Math.min(now + GRANT_TTL_MS, link.expiresAt ?? Number.POSITIVE_INFINITY);
}
