/**
 * Turning a link token (and password) into a 24-hour access grant, with rate limits that make
 * guessing slow without letting a stranger lock real viewers out. Every budget belongs to the
 * one asking, never to the link or the app as a whole:
 * - attempts count against the client address (across links and per link); attempts without an
 *   address (the WebSocket mutation) share one per-link budget that the share page never uses;
 * - wrong passwords count against the client address (per link and across links) and the
 *   viewer's streak; 5 in a row lock that viewer alone for 10 minutes;
 * - the per-link cap on wrong passwords binds only clients that have already failed on the
 *   link, so a first-time viewer with the right password is never refused by others' guesses;
 * - wrong passwords are returned, never thrown, so the counters' writes commit.
 */
import { v, type Infer } from "convex/values";
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { logAccess } from "./accessLog";
import { addressAllowed } from "./ip";
import { invalid } from "./errors";
import { passwordMatches } from "./linkSettings";
import { rateLimiter } from "./rateLimits";
import { refuse, refusedValidator, type Refused } from "./refusals";
import { findLinkByToken, grantExpiry, linkStatus } from "./shareAccess";
import { mayResolve } from "./slugTickets";
import { randomToken, sha256Hex } from "./tokens";

export const grantResult = v.union(v.object({ ok: v.literal(true), grantToken: v.string(), expiresAt: v.number() }), refusedValidator);
export type GrantResult = Infer<typeof grantResult>;

export function checkViewerId(viewerId: string | undefined) {
  if (viewerId !== undefined && !/^[A-Za-z0-9_-]{8,64}$/.test(viewerId)) {
    throw invalid("viewerId must be 8–64 characters of A–Z, a–z, 0–9, - or _.");
  }
}

/**
 * The server's own viewer keys start so: a raw link's or a public-API caller's is `raw-` and a
 * hash of its address (lib/apiHttp.ts clientKeyOf), which anyone can compute.
 */
const SERVER_VIEWER_PREFIX = "raw-";

/**
 * A viewer id a browser or script sent (getByToken, issueAccessGrant, POST /api/v1/grant): the
 * shape checkViewerId asks, and never one of the server's own keys — with one, a stranger would
 * spend, and lock, the password streak of whoever calls from that address.
 */
export function checkClientViewerId(viewerId: string | undefined) {
  checkViewerId(viewerId);
  if (viewerId?.toLowerCase().startsWith(SERVER_VIEWER_PREFIX)) throw invalid(`viewerId may not start with "${SERVER_VIEWER_PREFIX}".`);
}

/** The rate-limit identity of a caller: its hashed address, or null when the address is unknown. */
export async function clientKeyOf(clientAddress: string | undefined): Promise<string | null> {
  return clientAddress === undefined ? null : `addr-${(await sha256Hex(clientAddress)).slice(0, 32)}`;
}

/** A viewer's streak and lock: by viewer id, or (without one) by the client it came from. */
function viewerKey(linkId: Id<"shareLinks">, viewerId: string | undefined, client: string | null) {
  return viewerId !== undefined ? `${linkId}:${viewerId}` : `${linkId}:anonymous:${client ?? "unaddressed"}`;
}

/** Milliseconds this viewer stays locked out of the link, or 0. */
export async function viewerLock(ctx: QueryCtx, linkId: Id<"shareLinks">, viewerId: string | undefined, client: string | null = null) {
  checkViewerId(viewerId);
  const lock = await rateLimiter.check(ctx, "viewerLockout", { key: viewerKey(linkId, viewerId, client) });
  return lock.ok ? 0 : Math.max(1, Math.ceil(lock.retryAfter));
}

type AdmissionArgs = { token: string; password?: string; viewerId?: string; clientAddress?: string; slugTicket?: string };

/**
 * Whether a slug may be looked up (lib/slugTickets.ts): with its ticket, or by spending the
 * caller's own slug-lookup budget when its address is known; a refusal when that budget is spent.
 */
