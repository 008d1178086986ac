/**
 * Collections and guest review in a real browser: a member shares three videos behind one
 * password link that takes comments; a guest watches the second, comments at 0:12, the member
 * sees it live on that video's page; revoking stops playback and commenting at once.
 */
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { screenshotOnFailure, signUpWithTeam, startApp, uploadTestVideo, type App } from "./harness";

let app: App;
let member: BrowserContext;
let page: Page;

beforeAll(async () => {
  app = await startApp();
  ({ context: member, page } = await app.openTab({ clipboard: true, acceptDialogs: true }));
}, 120_000);
afterAll(async () => app?.close());

test("a three-video collection behind a password, a guest comment at 0:12 seen live, revoke stops both", async () => {
  let viewerContext: BrowserContext | null = null;
  await screenshotOnFailure(page, "collections", async () => {
    await page.goto(`${app.appUrl}/`);
    await signUpWithTeam(page, { name: "Alice Producer", email: "alice@example.com", team: "Studio North" });
    await uploadTestVideo(page, "Cut A", 1000);
    await uploadTestVideo(page, "Cut B", 13_500);
    await uploadTestVideo(page, "Cut C", 1000);

    // The collection: created from the library, the three videos added in order.
    await page.getByLabel("New collection name").fill("Season one");
    await page.getByRole("button", { name: "Create collection" }).click();
    await page.getByRole("heading", { name: "Season one" }).waitFor();
    for (const title of ["Cut A", "Cut B", "Cut C"]) {
      await page.getByLabel("Video to add").selectOption({ label: title });
      await page.getByRole("button", { name: "Add to collection" }).click();
      await page.getByRole("region", { name: "Videos in this collection" }).getByRole("link", { name: title }).waitFor();
    }
    // Nothing left to add: said so, instead of an empty picker and a button that does nothing.
    await page.getByText("Every library video is in this collection.").waitFor();
    expect(await page.getByLabel("Video to add").count()).toBe(0);
    const cutB = await page
      .getByRole("region", { name: "Videos in this collection" })
      .getByRole("link", { name: "Cut B" })
      .getAttribute("href");

    // A password link that takes comments.
    const form = page.getByRole("form", { name: "Create a share link" });
    await form.getByLabel("Password (optional)").fill("open sesame");
    await form.getByLabel(/Guests can comment/).check();
    await form.getByRole("button", { name: "Create link" }).click();
    const row = page.locator("ul[aria-label='Share links'] > li").first();
    await row.locator(".badge", { hasText: "comments" }).waitFor();
    const url = (await row.locator("code.url").textContent())!;

    // The member watches Cut B's page (comments live) in a second tab.
    const videoPage = await member.newPage();
    await videoPage.goto(`${app.appUrl}${cutB}`);
    await videoPage.getByRole("heading", { name: "Comments" }).waitFor();

    // The guest: password, the list of three, the second video, played to 0:12.
    viewerContext = await app.browser.newContext({ viewport: { width: 1000, height: 900 } });
    const viewer = await viewerContext.newPage();
    await viewer.goto(url);
    await viewer.getByLabel("Password").fill("open sesame");
    await viewer.getByRole("button", { name: "Watch" }).click();
    await viewer.getByRole("heading", { name: "Season one" }).waitFor();
    await expect.poll(() => viewer.evaluate(() => document.activeElement?.textContent)).toBe("Season one");
    const list = viewer.getByRole("region", { name: "Videos in this collection" });
    expect(await list.getByRole("button").allTextContents()).toEqual([
      expect.stringContaining("Cut A"),
      expect.stringContaining("Cut B"),
      expect.stringContaining("Cut C"),
    ]);
    await list.getByRole("button", { name: /Cut B/ }).click();
    await viewer.getByRole("heading", { name: "Cut B" }).waitFor();
    // The address names the video (#2), and Back / Forward move between the videos watched.
    expect(new URL(viewer.url()).hash).toBe("#2");
    await viewer.goBack();
    await viewer.getByRole("heading", { name: "Cut A" }).waitFor();
    await viewer.goForward();
    await viewer.getByRole("heading", { name: "Cut B" }).waitFor();
    const video = viewer.locator("video");
    const mediaUrl = (await video.getAttribute("src"))!;
    expect(mediaUrl).toMatch(/\/media\/[A-Za-z0-9_-]{43}\?video=/);
    await video.evaluate((v: HTMLVideoElement) => {
      v.muted = true;
      return v.play();
    });
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 30_000, interval: 200 })
      .toBeGreaterThanOrEqual(12);
    await video.evaluate((v: HTMLVideoElement) => v.pause());
    const comments = viewer.getByRole("region", { name: "Comments" });
    const add = viewer.getByRole("form", { name: "Add a comment" });
    await add.getByLabel("Your name").fill("Dana Client");
    await add.getByLabel("Comment", { exact: true }).fill("Logo too small here");
    await add.getByRole("button", { name: "Comment" }).click();
    await comments.getByText("Logo too small here").waitFor();
    await comments.getByRole("button", { name: "@0:12" }).waitFor();
    expect(await viewer.evaluate(() => localStorage.getItem("reelgate:guestName"))).toBe("Dana Client");

    // Live on the member's page, marked as a guest's, with its timestamp.
    const memberComments = videoPage.getByRole("region", { name: "Comments" });
    await memberComments.getByText("Logo too small here").waitFor({ timeout: 10_000 });
    await memberComments.getByText("Dana Client").waitFor();
    await memberComments.locator(".badge", { hasText: "guest" }).waitFor();
    await memberComments.getByRole("button", { name: "@0:12" }).waitFor();
    // The guest's page names the team's people by display name only.
    expect(await viewer.content()).not.toContain("alice@example.com");

    // Revoke: the open page loses the player and the form at once; the media URL stops answering.
    await row.getByRole("button", { name: "Revoke" }).click();
    await viewer.getByRole("heading", { name: "Link not found" }).waitFor({ timeout: 10_000 });
    await viewer.getByText(/^This collection is no longer available to you\. /).waitFor();
    expect(await viewer.locator("video").count()).toBe(0);
    expect(await viewer.getByRole("form", { name: "Add a comment" }).count()).toBe(0);
    expect((await fetch(mediaUrl, { headers: { Range: "bytes=0-1" } })).status).toBe(404);
  });
  // Assigned inside the callback above, which TypeScript's narrowing does not follow.
  await (viewerContext as BrowserContext | null)?.close();
}, 180_000);
