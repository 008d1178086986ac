/**
 * The product in a real browser: a team member shares a video with a password, an
 * anonymous viewer in a fresh context watches it, and loses it the moment it is revoked.
 */
import path from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { APP_PROJECT } from "../local-backend/testing";
import {
  PHONE,
  closeShareDialog,
  openShareDialog,
  screenshotOnFailure,
  signUpWithTeam,
  startApp,
  uploadTestVideo,
  type App,
} from "./harness";

let app: App;
let member: BrowserContext;
let memberPage: Page;
/** The README's screenshots are rewritten only on request (`UPDATE_DOCS_SCREENSHOTS=1`); a test run keeps its own in test-results/. */
const DOCS = path.join(APP_PROJECT, process.env.UPDATE_DOCS_SCREENSHOTS === "1" ? "docs" : "test-results");

beforeAll(async () => {
  app = await startApp();
  ({ context: member, page: memberPage } = await app.openTab({
    viewport: { width: 1280, height: 860 },
    clipboard: true,
    acceptDialogs: true,
  }));
}, 120_000);
afterAll(async () => app?.close());

const viewerPage = () => app.openTab({ viewport: PHONE });

async function createLink(page: Page, opts: { password?: string; allowDownload?: boolean }) {
  await page
    .getByText(/No share links yet|active|revoked|expired/)
    .first()
    .waitFor();
  const before = await page.locator("ul[aria-label='Share links'] > li").count();
  const form = page.getByRole("form", { name: "Create a share link" });
  if (opts.allowDownload) await form.getByLabel("Allow downloads").check();
  if (opts.password) await form.getByLabel("Password (optional)").fill(opts.password);
  await form.getByRole("button", { name: "Create link" }).click();
  // Vitest's poll gives up after 1 s: too short for a password link (bcrypt) on a loaded machine.
  await expect.poll(() => page.locator("ul[aria-label='Share links'] > li").count(), { timeout: 10_000 }).toBe(before + 1);
  return (await page.locator("ul[aria-label='Share links'] > li").first().locator("code.url").textContent())!;
}

test("sign up, create a team, upload a generated video", async () => {
  const page = memberPage;
  await screenshotOnFailure(page, "upload", async () => {
    await page.goto(`${app.appUrl}/`);
    await signUpWithTeam(page, { name: "Alice Producer", email: "alice@example.com", team: "Studio North" });

    await uploadTestVideo(page, "Launch cut");
    await page.getByRole("link", { name: "Launch cut" }).click();
    await page.getByRole("heading", { name: "Launch cut" }).waitFor();
    // The video page's links are in its share dialog; the tests below work in it, left open.
    await openShareDialog(page);
  });
}, 60_000);

test("password link: wrong password refused, right password plays, revoke darkens the open page", async () => {
  const page = memberPage;
  const { context, page: viewer } = await viewerPage();
  await screenshotOnFailure(viewer, "password-flow", async () => {
    const url = await createLink(page, { password: "open sesame" });
    expect(url).toMatch(/\/share\/[A-Za-z0-9_-]{43}$/);

    const response = await viewer.goto(url);
    expect(response?.headers()["referrer-policy"]).toBe("no-referrer");
    expect(response?.headers()["x-robots-tag"]).toContain("noindex");
    await viewer.getByRole("heading", { name: "Password required" }).waitFor();
    expect(await viewer.content()).not.toContain("Launch cut");
    expect(await viewer.locator('meta[name="robots"]').getAttribute("content")).toContain("noindex");

    await viewer.getByLabel("Password").fill("wrong guess");
    await viewer.getByRole("button", { name: "Watch" }).click();
    await expect.poll(() => viewer.getByRole("alert").textContent()).toContain("That password is not right.");

    await viewer.getByLabel("Password").fill("open sesame");
    await viewer.getByRole("button", { name: "Watch" }).click();
    await viewer.getByRole("heading", { name: "Launch cut" }).waitFor();
    // The form is gone: the focus is on the video's title, not lost to the page's body.
    await expect.poll(() => viewer.evaluate(() => document.activeElement?.textContent)).toBe("Launch cut");
    expect(viewer.url()).toBe(url); // the grant never goes into the URL
    const video = viewer.locator("video");
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    await video.evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      return v.play();
    });
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 10_000 }).toBeGreaterThan(0.2);
    expect(await viewer.getByRole("link", { name: "Download" }).count()).toBe(0);
    await viewer.screenshot({ path: path.join(DOCS, "share-page.png") });

    // A reload keeps the grant: no password prompt.
    await viewer.reload();
    await viewer.getByRole("heading", { name: "Launch cut" }).waitFor();

    await page.locator("ul[aria-label='Share links'] > li").first().getByRole("button", { name: "Revoke" }).click();
    await viewer.getByRole("heading", { name: "Link not found" }).waitFor({ timeout: 10_000 });
    expect(await viewer.locator("video").count()).toBe(0);
    await expect.poll(() => page.locator("ul[aria-label='Share links'] > li").first().getAttribute("data-status")).toBe("revoked");
  });
  await context.close();
}, 90_000);

