/** The members panel: the new invitation's link shows while it is pending, not once it is used; buttons name whom they act on. */
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, expect, test, vi } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import { Members } from "./Members";

const URL = "https://example.test/invite/secret";
let invites: unknown[] = [];
vi.mock("convex/react", () => ({
  useQuery: () => ({
    members: [{ userId: "u1", name: "Alice", email: "alice@example.com", role: "owner" }],
    invites,
  }),
  useMutation: () => async () => ({ url: URL }),
}));

afterEach(cleanup);

test("the link of a just-created invitation shows while it is pending and goes once it is accepted or cancelled", async () => {
  invites = [];
  const { rerender } = render(<Members teamId={"t1" as Id<"teams">} myRole="owner" />);
  expect(screen.getByRole("button", { name: "Remove alice@example.com" })).toBeTruthy();
  fireEvent.change(screen.getByPlaceholderText("email@example.com"), { target: { value: "dave@example.com" } });
  invites = [{ inviteId: "i1", email: "dave@example.com", role: "member", url: URL, expiresAt: Date.now() + 86_400_000 }];
  fireEvent.submit(screen.getByRole("button", { name: "Invite" }).closest("form")!);
  await waitFor(() => expect(screen.getByLabelText("Invitation link").textContent).toBe(URL));
  invites = [];
  rerender(<Members teamId={"t1" as Id<"teams">} myRole="owner" />);
  expect(screen.queryByLabelText("Invitation link")).toBeNull();
});
