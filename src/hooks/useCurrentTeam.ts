import { useQuery } from "convex/react";
import { useEffect, useState } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";

const KEY = "reelgate.teamId";

/** Makes `teamId` the team the library opens on next (e.g. the one just joined). */
export function rememberTeam(teamId: Id<"teams">) {
  localStorage.setItem(KEY, teamId);
}

/** The teams you belong to and the one you are working in (remembered across reloads). */
export function useCurrentTeam() {
  const teams = useQuery(api.teams.listMine);
  const [selected, setSelected] = useState<string | null>(() => localStorage.getItem(KEY));
  const team = teams?.find((t) => t.teamId === selected) ?? teams?.[0] ?? null;
  useEffect(() => {
    if (team) localStorage.setItem(KEY, team.teamId);
  }, [team]);
  return {
    teams,
    team,
    selectTeam: (teamId: Id<"teams">) => setSelected(teamId),
  };
}
