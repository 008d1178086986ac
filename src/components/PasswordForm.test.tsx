/** The share page's password form after a refusal: the words are said, tied to the field, and the focus is back in it. */
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { REFUSALS } from "../../convex/lib/refusalTable";
import { PasswordForm } from "./PasswordForm";

vi.mock("../lib/deployment", () => ({ convexUrl: "http://backend.test", siteUrl: "http://site.test" }));

afterEach(cleanup);
beforeEach(() => {
  vi.stubGlobal(
    "fetch",
    async () => new Response(JSON.stringify({ ok: false, reason: "invalidPassword" }), { headers: { "Content-Type": "application/json" } }),
  );
});

test.each([
  ["a wrong password", "hunter2", REFUSALS.invalidPassword.words],
  ["an empty field", "", "Enter the password."],
])("%s: the refusal describes the field, which has the focus again", async (_, typed, words) => {
  render(<PasswordForm token={"t".repeat(43)} viewer="viewer-abcdefgh" onGrant={() => undefined} />);
  const field = screen.getByLabelText("Password") as HTMLInputElement;
  fireEvent.change(field, { target: { value: typed } });
  const watch = screen.getByRole("button", { name: "Watch" });
  watch.focus();
  fireEvent.click(watch);
  const alert = await screen.findByRole("alert");
  expect(alert.textContent).toContain(words);
  await waitFor(() => expect(document.activeElement).toBe(field));
  expect(field.getAttribute("aria-invalid")).toBe("true");
  expect(field.getAttribute("aria-describedby")).toBe(alert.id);
});

test("a second wrong password is said again as a new alert, with the count, and what was typed is selected", async () => {
  render(<PasswordForm token={"t".repeat(43)} viewer="viewer-abcdefgh" onGrant={() => undefined} />);
  const field = screen.getByLabelText("Password") as HTMLInputElement;
  fireEvent.change(field, { target: { value: "hunter2" } });
  fireEvent.click(screen.getByRole("button", { name: "Watch" }));
  const first = await screen.findByRole("alert");
  expect(first.textContent).toBe(REFUSALS.invalidPassword.words);
  await waitFor(() => expect(screen.getByRole("button", { name: "Watch" }).hasAttribute("disabled")).toBe(false));
  fireEvent.click(screen.getByRole("button", { name: "Watch" }));
  await waitFor(() => expect(screen.getByRole("alert").textContent).toBe(`${REFUSALS.invalidPassword.words} (2 tries in a row)`));
  expect(screen.getByRole("alert")).not.toBe(first); // a new element: announced again
  expect([field.selectionStart, field.selectionEnd]).toEqual([0, "hunter2".length]);
});
