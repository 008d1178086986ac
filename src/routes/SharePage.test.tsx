/**
 * The share page's refusals: a link that expires while it is watched ends like a revoke (heading
 * and "no longer available"), and an address that cannot be a token or slug is "Link not found"
 * without asking the backend anything.
 */
import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { getFunctionName, type FunctionReference } from "convex/server";
import { afterEach, beforeEach, expect, test, vi } from "vitest";
import { REFUSALS } from "../../convex/lib/refusalTable";
import { SharePage } from "./SharePage";

/** What each live query answers (by function name) while its arguments are not "skip". */
const answers = new Map<string, unknown>();
const fetches: string[] = [];
let grantAnswer: unknown = { ok: false, reason: "expired" };

vi.mock("../lib/deployment", () => ({ convexUrl: "http://backend.test", siteUrl: "http://site.test" }));
vi.mock("../lib/live", async (original) => ({
  ...(await original<typeof import("../lib/live")>()),
  useLiveQuery: (ref: unknown, args: unknown) =>
    args === "skip" ? undefined : answers.get(getFunctionName(ref as FunctionReference<"query">)),
  useLiveMutation: () => async () => ({ ok: true, expiresAt: 0 }),
  useLiveConnectionState: () => ({ hasEverConnected: true, isWebSocketConnected: true }),
}));
vi.mock("../components/SharePlayer", () => ({ SharePlayer: () => <h1>Launch cut</h1> }));

const TOKEN = "t".repeat(43);

function openAt(segment: string) {
  window.history.pushState(null, "", `/share/${segment}`);
}

afterEach(cleanup);
beforeEach(() => {
  answers.clear();
  fetches.length = 0;
  sessionStorage.clear();
  grantAnswer = { ok: false, reason: "expired" };
  vi.stubGlobal("fetch", async (url: string) => {
    fetches.push(url);
    return new Response(JSON.stringify(grantAnswer), { status: 200, headers: { "Content-Type": "application/json" } });
  });
});

test("a link that expires while watched shows the expired refusal as a revoke does: heading and 'no longer available'", async () => {
  openAt(TOKEN);
  sessionStorage.setItem(`reelgate.grant.${TOKEN}`, JSON.stringify({ grantToken: "g".repeat(43), expiresAt: Date.now() + 60_000 }));
  // The link still looked open when the page subscribed; the grant ends with the link, in a second.
  answers.set("shareLinks:getByToken", { status: "ok" });
  answers.set("videos:getByShareGrant", { grantExpiresAt: Date.now() + 1000 });
  answers.set("collections:getByShareGrant", null);
  render(<SharePage />);
  expect(await screen.findByRole("heading", { name: "Launch cut" })).toBeTruthy();

  // The grant lapses: the page asks again, and the backend refuses — the link has expired.
  expect(await screen.findByRole("heading", { name: REFUSALS.expired.title }, { timeout: 3000 })).toBeTruthy();
  expect(fetches).toEqual(["http://site.test/api/v1/grant"]);
  expect(screen.getByRole("alert").textContent).toBe(`This video is no longer available to you. ${REFUSALS.expired.words}`);
  expect(screen.queryByText("Opening…")).toBeNull();
});

test("a refusal when the link first opens is drawn with its heading too", async () => {
  openAt(TOKEN);
  answers.set("shareLinks:getByToken", { status: "ok" });
  grantAnswer = { ok: false, reason: "viewerLimit" };
  render(<SharePage />);
  await waitFor(() => expect(screen.getByRole("heading", { name: REFUSALS.viewerLimit.title })).toBeTruthy());
  expect(screen.getByRole("alert").textContent).toBe(REFUSALS.viewerLimit.words);
});

