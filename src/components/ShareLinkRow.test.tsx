/**
 * A link's row in the share dialog: deleting keeps keyboard focus in the list, Edit moves it into
 * the edit form, the edit form shows only the fields its choices call for and clears an expiry only
 * on "Never", and a revoked link is named, not shown with a dead expiry.
 */
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { FunctionReturnType } from "convex/server";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { localZone, toLocalInput } from "../lib/format";
import { ShareLinkRow } from "./ShareLinkRow";

type Link = FunctionReturnType<typeof api.shareLinks.list>[number];
const removed: unknown[] = [];

vi.mock("convex/react", () => ({
  useMutation: () => async (args: unknown) => void removed.push(args),
  useQuery: () => undefined,
}));

const NOW = Date.now();
const link = (id: string, over: Partial<Link> = {}): Link => ({
  linkId: id as Id<"shareLinks">,
  url: `https://example.test/share/${id}`,
  creatorName: "Alice",
  createdAt: NOW - 60_000,
  expiresAt: NOW + 7 * 86_400_000,
  allowDownload: false,
  allowComments: false,
  hasPassword: true,
  isExpired: false,
  status: "active",
  viewCount: 1,
  downloadCount: 0,
  lastAccessedAt: null,
  viewerCount: 1,
  label: null,
  note: null,
  customSlug: null,
  maxViewers: null,
  maxViews: null,
  maxDownloads: null,
  ipAllowlist: null,
  ...over,
});

afterEach(cleanup);
beforeEach(() => {
  removed.length = 0;
  vi.spyOn(window, "confirm").mockReturnValue(true);
});

function rows(links: Link[]) {
  return render(
    <section>
      <h2>Share links</h2>
      <ul>
        {links.map((l) => (
          <ShareLinkRow key={l.linkId} link={l} canEdit now={NOW} />
        ))}
      </ul>
    </section>,
  );
}

test("deleting a link moves focus to the row beside it, and to the list's heading once none is left", async () => {
  const { container } = rows([link("aaaaaa1"), link("bbbbbb2")]);
  const [first, second] = [...container.querySelectorAll("li")];
  fireEvent.click(screen.getAllByRole("button", { name: "Delete" })[0]);
  await waitFor(() => expect(document.activeElement).toBe(second));
  expect(removed).toEqual([{ linkId: "aaaaaa1" }]);
  expect(first).toBeTruthy();
  cleanup();
  rows([link("cccccc3")]);
  fireEvent.click(screen.getByRole("button", { name: "Delete" }));
  await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("heading", { name: "Share links" })));
});

test("the edit form asks for a new password only when one is being set, and for an expiry only when it changes", () => {
  rows([link("dddddd4")]);
  fireEvent.click(screen.getByRole("button", { name: "Edit" }));
  expect(screen.queryByLabelText("New password")).toBeNull();
  expect(screen.queryByLabelText("New expiry")).toBeNull();
  fireEvent.change(screen.getByLabelText("Password change"), { target: { value: "set" } });
  expect(screen.getByLabelText("New password")).toBeTruthy();
  fireEvent.click(screen.getByLabelText("Change expiry"));
  expect(screen.getByLabelText("New expiry")).toBeTruthy();
});

test("a revoked link is named (it has no address) and shows no expiry that no longer matters", () => {
  rows([link("eeeeee5", { status: "revoked", url: null }), link("ffffff6", { status: "revoked", url: null, label: "Press kit" })]);
  expect(screen.getByText("link …eeeee5")).toBeTruthy();
  expect(screen.getByText("Press kit")).toBeTruthy();
  for (const expiry of screen.getAllByTestId("expiry")) {
    expect(expiry.textContent).toMatch(/^revoked: no longer opens/);
    expect(expiry.textContent).not.toMatch(/expires/);
  }
});

test("Edit moves keyboard focus into the edit form (the Edit button is gone), and Cancel back to Edit", async () => {
  rows([link("gggggg7")]);
  fireEvent.click(screen.getByRole("button", { name: "Edit" }));
  await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Allow downloads")));
  fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
  await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("button", { name: "Edit" })));
});

/** Opens the row's edit form, ticks "Change expiry" and picks "At a date and time…"; returns the date field. */
function editExpiryByDate() {
  fireEvent.click(screen.getByRole("button", { name: "Edit" }));
  fireEvent.click(screen.getByLabelText("Change expiry"));
  fireEvent.change(screen.getByLabelText("New expiry"), { target: { value: "date" } });
  return screen.getByLabelText(`New expiry date and time (${localZone()})`);
}

test("saving 'At a date and time…' without a date, or with a past one, saves nothing (the expiry stays) and says why at the field", async () => {
  rows([link("hhhhhh8")]);
  const date = editExpiryByDate();
  fireEvent.change(screen.getByLabelText("Password change"), { target: { value: "set" } });
  fireEvent.change(screen.getByLabelText("New password"), { target: { value: "s3cret-enough" } });
  fireEvent.click(screen.getByRole("button", { name: "Save" }));
  await new Promise((r) => setTimeout(r, 20));
  expect(removed).toEqual([]);
  expect(date.getAttribute("aria-invalid")).toBe("true");
  expect(document.getElementById(date.getAttribute("aria-describedby")!)?.textContent).toBe(
    "Pick the date and time the link should expire.",
  );
  expect(document.activeElement).toBe(date);
  // The field's `min` holds the browser's own submit back from a time before the form opened; one
  // that passed while the form stayed open is the form's to refuse (a submit past the browser's check).
  fireEvent.change(date, { target: { value: toLocalInput(NOW - 3_600_000) } });
  fireEvent.submit(date.closest("form")!);
  await new Promise((r) => setTimeout(r, 20));
  expect(removed).toEqual([]);
  expect(document.getElementById(date.getAttribute("aria-describedby")!)?.textContent).toBe(
    "That time has passed: pick a date and time in the future.",
  );
  // A future date is saved as that instant.
  const at = new Date(NOW + 3 * 86_400_000);
  at.setSeconds(0, 0);
  fireEvent.change(date, { target: { value: toLocalInput(at.getTime()) } });
  fireEvent.click(screen.getByRole("button", { name: "Save" }));
  await waitFor(() => expect(removed).toMatchObject([{ linkId: "hhhhhh8", expiresAt: at.getTime(), password: "s3cret-enough" }]));
});

test("only 'Never' clears the expiry", async () => {
  rows([link("iiiiii9")]);
  fireEvent.click(screen.getByRole("button", { name: "Edit" }));
  fireEvent.click(screen.getByLabelText("Change expiry"));
  fireEvent.change(screen.getByLabelText("New expiry"), { target: { value: "never" } });
  fireEvent.click(screen.getByRole("button", { name: "Save" }));
  await waitFor(() => expect(removed).toMatchObject([{ linkId: "iiiiii9", expiresInDays: null }]));
  expect(removed[0]).not.toHaveProperty("expiresAt");
});