async function paySlugLookup(ctx: MutationCtx, args: AdmissionArgs) {
  if (await mayResolve(args.token, args.slugTicket)) return true;
  const client = await clientKeyOf(args.clientAddress);
  if (client === null) return false;
  const budget = await rateLimiter.limit(ctx, "slugLookupsPerClient", { key: client });
  return budget.ok ? true : refuse("rateLimited", budget.retryAfter);
}

/** `video`: the link's video, or a collection link's first playable one (null if it has none). */
type Admission =
  { ok: true; link: Doc<"shareLinks">; video: Doc<"videos"> | null; newViewer: boolean } | (Refused & { link?: Doc<"shareLinks"> });

/**
 * Decides whether someone holding a link token (and maybe a password) may see the video
 * now, counting the attempt against every rate limit. Used for grants and raw links.
 */
export async function admitToLink(ctx: MutationCtx, args: AdmissionArgs, now: number): Promise<Admission> {
  checkViewerId(args.viewerId);
  const slugPaid = await paySlugLookup(ctx, args);
  if (slugPaid !== true && slugPaid !== false) return slugPaid;
  const found = await findLinkByToken(ctx, args.token, slugPaid);
  if (!found) return refuse("missing");
  const result = await admitFound(ctx, found.link, args, now);
  return result.ok ? { ...result, video: found.video } : { ...result, link: found.link };
}

async function admitFound(
  ctx: MutationCtx,
  link: Doc<"shareLinks">,
  args: { password?: string; viewerId?: string; clientAddress?: string },
  now: number,
): Promise<{ ok: true; link: Doc<"shareLinks">; newViewer: boolean } | Refused> {
  if (linkStatus(link, now) === "expired") return refuse("expired");
  if (link.ipAllowlist !== undefined) {
    if (args.clientAddress === undefined) return refuse("ipCheckRequired");
    if (!addressAllowed(args.clientAddress, link.ipAllowlist)) return refuse("ipNotAllowed");
  }

  const client = await clientKeyOf(args.clientAddress);
  const spent = await spendAttempt(ctx, link._id, client);
  if (spent) return spent;

  if (link.passwordHash !== undefined) {
    const refused = await checkPassword(ctx, link, args.password, args.viewerId, client, now);
    if (refused) return refused;
  }
  return await checkLimits(ctx, link, args.viewerId);
}

/** One attempt against the caller's own budgets; a refusal, or null to go on. */
async function spendAttempt(ctx: MutationCtx, linkId: Id<"shareLinks">, client: string | null) {
  if (client === null) {
    const unaddressed = await rateLimiter.limit(ctx, "grantAttemptsUnaddressed", { key: linkId });
    return unaddressed.ok ? null : refuse("rateLimited", unaddressed.retryAfter);
  }
  const perClient = await rateLimiter.limit(ctx, "grantAttemptsPerClient", { key: client });
  if (!perClient.ok) return refuse("rateLimited", perClient.retryAfter);
  const perClientLink = await rateLimiter.limit(ctx, "grantAttemptsPerClientLink", { key: `${linkId}:${client}` });
  return perClientLink.ok ? null : refuse("rateLimited", perClientLink.retryAfter);
}