test.each([
  ["an empty token", ""],
  ["markup", "%00%3Cscript%3E"],
  ["a path", "..%2F..%2Fetc"],
  ["a 5000-character token", "a".repeat(5000)],
  ["a two-character slug", "ab"],
])("%s is 'Link not found', decided without a request", async (_, segment) => {
  openAt(segment);
  render(<SharePage />);
  expect(screen.getByRole("heading", { name: REFUSALS.missing.title })).toBeTruthy();
  expect(screen.getByRole("alert").textContent).toBe(REFUSALS.missing.words);
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(fetches).toEqual([]);
});

test("a slug-shaped address still asks for its slug ticket", async () => {
  openAt("abc");
  render(<SharePage />);
  await waitFor(() => expect(fetches).toEqual(["http://site.test/api/v1/resolve"]));
  expect(screen.queryByRole("heading", { name: REFUSALS.missing.title })).toBeNull();
});

test("a refusal that passes with time says when, and the page tries again by itself once it has", async () => {
  openAt(TOKEN);
  answers.set("shareLinks:getByToken", { status: "ok" });
  answers.set("collections:getByShareGrant", null);
  grantAnswer = { ok: false, reason: "rateLimited", retryAfterMs: 300 };
  render(<SharePage />);
  expect(await screen.findByRole("heading", { name: REFUSALS.rateLimited.title })).toBeTruthy();
  expect(screen.getByRole("alert").textContent).toBe(`${REFUSALS.rateLimited.words} Try again in 1 second.`);
  grantAnswer = { ok: true, grantToken: "g".repeat(43), expiresAt: Date.now() + 86_400_000 };
  answers.set("videos:getByShareGrant", { grantExpiresAt: Date.now() + 86_400_000 });
  expect(await screen.findByRole("heading", { name: "Launch cut" }, { timeout: 3000 })).toBeTruthy();
  expect(fetches).toEqual(["http://site.test/api/v1/grant", "http://site.test/api/v1/grant"]);
});

test("a password link that expires while its form is open turns into 'Link expired' then, without a reload", async () => {
  openAt(TOKEN);
  // The query's answer does not change when the clock passes the link's expiry.
  answers.set("shareLinks:getByToken", { status: "passwordRequired", expiresAt: Date.now() + 300 });
  render(<SharePage />);
  expect(await screen.findByRole("heading", { name: "Password required" })).toBeTruthy();
  expect(await screen.findByRole("heading", { name: REFUSALS.expired.title }, { timeout: 3000 })).toBeTruthy();
  expect(screen.queryByLabelText("Password")).toBeNull();
});

test("a password link that expires while watched ends as expired, never as 'the password has changed'", async () => {
  openAt(TOKEN);
  const expiresAt = Date.now() + 600;
  sessionStorage.setItem(`reelgate.grant.${TOKEN}`, JSON.stringify({ grantToken: "g".repeat(43), expiresAt }));
  answers.set("shareLinks:getByToken", { status: "passwordRequired", expiresAt });
  answers.set("videos:getByShareGrant", { grantExpiresAt: expiresAt });
  answers.set("collections:getByShareGrant", null);
  render(<SharePage />);
  expect(await screen.findByRole("heading", { name: "Launch cut" })).toBeTruthy();
  const seen: string[] = [];
  const observer = new MutationObserver(() => seen.push(document.body.textContent ?? ""));
  observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  expect(await screen.findByRole("heading", { name: REFUSALS.expired.title }, { timeout: 3000 })).toBeTruthy();
  observer.disconnect();
  expect(screen.getByRole("alert").textContent).toBe(`This video is no longer available to you. ${REFUSALS.expired.words}`);
  expect(seen.some((text) => text.includes("password for this link has changed"))).toBe(false);
});

test("a lock shows its wait, then the password form comes back by itself when the lock ends", async () => {
  openAt(TOKEN);
  answers.set("shareLinks:getByToken", { status: "locked", retryAfterMs: 300 });
  render(<SharePage />);
  expect(await screen.findByRole("heading", { name: REFUSALS.locked.title })).toBeTruthy();
  expect(await screen.findByRole("heading", { name: "Password required" }, { timeout: 3000 })).toBeTruthy();
});
