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
