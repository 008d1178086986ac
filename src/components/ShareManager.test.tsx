/** The share dialog's create form: an expiry picked as a date is sent only once there is a future date. */
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import type { Id } from "../../convex/_generated/dataModel";
import { localZone, toLocalInput } from "../lib/format";
import { ShareManager } from "./ShareManager";

const created: unknown[] = [];
vi.mock("convex/react", () => ({
  useQuery: () => [],
  useMutation: () => async (args: unknown) => {
    created.push(args);
    return { url: "https://example.test/share/abcdef1" };
  },
}));
vi.mock("../lib/clipboard", () => ({ copyText: async () => true }));

afterEach(cleanup);
beforeEach(() => {
  created.length = 0;
});

test("'At a date and time…' without a date creates no link: the date field says what is missing and takes focus", async () => {
  render(<ShareManager videoId={"v1" as Id<"videos">} canEdit ready />);
  fireEvent.change(screen.getByLabelText("Expires"), { target: { value: "date" } });
  const date = screen.getByLabelText(`Expiry date and time (${localZone()})`);
  fireEvent.click(screen.getByRole("button", { name: "Create link" }));
  await new Promise((r) => setTimeout(r, 20));
  expect(created).toEqual([]);
  expect(screen.queryByText(/^Link created/)).toBeNull();
  expect(date.getAttribute("aria-invalid")).toBe("true");
  expect(document.getElementById(date.getAttribute("aria-describedby")!)?.textContent).toBe(
    "Pick the date and time the link should expire.",
  );
  expect(document.activeElement).toBe(date);
  // Once a future date is picked, the link expires then.
  const at = new Date(Date.now() + 2 * 86_400_000);
  at.setSeconds(0, 0);
  fireEvent.change(date, { target: { value: toLocalInput(at.getTime()) } });
  fireEvent.click(screen.getByRole("button", { name: "Create link" }));
  await waitFor(() => expect(created).toMatchObject([{ videoId: "v1", expiresAt: at.getTime(), expiresInDays: undefined }]));
  expect((await screen.findByRole("status")).textContent).toBe("Link created and copied!");
});

test("after a link is made, More options is closed again and the outcome is scrolled into view", async () => {
  const scrolled: unknown[] = [];
  const original = HTMLElement.prototype.scrollIntoView;
  HTMLElement.prototype.scrollIntoView = function (this: HTMLElement, options?: unknown) {
    scrolled.push([this.getAttribute("aria-live"), options]);
  };
  try {
    render(<ShareManager videoId={"v1" as Id<"videos">} canEdit ready />);
    const more = () => screen.getByText("More options").closest("details")!;
    more().open = true;
    fireEvent.click(screen.getByRole("button", { name: "Create link" }));
    expect((await screen.findByRole("status")).textContent).toBe("Link created and copied!");
    await waitFor(() => expect(more().open).toBe(false));
    expect(scrolled).toEqual([["polite", { block: "nearest" }]]);
  } finally {
    HTMLElement.prototype.scrollIntoView = original;
  }
});
