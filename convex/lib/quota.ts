/** Per-team cap on active expiring share links (−1 = unlimited). */
import type { Id } from "../_generated/dataModel";
import type { QueryCtx } from "../_generated/server";
import { appError } from "./errors";

const COUNT_CAP = 10_000;

export function defaultLinkQuota(): number {
  const configured = Number(process.env.DEFAULT_LINK_QUOTA ?? -1);
  return Number.isInteger(configured) && configured >= -1 ? configured : -1;
}

export async function linkQuota(ctx: QueryCtx, teamId: Id<"teams">, now: number) {
  const team = await ctx.db.get(teamId);
  const limit = team?.linkQuota ?? defaultLinkQuota();
  const stop = limit === -1 ? COUNT_CAP : limit + 1;
  let used = 0;
  for await (const link of ctx.db.query("shareLinks").withIndex("by_team_expiresAt", (q) => q.eq("teamId", teamId).gt("expiresAt", now))) {
    if (link.revokedAt === undefined) used++;
    if (used >= stop) break;
  }
  return { limit, used };
}

export async function requireQuotaRoom(ctx: QueryCtx, teamId: Id<"teams">, now: number) {
  const { limit, used } = await linkQuota(ctx, teamId, now);
  if (limit !== -1 && used >= limit) {
    throw appError("QUOTA_EXCEEDED", `This team already has ${used} active expiring links; the limit is ${limit}.`);
  }
}
