import { useAuthActions } from "@convex-dev/auth/react";
import { useConvexAuth } from "convex/react";
import { useState, type FormEvent } from "react";
import { Navigate, useLocation } from "react-router-dom";
import { requestAttemptTicket } from "../lib/authAttempt";
import { isAppError } from "../lib/errors";

export function SignIn() {
  const { signIn } = useAuthActions();
  const { isAuthenticated } = useConvexAuth();
  const location = useLocation();
  const [flow, setFlow] = useState<"signIn" | "signUp">("signIn");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const arrived = location.state as { from?: string; signedOut?: boolean } | null;
  if (isAuthenticated) return <Navigate to={arrived?.from ?? "/"} replace />;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get("password") ?? "");
    if (password.length < 8) return setError("Passwords have at least 8 characters.");
    setBusy(true);
    setError(null);
    try {
      const attempt = await requestAttemptTicket(String(form.get("email") ?? ""), flow);
      if (!attempt.ok) return setError(attempt.message);
      form.set("attemptTicket", attempt.ticket);
      await signIn("password", form);
    } catch (e) {
      // Rate limits and wrong credentials come with their own honest message; other failures do not say why.
      if (isAppError(e) && (e.data.code === "RATE_LIMITED" || e.data.code === "INVALID_CREDENTIALS")) setError(e.data.message);
      else setError(flow === "signIn" ? "Wrong email or password." : "Could not create the account. Is this email already registered?");
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="auth-card">
      <h1>Reelgate</h1>
      <p className="muted">Share videos with links you control.</p>
      {arrived?.signedOut && (
        <p className="note" role="status">
          You were signed out (in another tab, or the session ended). Sign in to go back where you were.
        </p>
      )}
      <form onSubmit={submit} aria-label={flow === "signIn" ? "Sign in" : "Create account"}>
        {flow === "signUp" && (
          <label>
            Your name
            <input name="name" autoComplete="name" required maxLength={80} />
          </label>
        )}
        <label>
          Email
          <input name="email" type="email" autoComplete="email" required />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={flow === "signIn" ? "current-password" : "new-password"}
            required
            minLength={8}
          />
        </label>
        <input name="flow" type="hidden" value={flow} />
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Please wait…" : flow === "signIn" ? "Sign in" : "Create account"}
        </button>
      </form>
      <button
        type="button"
        className="link"
        onClick={() => {
          setFlow(flow === "signIn" ? "signUp" : "signIn");
          setError(null);
        }}
      >
        {flow === "signIn" ? "New here? Create an account" : "Have an account? Sign in"}
      </button>
    </main>
  );
}