/** The password check with its throttles; a refusal, or null when the password is right. */
async function checkPassword(
  ctx: MutationCtx,
  link: Doc<"shareLinks">,
  password: string | undefined,
  viewerId: string | undefined,
  client: string | null,
  now: number,
) {
  const streakKey = viewerKey(link._id, viewerId, client);
  const locked = await viewerLock(ctx, link._id, viewerId, client);
  if (locked) return refuse("locked", locked);
  const clientLinkKey = `${link._id}:${client ?? "unaddressed"}`;
  const clientLink = await rateLimiter.check(ctx, "passwordFailuresPerClientLink", { key: clientLinkKey });
  if (!clientLink.ok) return refuse("rateLimited", clientLink.retryAfter);
  if (client !== null) {
    const perClient = await rateLimiter.check(ctx, "passwordFailuresPerClient", { key: client });
    if (!perClient.ok) return refuse("rateLimited", perClient.retryAfter);
  }
  // Only clients that have failed here more than FREE_FAILURES times wait for the link's shared
  // cap: a viewer who mistyped once or twice is never refused the right password by strangers
  // keeping the cap spent from other addresses.
  if ((await recentFailures(ctx, clientLinkKey, now)) > FREE_FAILURES) {
    const linkCap = await rateLimiter.check(ctx, "passwordFailuresPerLink", { key: link._id });
    if (!linkCap.ok) return refuse("rateLimited", linkCap.retryAfter);
  }
  if (password === undefined || password === "") return refuse("passwordRequired");

  if (passwordMatches(password, link.passwordHash!)) {
    await rateLimiter.reset(ctx, "passwordFailuresPerViewer", { key: streakKey });
    return null;
  }
  await rateLimiter.limit(ctx, "passwordFailuresPerClientLink", { key: clientLinkKey });
  if (client !== null) await rateLimiter.limit(ctx, "passwordFailuresPerClient", { key: client });
  await rateLimiter.limit(ctx, "passwordFailuresPerLink", { key: link._id });
  await rateLimiter.limit(ctx, "passwordFailuresPerViewer", { key: streakKey });
  const streak = await rateLimiter.check(ctx, "passwordFailuresPerViewer", { key: streakKey });
  if (!streak.ok) {
    // Fifth failure in a row: lock this viewer (only) and start a fresh streak after.
    await rateLimiter.limit(ctx, "viewerLockout", { key: streakKey });
    await rateLimiter.reset(ctx, "passwordFailuresPerViewer", { key: streakKey });
    return refuse("locked", await viewerLock(ctx, link._id, viewerId, client));
  }
  return refuse("invalidPassword");
}

/** Wrong passwords a client may give on a link (within its per-link bucket's refill) before the link's shared cap applies to it. */
export const FREE_FAILURES = 2;

/** The client's wrong passwords on the link not yet refilled in its per-link bucket at `now`. */
async function recentFailures(ctx: MutationCtx, clientLinkKey: string, now: number) {
  const bucket = await rateLimiter.getValue(ctx, "passwordFailuresPerClientLink", { key: clientLinkKey });
  const capacity = bucket.config.capacity ?? bucket.config.rate;
  // getValue reports the stored value at its own timestamp; refill it to now.
  const refilled = Math.min(capacity, bucket.value + ((now - bucket.ts) * bucket.config.rate) / bucket.config.period);
  return capacity - refilled;
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
  return result.ok ? null : result;
}

export async function issueGrant(ctx: MutationCtx, args: AdmissionArgs, now: number): Promise<GrantResult> {
  checkClientViewerId(args.viewerId);
  const admission = await admitToLink(ctx, args, now);
  if (!admission.ok) {
    if (admission.link) {
      await logAccess(ctx, admission.link._id, "grantRefused", {
        reason: admission.reason,
        viewerId: args.viewerId,
        clientAddress: args.clientAddress,
      });
    }
    return {
      ok: false,
      reason: admission.reason,
      ...(admission.retryAfterMs === undefined ? {} : { retryAfterMs: admission.retryAfterMs }),
    };
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
    clientAddress: args.clientAddress,
  });
  await countView(ctx, link, args.viewerId, admission.newViewer, now);
  await logAccess(ctx, link._id, "grantIssued", { viewerId: args.viewerId, clientAddress: args.clientAddress });
  return { ok: true, grantToken, expiresAt };
}

/** One more view; a new viewer (by viewerId) is remembered and counted once. */
export async function countView(
  ctx: MutationCtx,
  link: Doc<"shareLinks">,
  viewerId: string | undefined,
  newViewer: boolean,
  now: number,
  viewer: { rawViewingAt?: number } = {},
) {
  if (newViewer && viewerId !== undefined) await ctx.db.insert("shareViewers", { linkId: link._id, viewerKey: viewerId, ...viewer });
  await ctx.db.patch(link._id, {
    viewCount: link.viewCount + 1,
    viewerCount: (link.viewerCount ?? 0) + (newViewer ? 1 : 0),
    lastAccessedAt: now,
  });
}
