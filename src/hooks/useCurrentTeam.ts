import { useQuery } from "convex/react";
import { useEffect, useSyncExternalStore } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { listenerSet } from "../lib/listeners";

const KEY = "reelgate.teamId";

/**
 * The team chosen in this tab, one value for every component that asks (the header's switcher,
 * the library, All links…): a change anywhere re-renders them all at once. Remembered across reloads.
 */
const { subscribe, notify } = listenerSet();
const chosen = () => localStorage.getItem(KEY);

/** Makes `teamId` the team this tab works in, now and after a reload (e.g. the one just joined or created). */
export function rememberTeam(teamId: Id<"teams">) {
  if (chosen() === teamId) return;
  localStorage.setItem(KEY, teamId);
  notify();
}

/** The teams you belong to and the one you are working in. */
export function useCurrentTeam() {
  const teams = useQuery(api.teams.listMine);
  const selected = useSyncExternalStore(subscribe, chosen);
  const team = teams?.find((t) => t.teamId === selected) ?? teams?.[0] ?? null;
  useEffect(() => {
    // A remembered team you no longer belong to gives way to your first one.
    if (team) rememberTeam(team.teamId);
  }, [team]);
  return { teams, team, selectTeam: rememberTeam };
}