test("quick share copies a 7-day link; editing turns downloads on for an open viewer", async () => {
  const page = memberPage;
  const { context, page: viewer } = await viewerPage();
  await screenshotOnFailure(page, "quick-share", async () => {
    const before = await page.locator("ul[aria-label='Share links'] > li").count();
    await page.getByRole("button", { name: "Quick share (7 days)" }).click();
    await page.getByText("7-day link created and copied!").waitFor();
    expect(await page.locator("ul[aria-label='Share links'] > li").count()).toBe(before + 1);
    const row = page.locator("ul[aria-label='Share links'] > li").first();
    await expect.poll(() => row.textContent()).toMatch(/expires in 7 days/);
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(await row.locator("code.url").textContent());

    await viewer.goto(copied);
    await viewer.getByRole("heading", { name: "Launch cut" }).waitFor();
    expect(await viewer.getByRole("link", { name: "Download" }).count()).toBe(0);

    await row.getByRole("button", { name: "Edit" }).click();
    await row.getByLabel("Allow downloads").check();
    await row.getByRole("button", { name: "Save" }).click();
    await row.locator(".badge", { hasText: "downloads" }).waitFor();
    await viewer.getByRole("link", { name: "Download" }).waitFor({ timeout: 10_000 });
    const href = await viewer.getByRole("link", { name: "Download" }).getAttribute("href");
    const download = await fetch(href!);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-disposition")).toMatch(/^attachment;/);

    await row.getByRole("button", { name: "Copy link" }).click();
    await row.getByRole("button", { name: "Copied!" }).waitFor();
    await page.screenshot({ path: path.join(DOCS, "share-manager.png"), fullPage: true });
  });
  await context.close();
}, 90_000);

