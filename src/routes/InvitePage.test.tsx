/** The invitation page warns when the signed-in account is not the address the invitation was sent to. */
import { cleanup, render, screen } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, expect, test, vi } from "vitest";
import { InvitePage } from "./InvitePage";

let signedInAs: string | null = null;
vi.mock("convex/react", () => ({
  useConvexAuth: () => ({ isAuthenticated: signedInAs !== null, isLoading: false }),
  useMutation: () => async () => null,
  useQuery: () => ({
    status: "pending",
    teamName: "Studio North",
    role: "admin",
    email: "dave@example.com",
    invitedBy: "Alice",
    expiresAt: Date.now() + 86_400_000,
    signedInAs,
  }),
}));

afterEach(cleanup);

function open() {
  render(
    <MemoryRouter initialEntries={["/invite/t0ken"]}>
      <Routes>
        <Route path="/invite/:token" element={<InvitePage />} />
      </Routes>
    </MemoryRouter>,
  );
}

test("signed in as someone else, the page says whom the invitation was for before they accept", () => {
  signedInAs = "carol@example.com";
  open();
  expect(screen.getByRole("note").textContent).toMatch(/sent to dave@example\.com, and you are signed in as carol@example\.com/);
  expect(screen.getByRole("button", { name: "Accept and join Studio North" })).toBeTruthy();
});

test("no warning for the invited address (in any letter case), nor before signing in", () => {
  signedInAs = "Dave@Example.com";
  open();
  expect(screen.queryByRole("note")).toBeNull();
  cleanup();
  signedInAs = null;
  open();
  expect(screen.queryByRole("note")).toBeNull();
});
