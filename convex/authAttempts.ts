/** The database side of sign-in attempt tickets (see lib/authAttempts.ts); reachable only from the server. */
import { v } from "convex/values";
import { internalMutation } from "./functions";
import { attemptFlowValidator, consumeTicket, issueResult, issueTicket, recordSignIn } from "./lib/authAttempts";

/** Called by POST /auth/attempt with the hashed client address. */
export const issue = internalMutation({
  args: { addressKey: v.string(), email: v.string(), flow: attemptFlowValidator },
  returns: issueResult,
  handler: async (ctx, args) => await issueTicket(ctx, args, Date.now()),
});

/** Called by the wrapped Password provider before any password work. */
export const consume = internalMutation({
  args: { ticket: v.string(), email: v.string(), flow: attemptFlowValidator },
  returns: v.object({ failureKey: v.string() }),
  handler: async (ctx, args) => await consumeTicket(ctx, args, Date.now()),
});

export const record = internalMutation({
  args: { failureKey: v.string(), ok: v.boolean() },
  returns: v.null(),
  handler: async (ctx, args) => {
    await recordSignIn(ctx, args);
    return null;
  },
});
