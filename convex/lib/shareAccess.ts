/** How a link token or grant token turns into access: the rules every public path shares. */
import type { Doc, Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { findLinkBySlug, hasExpired } from "./linkSettings";
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
 * The link and its video behind a token (or custom slug), or null. Revoked links, links of deleted or
 * unready videos and malformed tokens all read as null ("missing"). Slugs resolve only when the
 * caller paid for the lookup (`slugPaid`: a slug ticket or a spent budget, lib/slugTickets.ts).
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
  const video = await ctx.db.get(link.videoId);
  if (!video || video.status !== "ready") return null;
  return { link, video };
}

export type GrantCheck = { ok: true; grant: Doc<"shareGrants">; link: Doc<"shareLinks">; video: Doc<"videos">; storageId: Id<"_storage"> } | Refused;

/**
 * Why a grant token does or does not open its video right now: `grantInvalid` (malformed, never
 * issued, swept, or issued under a password that has since changed), `missing` (link revoked or
 * deleted, video gone), `grantExpired` (the grant ran out) or `expired` (its link did).
 */
export async function checkGrant(ctx: QueryCtx, grantToken: string, now: number): Promise<GrantCheck> {
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
  const video = await ctx.db.get(link.videoId);
  if (!video || video.status !== "ready" || !video.storageId) return refuse("missing");
  return { ok: true, grant, link, video, storageId: video.storageId };
}

/**
 * The grant behind a grant token, if it still opens its video right now: the grant is
 * unexpired, its link is active, and the link's password has not changed since.
 */
export async function findUsableGrant(ctx: QueryCtx, grantToken: string, now: number) {
  const check = await checkGrant(ctx, grantToken, now);
  return check.ok ? check : null;
}

/** A grant never outlives its link. */
export function grantExpiry(link: Doc<"shareLinks">, now: number) {
  return Math.min(now + GRANT_TTL_MS, link.expiresAt ?? Number.POSITIVE_INFINITY);
}
