import { Password } from "@convex-dev/auth/providers/Password";
import { convexAuth } from "@convex-dev/auth/server";
import { ConvexError } from "convex/values";
import { requireAttemptTicket } from "./lib/authAttempts";

/**
 * Email + password. Every sign-in and sign-up needs a ticket from POST /auth/attempt, which
 * limits attempts per client address; wrong passwords count per (address, email) there.
 * Convex Auth's own per-account lockout (10 failures/hour from anyone) is set out of reach:
 * with it, strangers' guesses locked the member out.
 */
export const { auth, signIn, signOut, store, isAuthenticated } = convexAuth({
  signIn: { maxFailedAttempsPerHour: 1_000_000_000 },
  providers: [
    requireAttemptTicket(
      Password({
        profile(params) {
          const email = String(params.email ?? "")
            .trim()
            .toLowerCase();
          const name = String(params.name ?? "").trim();
          if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254) {
            throw new ConvexError({ code: "INVALID_ARGUMENT", message: "Enter a valid email address." });
          }
          // On sign-in the form sends no name; keep what the account already has.
          const profile: { email: string; name?: string } = { email };
          if (name) profile.name = name.slice(0, 80);
          return profile as { email: string };
        },
      }),
    ),
  ],
});
