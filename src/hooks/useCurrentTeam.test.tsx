/**
 * The team chosen in the header is the team every part of the page works in, at once: the
 * library under the switcher must not go on showing (and acting on) the team it opened with.
 */
import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import { rememberTeam, useCurrentTeam } from "./useCurrentTeam";

const listed = vi.hoisted(() => ({
  teams: [
    { teamId: "north", name: "Studio North", role: "owner" },
    { teamId: "west", name: "Studio West", role: "owner" },
  ],
}));
vi.mock("convex/react", () => ({ useQuery: () => listed.teams }));

afterEach(cleanup);
beforeEach(() => localStorage.clear());

function Switcher() {
  const { team, selectTeam } = useCurrentTeam();
  return (
    <button type="button" onClick={() => selectTeam("west" as Id<"teams">)}>
      switcher: {team?.name}
    </button>
  );
}

function Library() {
  const { team } = useCurrentTeam();
  return <h1>library: {team?.name}</h1>;
}

test("choosing a team in the switcher switches every component using it, and is remembered", () => {
  render(
    <>
      <Switcher />
      <Library />
    </>,
  );
  expect(screen.getByRole("heading").textContent).toBe("library: Studio North");
  act(() => screen.getByRole("button").click());
  expect(screen.getByRole("button").textContent).toBe("switcher: Studio West");
  expect(screen.getByRole("heading").textContent).toBe("library: Studio West");
  expect(localStorage.getItem("reelgate.teamId")).toBe("west");
});

test("a team remembered elsewhere (just created, or the video's own) is shown at once; an unknown one falls back to the first", () => {
  render(<Library />);
  act(() => rememberTeam("west" as Id<"teams">));
  expect(screen.getByRole("heading").textContent).toBe("library: Studio West");
  act(() => rememberTeam("gone" as Id<"teams">));
  expect(screen.getByRole("heading").textContent).toBe("library: Studio North");
});

test("a team created and chosen before the team list holds it is the team shown once the list arrives (not the first team)", () => {
  const before = listed.teams;
  try {
    const { rerender } = render(<Library />);
    act(() => rememberTeam("new" as Id<"teams">));
    // The list has not caught up yet: the first team shows meanwhile, and the choice is kept.
    expect(screen.getByRole("heading").textContent).toBe("library: Studio North");
    expect(localStorage.getItem("reelgate.teamId")).toBe("new");
    listed.teams = [...before, { teamId: "new", name: "Beta Studio", role: "owner" }];
    rerender(<Library />);
    expect(screen.getByRole("heading").textContent).toBe("library: Beta Studio");
  } finally {
    listed.teams = before;
  }
});
