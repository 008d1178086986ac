import { useAuthActions } from "@convex-dev/auth/react";
import { useMutation } from "convex/react";
import { useMemo, useState, type FormEvent } from "react";
import { Link, NavLink } from "react-router-dom";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { useCurrentTeam } from "../hooks/useCurrentTeam";
import { errorMessage } from "../lib/errors";
import { signOutHere } from "../lib/signOutHere";
import { teamLabels } from "../lib/teamLabels";
import { useSingleFlight } from "../hooks/useSingleFlight";

/** App bar: team switcher, new team, sign out. */
export function Header() {
  const { signOut } = useAuthActions();
  const { teams, team, selectTeam } = useCurrentTeam();
  const labels = useMemo(() => teamLabels(teams ?? []), [teams]);
  const createTeam = useMutation(api.teams.create);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [, single] = useSingleFlight();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get("name") ?? "").trim();
    if (!name) return setError("Give the team a name.");
    // A double-click makes one team.
    await single(async () => {
      try {
        const teamId = await createTeam({ name });
        selectTeam(teamId);
        setCreating(false);
        setError(null);
      } catch (e) {
        setError(errorMessage(e));
      }
    });
  }

  return (
    <header className="topbar">
      <Link to="/" className="brand">
        Reelgate
      </Link>
      <nav aria-label="Main" className="inline">
        <NavLink to="/" end>
          Library
        </NavLink>
        <NavLink to="/links">All links</NavLink>
      </nav>
      {teams && teams.length > 0 && (
        <label className="inline">
          <span className="sr-only">Team</span>
          <select value={team?.teamId ?? ""} onChange={(e) => selectTeam(e.target.value as Id<"teams">)} aria-label="Team">
            {teams.map((t) => (
              <option key={t.teamId} value={t.teamId}>
                {labels.get(t.teamId)}
              </option>
            ))}
          </select>
        </label>
      )}
      {creating ? (
        <form onSubmit={submit} className="inline" aria-label="New team">
          <input name="name" aria-label="Team name" placeholder="Team name" maxLength={80} autoFocus />
          <button type="submit">Create</button>
          <button type="button" className="secondary" onClick={() => setCreating(false)}>
            Cancel
          </button>
          {error && (
            <span className="error" role="alert">
              {error}
            </span>
          )}
        </form>
      ) : (
        <button type="button" className="secondary" onClick={() => setCreating(true)}>
          New team
        </button>
      )}
      <span className="spacer" />
      <button
        type="button"
        className="secondary"
        onClick={() => {
          signOutHere.asked = true;
          void signOut();
        }}
      >
        Sign out
      </button>
    </header>
  );
}
