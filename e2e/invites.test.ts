/**
 * Team invitations in a real browser: an owner creates a secret link, a newcomer opens it,
 * signs up and accepts, and only then is a member. A cancelled link opens nothing.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { screenshotOnFailure, signUp, signUpWithTeam, startApp, type App } from "./harness";

let app: App;
let ownerPage: Page;

beforeAll(async () => {
  app = await startApp();
  ({ page: ownerPage } = await app.openTab({ viewport: { width: 1280, height: 860 }, clipboard: true }));
}, 120_000);
afterAll(async () => app?.close());

async function invite(page: Page, email: string, role: string) {
  const form = page.getByRole("form", { name: "Invite a member" });
  await form.getByLabel("Email to invite").fill(email);
  await form.getByLabel("Role for the invitation").selectOption(role);
  await form.getByRole("button", { name: "Invite" }).click();
  await page.getByText(`Invitation link for ${email}`).waitFor();
  return (await page.getByLabel("Invitation link", { exact: true }).textContent())!;
}

test("invite link → sign up → accept → member; the link then opens nothing", async () => {
  const page = ownerPage;
  await screenshotOnFailure(page, "invite-accept", async () => {
    await page.goto(`${app.appUrl}/`);
    await signUpWithTeam(page, { name: "Olga Owner", email: "olga@example.com", team: "Studio North" });

    const url = await invite(page, "newcomer@example.com", "member");
    expect(url).toMatch(new RegExp(`^${app.appUrl}/invite/[A-Za-z0-9_-]{43}$`));
    const pending = page.getByRole("list", { name: "Pending invitations" });
    await pending.getByText("newcomer@example.com").waitFor();
    await pending.getByRole("button", { name: "Copy link (invitation for newcomer@example.com)" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

    const newcomer = await app.browser.newContext();
    const guest = await newcomer.newPage();
    await screenshotOnFailure(guest, "invite-guest", async () => {
      await guest.goto(url);
      await guest.getByRole("heading", { name: "Join Studio North" }).waitFor();
      await guest.getByText("Olga Owner invited newcomer@example.com").waitFor();
      await guest.getByRole("link", { name: "Sign in or create an account to accept" }).click();
      await signUp(guest, { name: "Nina Newcomer", email: "newcomer@example.com" });
      // Signing up alone joins nothing: back on the invitation, accepting does.
      await guest.getByRole("button", { name: "Accept and join Studio North" }).click();
      await guest.getByRole("heading", { name: "Studio North" }).waitFor();
      await guest.getByRole("option", { name: "Studio North (member)" }).waitFor({ state: "attached" });

      // The owner sees the new member live, and the pending invitation is gone.
      await page.getByText("Nina Newcomer").waitFor();
      await pending.waitFor({ state: "detached" });

      // The link was single-use.
      await guest.goto(url);
      await guest.getByRole("heading", { name: "Invitation not found" }).waitFor();
    });
    await newcomer.close();
  });
}, 90_000);

test("a cancelled invitation opens nothing", async () => {
  const page = ownerPage;
  await screenshotOnFailure(page, "invite-cancel", async () => {
    const url = await invite(page, "later@example.com", "viewer");
    const pending = page.getByRole("list", { name: "Pending invitations" });
    await pending.getByRole("button", { name: "Cancel invitation for later@example.com" }).click();
    await pending.waitFor({ state: "detached" });
    const context = await app.browser.newContext();
    const visitor = await context.newPage();
    await visitor.goto(url);
    await visitor.getByRole("heading", { name: "Invitation not found" }).waitFor();
    await context.close();
  });
}, 60_000);

test("signing out in one tab takes the member's other open tabs to sign-in, with the reason, not to a blank page", async () => {
  const { context, page } = await app.openTab();
  await screenshotOnFailure(page, "signout-other-tab", async () => {
    await page.goto(`${app.appUrl}/`);
    await signUpWithTeam(page, { name: "Tabby Two", email: "tabby@example.com", team: "Two Tabs" });
    const other = await context.newPage();
    await other.goto(`${app.appUrl}/links`);
    await other.getByRole("heading", { name: "Share links of the team" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await other.getByRole("form", { name: "Sign in" }).waitFor({ timeout: 15_000 });
    expect(await other.getByRole("status").filter({ hasText: "You were signed out" }).count()).toBe(1);
  });
  await context.close();
}, 90_000);
