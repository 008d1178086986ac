import { useConvexAuth, useMutation, useQuery } from "convex/react";
import { useState, type ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api } from "../../convex/_generated/api";
import { rememberTeam } from "../hooks/useCurrentTeam";
import { errorMessage, isAppError } from "../lib/errors";
import { relativeTime } from "../lib/format";

function Shell({ children }: { children: ReactNode }) {
  return <main className="auth-card">{children}</main>;
}

/** /invite/<token>: what the secret link invites to; signed in, one click joins. */
export function InvitePage() {
  const { token = "" } = useParams();
  const preview = useQuery(api.invites.preview, { token });
  const { isAuthenticated, isLoading } = useConvexAuth();
  const accept = useMutation(api.invites.accept);
  const navigate = useNavigate();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (preview === undefined || isLoading)
    return (
      <Shell>
        <p className="muted" role="status">
          Loading invitation…
        </p>
      </Shell>
    );
  if (preview.status === "invalid") {
    return (
      <Shell>
        <h1>Invitation not found</h1>
        <p>This invitation link is not valid: it was already used, cancelled or replaced by a newer one. Ask the team for a new link.</p>
        <Link to="/">Go to Reelgate</Link>
      </Shell>
    );
  }
  if (preview.status === "expired") {
    return (
      <Shell>
        <h1>Invitation expired</h1>
        <p>This invitation link has expired. Ask the team for a new link.</p>
        <Link to="/">Go to Reelgate</Link>
      </Shell>
    );
  }

  async function join() {
    setBusy(true);
    setError(null);
    try {
      const { teamId } = await accept({ token });
      rememberTeam(teamId);
      navigate("/", { replace: true });
    } catch (e) {
      setError(isAppError(e) && e.data.code === "ALREADY_MEMBER" ? `${e.data.message} Open your library to see it.` : errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Shell>
      <h1>Join {preview.teamName}</h1>
      <p>
        {preview.invitedBy} invited <strong>{preview.email}</strong> to join <strong>{preview.teamName}</strong> as{" "}
        <span className="badge">{preview.role}</span>.
      </p>
      <p className="muted small">The link works once and expires {relativeTime(preview.expiresAt)}.</p>
      {isAuthenticated && preview.signedInAs !== null && preview.signedInAs.toLowerCase() !== preview.email.toLowerCase() && (
        <p className="warning" role="note">
          This invitation was sent to <strong>{preview.email}</strong>, and you are signed in as <strong>{preview.signedInAs}</strong>.
          Accepting joins this account to {preview.teamName}; if the invitation is meant for someone else, sign out first.
        </p>
      )}
      {isAuthenticated ? (
        <button type="button" onClick={() => void join()} disabled={busy}>
          {busy ? "Joining…" : `Accept and join ${preview.teamName}`}
        </button>
      ) : (
        <Link className="button" to="/signin" state={{ from: `/invite/${token}` }}>
          Sign in or create an account to accept
        </Link>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </Shell>
  );
}
