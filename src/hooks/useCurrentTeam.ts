import { useQuery } from "convex/react";
import { useSyncExternalStore } from "react";
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

/**
 * The teams you belong to and the one you are working in. A remembered team missing from the
 * list shows your first one meanwhile, but stays remembered: a team just created is chosen before
 * the list that holds it has arrived, and writing the first team over it then sent the new team's
 * uploads to the old one. Once you choose a team, that one is remembered.
 */
export function useCurrentTeam() {
  const teams = useQuery(api.teams.listMine);
  const selected = useSyncExternalStore(subscribe, chosen);
  const team = teams?.find((t) => t.teamId === selected) ?? teams?.[0] ?? null;
  return { teams, team, selectTeam: rememberTeam };
}
