import { v } from "convex/values";
import { authedMutation, authedQuery } from "./functions";
import { appError, invalid, notFound } from "./lib/errors";
import { INVITE_TTL_MS, inviteTokenFromNonce, inviteUrl, normalizeEmail, requireCanAssign } from "./lib/invites";
import { getMembership, hasRole, requireTeamRole } from "./lib/permissions";
import { rateLimiter } from "./lib/rateLimits";
import { randomToken, sha256Hex } from "./lib/tokens";
import { linkQuota } from "./lib/quota";
import { requireText } from "./lib/text";
import { roleValidator } from "./lib/validators";
import type { Id } from "./_generated/dataModel";
import type { MutationCtx } from "./_generated/server";

const teamSummary = v.object({ teamId: v.id("teams"), name: v.string(), role: roleValidator, createdAt: v.number() });
const memberSummary = v.object({
  userId: v.id("users"),
  name: v.string(),
  email: v.string(),
  role: roleValidator,
});
const inviteSummary = v.object({
  inviteId: v.id("teamInvites"),
  email: v.string(),
  role: roleValidator,
  /** The secret link to send; admins can copy it again until it is accepted, cancelled or expired. */
  url: v.string(),
  expiresAt: v.number(),
});
/** What `invite` answers, the same whether or not the email has an account. */
const inviteCreated = v.object({ inviteId: v.id("teamInvites"), url: v.string(), expiresAt: v.number() });

export const create = authedMutation({
  args: { name: v.string() },
  returns: v.id("teams"),
  handler: async (ctx, args) => {
    const name = requireText(args.name, "Team name", 80);
    const teamId = await ctx.db.insert("teams", { name, createdBy: ctx.userId });
    await ctx.db.insert("teamMembers", { teamId, userId: ctx.userId, role: "owner" });
    return teamId;
  },
});

export const listMine = authedQuery({
  args: {},
  returns: v.array(teamSummary),
  handler: async (ctx) => {
    const memberships = await ctx.db
      .query("teamMembers")
      .withIndex("by_user", (q) => q.eq("userId", ctx.userId))
      .take(200);
    const teams = [];
    for (const m of memberships) {
      const team = await ctx.db.get(m.teamId);
      if (team) teams.push({ teamId: team._id, name: team.name, role: m.role, createdAt: team._creationTime });
    }
    // By name; teams of one name oldest first (the switcher tells them apart by creation date).
    return teams.sort((a, b) => a.name.localeCompare(b.name) || a.createdAt - b.createdAt);
  },
});

export const members = authedQuery({
  args: { teamId: v.id("teams") },
  returns: v.object({ members: v.array(memberSummary), invites: v.array(inviteSummary) }),
  handler: async (ctx, { teamId }) => {
    const { membership } = await requireTeamRole(ctx, teamId, "viewer");
    const rows = await ctx.db
      .query("teamMembers")
      .withIndex("by_team_role", (q) => q.eq("teamId", teamId))
      .take(500);
    const members = [];
    for (const row of rows) {
      const user = await ctx.db.get(row.userId);
      if (user) {
        members.push({ userId: row.userId, name: user.name ?? "", email: user.email ?? "", role: row.role });
      }
    }
    const invites = [];
    if (hasRole(membership.role, "admin")) {
      const rows = await ctx.db
        .query("teamInvites")
        .withIndex("by_team_email", (q) => q.eq("teamId", teamId))
        .take(500);
      for (const i of rows) {
        const url = inviteUrl(await inviteTokenFromNonce(i.nonce));
        invites.push({ inviteId: i._id, email: i.email, role: i.role, url, expiresAt: i.expiresAt });
      }
    }
    return { members, invites };
  },
});

/**
 * Owners/admins create an invitation: a secret link they send to the person. Nobody joins
 * until someone opens the link, signs in and accepts (invites.accept). The answer never says
 * whether the email has an account, and inviting the same email again replaces the old link.
 */
