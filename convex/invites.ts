/** The invitee's side of a team invitation: look at the secret link, then accept it signed in. */
import { getAuthUserId } from "@convex-dev/auth/server";
import { v } from "convex/values";
import { authedMutation, publicQuery } from "./functions";
import { notFound } from "./lib/errors";
import { acceptInvite, findInviteByToken } from "./lib/invites";
import { roleValidator } from "./lib/validators";

export const invitePreview = v.union(
  v.object({
    status: v.literal("pending"),
    teamName: v.string(),
    role: roleValidator,
    email: v.string(),
    invitedBy: v.string(),
    expiresAt: v.number(),
    /** The email of the account opening the link, when signed in: the page warns when it is not the invited one. */
    signedInAs: v.union(v.string(), v.null()),
  }),
  v.object({ status: v.literal("expired") }),
  v.object({ status: v.literal("invalid") }),
);

/** What the link invites to. Unknown, used and cancelled links all read as "invalid". */
export const preview = publicQuery({
  args: { token: v.string() },
  returns: invitePreview,
  handler: async (ctx, { token }) => {
    const invite = await findInviteByToken(ctx, token);
    const team = invite ? await ctx.db.get(invite.teamId) : null;
    if (!invite || !team) return { status: "invalid" as const };
    if (invite.expiresAt <= Date.now()) return { status: "expired" as const };
    const inviter = await ctx.db.get(invite.invitedBy);
    const userId = await getAuthUserId(ctx);
    const viewer = userId ? await ctx.db.get(userId) : null;
    return {
      status: "pending" as const,
      teamName: team.name,
      role: invite.role,
      email: invite.email,
      invitedBy: inviter?.name || inviter?.email || "A team admin",
      expiresAt: invite.expiresAt,
      signedInAs: viewer?.email ?? null,
    };
  },
});

/**
 * The signed-in account joins the team with the invitation's role; the link then stops
 * working. The account's email does not have to match the address the admin typed: holding
 * the secret link is the proof (an email match proves nothing without verified addresses).
 */
export const accept = authedMutation({
  args: { token: v.string() },
  returns: v.object({ teamId: v.id("teams"), teamName: v.string(), role: roleValidator }),
  handler: async (ctx, { token }) => {
    const invite = await findInviteByToken(ctx, token);
    if (!invite) throw notFound("Invitation");
    return await acceptInvite(ctx, invite, ctx.userId, Date.now());
  },
});
