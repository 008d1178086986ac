/**
 * Turning a link token (and password) into a 24-hour access grant, with the rate limits
 * that make guessing slow without letting a stranger lock real viewers out:
 * - every attempt counts against a global and a per-link budget;
 * - wrong passwords count against a per-link aggregate (slows guessing for everyone) and a
 *   per-viewer streak; 5 in a row lock that viewer alone for 10 minutes;
 * - wrong passwords are returned, never thrown, so the counters' writes commit.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { logAccess } from "./accessLog";
import { addressAllowed } from "./ip";
import { invalid } from "./errors";
import { passwordMatches } from "./linkOptions";
import { rateLimiter } from "./rateLimits";
import { findLinkByToken, grantExpiry, linkStatus } from "./shareAccess";
import { randomToken, sha256Hex } from "./tokens";

export type Refusal =
  | "missing"
  | "expired"
  | "invalidPassword"
  | "rateLimited"
  | "locked"
  | "viewLimit"
  | "viewerLimit"
  | "ipCheckRequired"
  | "ipNotAllowed";
export type GrantResult =
  | { ok: true; grantToken: string; expiresAt: number }
  | { ok: false; reason: Refusal; retryAfterMs?: number };

const refuse = (reason: Refusal, retryAfterMs?: number): { ok: false; reason: Refusal; retryAfterMs?: number } =>
  retryAfterMs === undefined ? { ok: false, reason } : { ok: false, reason, retryAfterMs };

export function checkViewerId(viewerId: string | undefined) {
  if (viewerId !== undefined && !/^[A-Za-z0-9_-]{8,64}$/.test(viewerId)) {
    throw invalid("viewerId must be 8–64 characters of A–Z, a–z, 0–9, - or _.");
  }
}

function viewerKey(linkId: Id<"shareLinks">, viewerId: string | undefined) {
  return `${linkId}:${viewerId ?? "anonymous"}`;
}

/** Milliseconds this viewer stays locked out of the link, or 0. */
export async function viewerLock(ctx: QueryCtx, linkId: Id<"shareLinks">, viewerId: string | undefined) {
  checkViewerId(viewerId);
  const lock = await rateLimiter.check(ctx, "viewerLockout", { key: viewerKey(linkId, viewerId) });
  return lock.ok ? 0 : Math.max(1, Math.ceil(lock.retryAfter));
}

type Admission =
  | { ok: true; link: Doc<"shareLinks">; video: Doc<"videos">; newViewer: boolean }
  | { ok: false; reason: Refusal; retryAfterMs?: number; link?: Doc<"shareLinks"> };

/**
 * Decides whether someone holding a link token (and maybe a password) may see the video
 * now, counting the attempt against every rate limit. Used for grants and raw links.
 */
export async function admitToLink(
  ctx: MutationCtx,
  args: { token: string; password?: string; viewerId?: string; clientAddress?: string },
  now: number,
): Promise<Admission> {
  checkViewerId(args.viewerId);
  const found = await findLinkByToken(ctx, args.token);
  if (!found) return refuse("missing");
  const result = await admitFound(ctx, found.link, args, now);
  return result.ok ? { ...result, video: found.video } : { ...result, link: found.link };
}

