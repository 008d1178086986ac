import type { Id } from "../_generated/dataModel";
import type { MutationCtx } from "../_generated/server";
import { getMembership } from "./permissions";

export function normalizeEmail(email: string) {
  return email.trim().toLowerCase();
}

/** Turns every pending invitation for the user's email into a membership. Returns how many. */
export async function claimInvitesForUser(ctx: MutationCtx, userId: Id<"users">) {
  const user = await ctx.db.get(userId);
  if (!user?.email) return 0;
  const invites = await ctx.db
    .query("teamInvites")
    .withIndex("by_email", (q) => q.eq("email", normalizeEmail(user.email!)))
    .take(100);
  for (const invite of invites) {
    if (!(await getMembership(ctx, invite.teamId, userId))) {
      await ctx.db.insert("teamMembers", { teamId: invite.teamId, userId, role: invite.role });
    }
    await ctx.db.delete(invite._id);
  }
  return invites.length;
}
