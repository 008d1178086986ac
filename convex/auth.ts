import { Password } from "@convex-dev/auth/providers/Password";
import { convexAuth } from "@convex-dev/auth/server";
import { ConvexError } from "convex/values";

export const { auth, signIn, signOut, store, isAuthenticated } = convexAuth({
  providers: [
    Password({
      profile(params) {
        const email = String(params.email ?? "").trim().toLowerCase();
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
  ],
});