async function admitFound(
  ctx: MutationCtx,
  link: Doc<"shareLinks">,
  args: { password?: string; viewerId?: string; clientAddress?: string },
  now: number,
): Promise<{ ok: true; link: Doc<"shareLinks">; newViewer: boolean } | { ok: false; reason: Refusal; retryAfterMs?: number }> {
  if (linkStatus(link, now) === "expired") return refuse("expired");
  if (link.ipAllowlist !== undefined) {
    if (args.clientAddress === undefined) return refuse("ipCheckRequired");
    if (!addressAllowed(args.clientAddress, link.ipAllowlist)) return refuse("ipNotAllowed");
  }

  const global = await rateLimiter.limit(ctx, "grantAttemptsGlobal");
  if (!global.ok) return refuse("rateLimited", global.retryAfter);
  const perLink = await rateLimiter.limit(ctx, "grantAttemptsPerLink", { key: link._id });
  if (!perLink.ok) return refuse("rateLimited", perLink.retryAfter);

  if (link.passwordHash !== undefined) {
    const key = viewerKey(link._id, args.viewerId);
    const locked = await viewerLock(ctx, link._id, args.viewerId);
    if (locked) return refuse("locked", locked);
    const linkCap = await rateLimiter.check(ctx, "passwordFailuresPerLink", { key: link._id });
    if (!linkCap.ok) return refuse("rateLimited", linkCap.retryAfter);
    if (args.password === undefined || args.password === "") return refuse("invalidPassword");

    if (!passwordMatches(args.password, link.passwordHash)) {
      await rateLimiter.limit(ctx, "passwordFailuresPerLink", { key: link._id });
      await rateLimiter.limit(ctx, "passwordFailuresPerViewer", { key });
      const streak = await rateLimiter.check(ctx, "passwordFailuresPerViewer", { key });
      if (!streak.ok) {
        // Fifth failure in a row: lock this viewer (only) and start a fresh streak after.
        await rateLimiter.limit(ctx, "viewerLockout", { key });
        await rateLimiter.reset(ctx, "passwordFailuresPerViewer", { key });
        return refuse("locked", await viewerLock(ctx, link._id, args.viewerId));
      }
      return refuse("invalidPassword");
    }
    await rateLimiter.reset(ctx, "passwordFailuresPerViewer", { key });
  }
  return await checkLimits(ctx, link, args.viewerId);
}

/** The total-views and distinct-viewers caps; a returning viewer is not a new one. */
async function checkLimits(ctx: QueryCtx, link: Doc<"shareLinks">, viewerId: string | undefined) {
  if (link.maxViews !== undefined && link.viewCount >= link.maxViews) return refuse("viewLimit");
  const newViewer = viewerId === undefined || !(await viewerSeen(ctx, link._id, viewerId));
  if (newViewer && link.maxViewers !== undefined && (link.viewerCount ?? 0) >= link.maxViewers) return refuse("viewerLimit");
  return { ok: true as const, link, newViewer };
}

async function viewerSeen(ctx: QueryCtx, linkId: Id<"shareLinks">, viewerId: string) {
  return (
    (await ctx.db
      .query("shareViewers")
      .withIndex("by_link_viewer", (q) => q.eq("linkId", linkId).eq("viewerKey", viewerId))
      .first()) !== null
  );
}

/** The state a visitor sees before asking for a grant when a cap is reached, or null. */
export async function limitReached(ctx: QueryCtx, link: Doc<"shareLinks">, viewerId: string | undefined) {
  const result = await checkLimits(ctx, link, viewerId);
  return result.ok ? null : (result.reason as "viewLimit" | "viewerLimit");
}

export async function issueGrant(
  ctx: MutationCtx,
  args: { token: string; password?: string; viewerId?: string; clientAddress?: string },
  now: number,
): Promise<GrantResult> {
  const admission = await admitToLink(ctx, args, now);
  if (!admission.ok) {
    if (admission.link) {
      await logAccess(ctx, admission.link._id, "grantRefused", { reason: admission.reason, viewerId: args.viewerId, clientAddress: args.clientAddress });
    }
    return refuse(admission.reason, admission.retryAfterMs);
  }
  const { link } = admission;
  const grantToken = randomToken();
  const expiresAt = grantExpiry(link, now);
  await ctx.db.insert("shareGrants", {
    linkId: link._id,
    tokenHash: await sha256Hex(grantToken),
    expiresAt,
    passwordVersion: link.passwordVersion,
    viewerId: args.viewerId,
  });
  await countView(ctx, link, args.viewerId, admission.newViewer, now);
  await logAccess(ctx, link._id, "grantIssued", { viewerId: args.viewerId, clientAddress: args.clientAddress });
  return { ok: true, grantToken, expiresAt };
}

/** One more view; a new viewer (by viewerId) is remembered and counted once. */
export async function countView(ctx: MutationCtx, link: Doc<"shareLinks">, viewerId: string | undefined, newViewer: boolean, now: number) {
  if (newViewer && viewerId !== undefined) await ctx.db.insert("shareViewers", { linkId: link._id, viewerKey: viewerId });
  await ctx.db.patch(link._id, {
    viewCount: link.viewCount + 1,
    viewerCount: (link.viewerCount ?? 0) + (newViewer ? 1 : 0),
    lastAccessedAt: now,
  });
}