test("members: invite by email, comment at a timestamp that seeks the player, links appear live in another tab", async () => {
  const page = memberPage;
  const second = await member.newPage();
  await screenshotOnFailure(page, "members-comments-live", async () => {
    const videoUrl = page.url();
    await second.goto(videoUrl);
    await openShareDialog(second);
    await second.locator("ul[aria-label='Share links'] > li").first().waitFor();
    const before = await second.locator("ul[aria-label='Share links'] > li").count();
    await page.getByRole("button", { name: "Quick share (7 days)" }).click();
    await expect.poll(() => second.locator("ul[aria-label='Share links'] > li").count(), { timeout: 10_000 }).toBe(before + 1);
    await closeShareDialog(second);
    await closeShareDialog(page); // the player and the comments are behind it

    const player = page.locator("video.player");
    await expect.poll(() => player.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    await player.evaluate((v: HTMLVideoElement) => (v.currentTime = 1));
    await page.getByRole("textbox", { name: "Comment" }).fill("Cut here");
    await page.getByRole("button", { name: "Comment", exact: true }).click();
    const stamp = page.getByRole("button", { name: "@0:01" });
    await stamp.waitFor();
    await second.getByText("Cut here").waitFor({ timeout: 10_000 });
    await player.evaluate((v: HTMLVideoElement) => (v.currentTime = 0));
    await stamp.click();
    await expect.poll(() => player.evaluate((v: HTMLVideoElement) => v.currentTime)).toBeGreaterThanOrEqual(0.9);
    await page.getByRole("textbox", { name: "Reply" }).fill("Agreed");
    await page.getByRole("button", { name: "Reply", exact: true }).click();
    await page.locator(".replies").getByText("Agreed").waitFor();

    await page.goto(`${app.appUrl}/`);
    const invite = page.getByRole("form", { name: "Invite a member" });
    await invite.getByLabel("Email to invite").fill("bob@example.com");
    await invite.getByRole("button", { name: "Invite" }).click();
    await page.getByText("Invitation link for bob@example.com").waitFor();
    const keys = page.getByRole("form", { name: "Create an API key" });
    await keys.getByLabel("Name").fill("ci bot");
    await keys.getByRole("button", { name: "Create key" }).click();
    await page.getByText("Copy this key now: it is not shown again.").waitFor();
    expect(await page.locator("[role=status] code.url").textContent()).toMatch(/^rg_[A-Za-z0-9_-]{43}$/);
    await page.getByRole("list", { name: "API keys" }).getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("list", { name: "API keys" }).getByText("revoked").waitFor();
    await page.goto(videoUrl);
    await openShareDialog(page);
  });
  await second.close();
}, 90_000);

test("a link created with downloads shows the button; a deleted link reads as not found", async () => {
  const page = memberPage;
  const { context, page: viewer } = await viewerPage();
  await screenshotOnFailure(viewer, "download-and-delete", async () => {
    const url = await createLink(page, { allowDownload: true });
    await viewer.goto(url);
    await viewer.getByRole("link", { name: "Download" }).waitFor();
    await page.locator("ul[aria-label='Share links'] > li").first().getByRole("button", { name: "Delete" }).click();
    await viewer.getByRole("heading", { name: "Link not found" }).waitFor({ timeout: 10_000 });
  });
  await context.close();
}, 60_000);

test("changing the password while a viewer watches asks them for the new one; five wrong tries lock only them", async () => {
  const page = memberPage;
  const { context, page: viewer } = await viewerPage();
  await screenshotOnFailure(viewer, "password-change", async () => {
    const url = await createLink(page, { password: "first-pass" });
    await viewer.goto(url);
    await viewer.getByLabel("Password").fill("first-pass");
    await viewer.getByRole("button", { name: "Watch" }).click();
    await viewer.getByRole("heading", { name: "Launch cut" }).waitFor();

    const row = page.locator("ul[aria-label='Share links'] > li").first();
    await row.getByRole("button", { name: "Edit" }).click();
    await row.getByLabel("Password change").selectOption("set");
    await row.getByLabel("New password").fill("second-pass");
    await row.getByRole("button", { name: "Save" }).click();
    await viewer.getByText("The password for this link has changed").waitFor({ timeout: 10_000 });
    expect(await viewer.locator("video").count()).toBe(0);

    for (let i = 0; i < 5; i++) {
      await viewer.getByLabel("Password").fill(`guess-${i}`);
      await viewer.getByRole("button", { name: "Watch" }).click();
      if (i < 4) await expect.poll(() => viewer.getByRole("alert").last().textContent()).toContain("That password is not right.");
    }
    await viewer.getByRole("heading", { name: "Too many attempts" }).waitFor({ timeout: 10_000 });
    expect(await viewer.getByRole("alert").textContent()).toMatch(/Try again in (10|9) minutes/);

    // Another browser (another viewer) is not locked out.
    const other = await viewerPage();
    await other.page.goto(url);
    await other.page.getByLabel("Password").fill("second-pass");
    await other.page.getByRole("button", { name: "Watch" }).click();
    await other.page.getByRole("heading", { name: "Launch cut" }).waitFor();
    await other.context.close();
  });
  await context.close();
}, 90_000);

test("link policies from the share manager: label, note, custom slug, viewer limit, access log", async () => {
  const page = memberPage;
  const first = await viewerPage();
  const second = await viewerPage();
  await screenshotOnFailure(page, "policies", async () => {
    const form = page.getByRole("form", { name: "Create a share link" });
    await form.locator("details").evaluate((d) => ((d as HTMLDetailsElement).open = true));
    await form.getByLabel("Label (who it is for)").fill("For the client");
    await form.getByLabel("Note to the recipient").fill("Rough cut, music not final.");
    await form.getByLabel("Custom slug").fill("Client-Preview");
    await expect.poll(() => form.getByText("A slug is easy to guess").count()).toBe(1);
    await form.getByLabel("Max viewers").fill("1");
    await createLink(page, {});
    const row = page.locator("ul[aria-label='Share links'] > li").first();
    await row.getByText("For the client").waitFor();
    await row.getByText("0/1 viewers").waitFor();

    await first.page.goto(`${app.appUrl}/share/client-preview`);
    await first.page.getByRole("note").getByText("Rough cut, music not final.").waitFor();
    await second.page.goto(`${app.appUrl}/share/CLIENT-PREVIEW`);
    await second.page.getByRole("heading", { name: "Link limit reached" }).waitFor();
    await row.getByText("1/1 viewers").waitFor();
    await row.getByText("Access log").click();
    await row.getByRole("list", { name: "Access log" }).getByText("Opened").waitFor();

    // Every option is editable in place.
    await row.getByRole("button", { name: "Edit" }).click();
    await row.getByLabel("Label").fill("For the whole client team");
    await row.getByLabel("Max viewers").fill("5");
    await row.getByRole("button", { name: "Save" }).click();
    await row.getByText("For the whole client team").waitFor();
    // The visitor who met the limit gets in by themselves once it is raised (the page is live).
    await second.page.getByRole("heading", { name: "Launch cut" }).waitFor({ timeout: 10_000 });
    await row.getByText("2/5 viewers").waitFor();
  });
  await first.context.close();
  await second.context.close();
}, 60_000);

test("a link with an IP allowlist opens through the HTTP grant route from an allowed address, not from others", async () => {
  const page = memberPage;
  const { context, page: viewer } = await viewerPage();
  await screenshotOnFailure(viewer, "ip-allowlist", async () => {
    const form = page.getByRole("form", { name: "Create a share link" });
    await form.locator("details").evaluate((d) => ((d as HTMLDetailsElement).open = true));
    await form.getByLabel("IP allowlist").fill("127.0.0.0/8, ::1");
    const allowed = await createLink(page, {});
    await page.locator("ul[aria-label='Share links'] > li").first().getByText("Only from: 127.0.0.0/8, ::1").waitFor();
    await viewer.goto(allowed);
    await viewer.getByRole("heading", { name: "Launch cut" }).waitFor();
    await expect
      .poll(() => viewer.locator("video").evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(1);

    // A link made closes More options with the rest of the form: opened again for the next one.
    await form.locator("details").evaluate((d) => ((d as HTMLDetailsElement).open = true));
    await form.getByLabel("IP allowlist").fill("192.0.2.0/24");
    const blocked = await createLink(page, {});
    await viewer.goto(blocked);
    await viewer.getByText("This link cannot be opened from your network.").waitFor();
    expect(await viewer.content()).not.toContain("Launch cut");
  });
  await context.close();
}, 60_000);

test("the share page renews its grant before it lapses, without asking again", async () => {
  const page = memberPage;
  const { context, page: viewer } = await viewerPage();
  await screenshotOnFailure(viewer, "renewal", async () => {
    const url = await createLink(page, { password: "renew-me" });
    await viewer.clock.install();
    await viewer.goto(url);
    await viewer.getByLabel("Password").fill("renew-me");
    await viewer.getByRole("button", { name: "Watch" }).click();
    await viewer.getByRole("heading", { name: "Launch cut" }).waitFor();
    const stored = () => viewer.evaluate((u) => JSON.parse(sessionStorage.getItem(`reelgate.grant.${u.split("/").pop()}`) ?? "null"), url);
    const first = (await stored()) as { grantToken: string; expiresAt: number };
    // Move the page's clock to 4 minutes before the grant lapses: the renewal timer fires.
    await viewer.clock.fastForward(first.expiresAt - 4 * 60 * 1000 - (await viewer.evaluate(() => Date.now())));
    await expect
      .poll(async () => ((await stored()) as { expiresAt: number }).expiresAt, { timeout: 10_000 })
      .toBeGreaterThan(first.expiresAt);
    expect(((await stored()) as { grantToken: string }).grantToken).toBe(first.grantToken);
    await viewer.getByRole("heading", { name: "Launch cut" }).waitFor();
    expect(await viewer.getByLabel("Password").count()).toBe(0);
  });
  await context.close();
}, 60_000);

test("an expired link shows 'Link expired' (runs last: moves the backend clock a day on)", async () => {
  const page = memberPage;
  const { context, page: viewer } = await viewerPage();
  await screenshotOnFailure(viewer, "expired", async () => {
    const form = page.getByRole("form", { name: "Create a share link" });
    await form.getByRole("combobox").selectOption("1");
    const url = await createLink(page, {});
    // A viewer who has the page open when the link expires loses the video at once.
    const open = await viewerPage();
    await open.page.goto(url);
    await open.page.getByRole("heading", { name: "Launch cut" }).waitFor();
    await app.backend.advanceClock(24 * 60 * 60 * 1000 + 60_000);
    await open.page.getByRole("heading", { name: "Link expired" }).waitFor({ timeout: 10_000 });
    expect(await open.page.locator("video").count()).toBe(0);
    await open.context.close();
    await viewer.goto(url);
    await viewer.getByRole("heading", { name: "Link expired" }).waitFor({ timeout: 10_000 });
    expect(await viewer.content()).not.toContain("Launch cut");
    await expect
      .poll(() => page.locator("ul[aria-label='Share links'] > li").first().getAttribute("data-status"), { timeout: 10_000 })
      .toBe("expired");
  });
  await context.close();
}, 60_000);

test("an unknown link shows 'Link not found'", async () => {
  const { context, page } = await viewerPage();
  await page.goto(`${app.appUrl}/share/${"x".repeat(43)}`);
  await page.getByRole("heading", { name: "Link not found" }).waitFor();
  await context.close();
});