export const invite = authedMutation({
  args: { teamId: v.id("teams"), email: v.string(), role: roleValidator },
  returns: inviteCreated,
  handler: async (ctx, args) => {
    const limit = await rateLimiter.limit(ctx, "teamInvitesPerUser", { key: ctx.userId });
    if (!limit.ok) {
      throw appError("RATE_LIMITED", "You are creating invitations too quickly; try again shortly.", { retryAfterMs: limit.retryAfter });
    }
    const { membership } = await requireTeamRole(ctx, args.teamId, "admin");
    const email = normalizeEmail(args.email);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254) {
      throw invalid("Enter a valid email address.");
    }
    requireCanAssign(membership.role, args.role);
    const nonce = randomToken();
    const token = await inviteTokenFromNonce(nonce);
    const expiresAt = Date.now() + INVITE_TTL_MS;
    const fields = { role: args.role, invitedBy: ctx.userId, nonce, tokenHash: await sha256Hex(token), expiresAt };
    const existing = await ctx.db
      .query("teamInvites")
      .withIndex("by_team_email", (q) => q.eq("teamId", args.teamId).eq("email", email))
      .unique();
    let inviteId: Id<"teamInvites">;
    if (existing) {
      inviteId = existing._id;
      await ctx.db.patch(inviteId, fields);
    } else {
      inviteId = await ctx.db.insert("teamInvites", { teamId: args.teamId, email, ...fields });
    }
    return { inviteId, url: inviteUrl(token), expiresAt };
  },
});

export const cancelInvite = authedMutation({
  args: { inviteId: v.id("teamInvites") },
  returns: v.null(),
  handler: async (ctx, { inviteId }) => {
    const invite = await ctx.db.get(inviteId);
    if (!invite) throw notFound("Invitation");
    await requireTeamRole(ctx, invite.teamId, "admin");
    await ctx.db.delete(inviteId);
    return null;
  },
});

export const changeRole = authedMutation({
  args: { teamId: v.id("teams"), userId: v.id("users"), role: roleValidator },
  returns: v.null(),
  handler: async (ctx, args) => {
    const { membership } = await requireTeamRole(ctx, args.teamId, "admin");
    const target = await getMembership(ctx, args.teamId, args.userId);
    if (!target) throw notFound("Member");
    requireCanAssign(membership.role, args.role);
    requireCanAssign(membership.role, target.role);
    if (target.role === "owner" && args.role !== "owner") await requireAnotherOwner(ctx, args.teamId);
    await ctx.db.patch(target._id, { role: args.role });
    return null;
  },
});

export const removeMember = authedMutation({
  args: { teamId: v.id("teams"), userId: v.id("users") },
  returns: v.null(),
  handler: async (ctx, args) => {
    const isSelf = args.userId === ctx.userId;
    const { membership } = await requireTeamRole(ctx, args.teamId, isSelf ? "viewer" : "admin");
    const target = isSelf ? membership : await getMembership(ctx, args.teamId, args.userId);
    if (!target) throw notFound("Member");
    if (!isSelf) requireCanAssign(membership.role, target.role);
    if (target.role === "owner") await requireAnotherOwner(ctx, args.teamId);
    await ctx.db.delete(target._id);
    return null;
  },
});

async function requireAnotherOwner(ctx: MutationCtx, teamId: Id<"teams">) {
  const owners = await ctx.db
    .query("teamMembers")
    .withIndex("by_team_role", (q) => q.eq("teamId", teamId).eq("role", "owner"))
    .take(2);
  if (owners.length < 2) {
    throw appError("LAST_OWNER", "A team needs at least one owner: make someone else owner first.");
  }
}

/** The team's cap on active expiring share links and how many are in use. */
export const quota = authedQuery({
  args: { teamId: v.id("teams") },
  returns: v.object({ limit: v.number(), used: v.number() }),
  handler: async (ctx, { teamId }) => {
    await requireTeamRole(ctx, teamId, "viewer");
    return await linkQuota(ctx, teamId, Date.now());
  },
});

/** Owners set the team's cap (−1 = unlimited, null = the deployment default). */
export const setLinkQuota = authedMutation({
  args: { teamId: v.id("teams"), limit: v.union(v.number(), v.null()) },
  returns: v.null(),
  handler: async (ctx, { teamId, limit }) => {
    await requireTeamRole(ctx, teamId, "owner");
    if (limit !== null && (!Number.isInteger(limit) || limit < -1 || limit > 1_000_000)) {
      throw invalid("The limit is a whole number from 0 to 1,000,000, or −1 for unlimited.");
    }
    await ctx.db.patch(teamId, { linkQuota: limit ?? undefined });
    return null;
  },
});
