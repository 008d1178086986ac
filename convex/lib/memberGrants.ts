/**
 * Members watch through the same gate as viewers: a short-lived member grant names one user and
 * one video (or, for the library, the posters of one team's videos), and every media request
 * re-checks that the user is still on the team, so removing a member cuts playback at once.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { getMembership } from "./permissions";
import { refuse, type Refused } from "./refusals";
import { looksLikeToken, randomToken, sha256Hex } from "./tokens";

/** Short: the player renews it well before it runs out (src/hooks/usePlayback.ts). */
export const MEMBER_GRANT_TTL_MS = 10 * 60 * 1000;

export async function issueMemberGrant(
  ctx: MutationCtx,
  scope: { teamId: Id<"teams">; videoId?: Id<"videos"> },
  userId: Id<"users">,
  now: number,
) {
  // The user's grants on this team that have run out go, so rows stay a handful per open player.
  const earlier = await ctx.db
    .query("memberGrants")
    .withIndex("by_user_team", (q) => q.eq("userId", userId).eq("teamId", scope.teamId))
    .take(50);
  for (const grant of earlier) if (grant.expiresAt <= now) await ctx.db.delete(grant._id);
  const token = randomToken();
  const expiresAt = now + MEMBER_GRANT_TTL_MS;
  await ctx.db.insert("memberGrants", { ...scope, userId, tokenHash: await sha256Hex(token), expiresAt });
  return { token, expiresAt };
}

export type MemberGrantCheck = { ok: true; grant: Doc<"memberGrants">; video: Doc<"videos"> } | Refused;

/**
 * Null when the token is no member grant; else whether it opens `videoId` (a library grant:
 * any video of its team, named per request) now: unexpired, the user still a member, video ready.
 */
export async function checkMemberGrant(
  ctx: QueryCtx,
  token: string,
  now: number,
  videoId: string | undefined,
): Promise<MemberGrantCheck | null> {
  if (!looksLikeToken(token)) return null;
  const tokenHash = await sha256Hex(token);
  const grant = await ctx.db
    .query("memberGrants")
    .withIndex("by_tokenHash", (q) => q.eq("tokenHash", tokenHash))
    .unique();
  if (!grant) return null;
  if (grant.expiresAt <= now) return refuse("grantExpired");
  if (!(await getMembership(ctx, grant.teamId, grant.userId))) return refuse("grantInvalid");
  const id = grant.videoId ?? (videoId === undefined ? null : ctx.db.normalizeId("videos", videoId));
  if (!id || (videoId !== undefined && videoId !== id)) return refuse("missing");
  const video = await ctx.db.get(id);
  if (!video || video.teamId !== grant.teamId || video.status !== "ready") return refuse("missing");
  return { ok: true, grant, video };
}
