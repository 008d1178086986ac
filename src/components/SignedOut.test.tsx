/** A session ended elsewhere (another tab signed out) takes a page to sign-in, never to a blank screen. */
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { ConvexError } from "convex/values";
import { useSyncExternalStore } from "react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, expect, test, vi } from "vitest";
import { SignIn } from "../routes/SignIn";
import { ErrorBoundary } from "./ErrorBoundary";

let authenticated = true;
const listeners = new Set<() => void>();
const signOut = vi.fn(async () => {
  authenticated = false;
  listeners.forEach((l) => l());
});
const useAuthenticated = () =>
  useSyncExternalStore(
    (l) => (listeners.add(l), () => listeners.delete(l)),
    () => authenticated,
  );
vi.mock("@convex-dev/auth/react", () => ({ useAuthActions: () => ({ signIn: vi.fn(), signOut }) }));
vi.mock("../lib/authAttempt", () => ({ requestAttemptTicket: vi.fn() }));
vi.mock("convex/react", () => ({ useConvexAuth: () => ({ isAuthenticated: useAuthenticated(), isLoading: false }) }));

afterEach(cleanup);

function Library(): never {
  throw new ConvexError({ code: "UNAUTHENTICATED", message: "Sign in to continue." });
}

test("a page whose session was ended elsewhere signs this tab out and goes to sign-in, which says why", async () => {
  vi.spyOn(console, "error").mockImplementation(() => undefined); // React reports the caught error
  render(
    <MemoryRouter initialEntries={["/links?status=revoked"]}>
      <Routes>
        <Route
          path="/links"
          element={
            <ErrorBoundary>
              <Library />
            </ErrorBoundary>
          }
        />
        <Route path="/signin" element={<SignIn />} />
      </Routes>
    </MemoryRouter>,
  );
  await waitFor(() => expect(screen.getByRole("form", { name: "Sign in" })).toBeTruthy());
  expect(signOut).toHaveBeenCalledTimes(1);
  expect(screen.getByRole("status").textContent).toMatch(/^You were signed out/);
});
