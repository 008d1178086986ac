import { formatAbsolute } from "./format";

type TeamOption = { teamId: string; name: string; role: string; createdAt: number };

/**
 * The switcher's words for each team: "Studio (owner)"; teams that share a name and role also
 * say when they were made, in the user's zone, so two of them can be told apart.
 */
export function teamLabels(teams: TeamOption[], timeZone?: string): Map<string, string> {
  const base = (t: TeamOption) => `${t.name} (${t.role})`;
  const seen = new Map<string, number>();
  for (const t of teams) seen.set(base(t), (seen.get(base(t)) ?? 0) + 1);
  return new Map(
    teams.map((t) => [t.teamId, seen.get(base(t))! > 1 ? `${base(t)} · made ${formatAbsolute(t.createdAt, timeZone)}` : base(t)]),
  );
}
