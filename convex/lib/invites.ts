/**
 * Team invitations are secret links. An admin creates one and sends it; whoever opens it,
 * signs in and accepts becomes a member: the link is the proof, never the email address
 * someone signs up with. The token is HMAC(deployment secret, nonce) so admins can copy the
 * link again later; the database holds the nonce and SHA-256(token) only, so a database
 * copy alone opens no invitation. Single use (deleted on accept) and short-lived.
 */
import type { Doc, Id } from "../_generated/dataModel";
import type { MutationCtx, QueryCtx } from "../_generated/server";
import { appError, notFound } from "./errors";
import { getMembership, hasRole } from "./permissions";
import { deploymentMac, looksLikeToken, sha256Hex } from "./tokens";
import type { Role } from "./validators";

export const INVITE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export function normalizeEmail(email: string) {
  return email.trim().toLowerCase();
}

export async function inviteTokenFromNonce(nonce: string) {
  return await deploymentMac("team-invite", nonce);
}

export function inviteUrl(token: string): string {
  const origin = (process.env.SITE_URL ?? "http://localhost:5173").replace(/\/+$/, "");
  return `${origin}/invite/${token}`;
}

/** The pending invitation a token opens, or null (malformed, unknown, cancelled or used). */
export async function findInviteByToken(ctx: QueryCtx, token: string) {
  if (!looksLikeToken(token)) return null;
  const tokenHash = await sha256Hex(token);
  return await ctx.db
    .query("teamInvites")
    .withIndex("by_token_hash", (q) => q.eq("tokenHash", tokenHash))
    .unique();
}

/** Admins manage members, viewers and other admins; only owners touch owners. */
export function requireCanAssign(actorRole: Role, role: Role) {
  if (role === "owner" && actorRole !== "owner") {
    throw appError("FORBIDDEN", "Only an owner can grant, change or remove the owner role.");
  }
}

/**
 * Turns the invitation into a membership for `userId` and deletes it. The inviter must
 * still be allowed to grant the role (an admin demoted after inviting cannot add anyone).
 */
export async function acceptInvite(ctx: MutationCtx, invite: Doc<"teamInvites">, userId: Id<"users">, now: number) {
  if (invite.expiresAt <= now) {
    throw appError("INVITE_EXPIRED", "This invitation has expired. Ask the team for a new link.");
  }
  const team = await ctx.db.get(invite.teamId);
  const inviter = await getMembership(ctx, invite.teamId, invite.invitedBy);
  if (!team || !inviter || !hasRole(inviter.role, "admin")) throw notFound("Invitation");
  requireCanAssign(inviter.role, invite.role);
  if (await getMembership(ctx, invite.teamId, userId)) {
    throw appError("ALREADY_MEMBER", `You are already in ${team.name}.`);
  }
  await ctx.db.insert("teamMembers", { teamId: invite.teamId, userId, role: invite.role });
  await ctx.db.delete(invite._id);
  return { teamId: team._id, teamName: team.name, role: invite.role };
}
