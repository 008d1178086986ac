/**
 * The library's search in a real browser: videos found by title or description as you type,
 * sorted and filtered, and the team's links found by label — all through search indexes of the
 * embedded backend.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { openShareDialog, recordTestVideo, screenshotOnFailure, signUpWithTeam, startApp, type App } from "./harness";

let app: App;
let page: Page;

beforeAll(async () => {
  app = await startApp();
  ({ page } = await app.openTab({ acceptDialogs: true }));
}, 120_000);
afterAll(async () => app?.close());

const videoTitles = () =>
  page.locator("ul[aria-label='Videos'] > li").evaluateAll((items) => items.map((li) => li.querySelector("a, strong")?.textContent ?? ""));

async function upload(buffer: Buffer, title: string, description: string) {
  const form = page.getByRole("form", { name: "Upload a video" });
  await form.getByLabel("Video file").setInputFiles({ name: "clip.webm", mimeType: "video/webm", buffer });
  await form.getByLabel("Title").fill(title);
  await form.getByLabel("Description").fill(description);
  await form.getByRole("button", { name: "Upload" }).click();
  await page.getByRole("link", { name: title }).waitFor({ timeout: 20_000 });
  // The form starts over only once the whole upload is done (the poster follows the video): choosing
  // the next file before that would see it cleared.
  await page.waitForFunction(
    () => document.querySelector<HTMLInputElement>('form[aria-label="Upload a video"] input[type="file"]')?.files?.length === 0,
  );
}

test("search the library as you type, sort and filter it, and find a link by its label", async () => {
  await screenshotOnFailure(page, "library-search", async () => {
    await page.goto(`${app.appUrl}/`);
    await signUpWithTeam(page, { name: "Sasha Search", email: "sasha@example.com", team: "Search Studio" });

    const clip = await recordTestVideo(page, { ms: 800 });
    await upload(clip, "Quarterly review", "Numbers for the board");
    await upload(clip, "Product demo", "Walkthrough of the editor");
    await upload(clip, "Launch cut", "Final edit for the keynote");

    const search = page.getByRole("search", { name: "Videos" });
    await search.getByLabel("Search videos").fill("walkth");
    await expect.poll(videoTitles).toEqual(["Product demo"]);
    await page.getByRole("status").filter({ hasText: "match “walkth”" }).waitFor();
    await search.getByLabel("Search videos").fill("keynote board");
    await expect.poll(async () => (await videoTitles()).sort()).toEqual(["Launch cut", "Quarterly review"]);
    await search.getByLabel("Search videos").fill("nothing here");
    await page.getByText("No videos match “nothing here”.").waitFor();

    await search.getByLabel("Search videos").fill("");
    await expect.poll(videoTitles).toEqual(["Launch cut", "Product demo", "Quarterly review"]);
    await search.getByLabel("Sort").selectOption({ label: "Title A–Z" });
    await expect.poll(videoTitles).toEqual(["Launch cut", "Product demo", "Quarterly review"].sort());
    await search.getByLabel("Sort").selectOption({ label: "Oldest" });
    await expect.poll(videoTitles).toEqual(["Quarterly review", "Product demo", "Launch cut"]);
    await search.getByLabel("Status").selectOption({ label: "Failed" });
    await page.getByText("No videos match these filters.").waitFor();
    await search.getByLabel("Status").selectOption({ label: "Ready" });
    await expect.poll(async () => (await videoTitles()).length).toBe(3);

    // A labelled link on one video: the links filter and the link search find it.
    await page.getByRole("link", { name: "Launch cut" }).click();
    await openShareDialog(page);
    const form = page.getByRole("form", { name: "Create a share link" });
    await form.getByText("More options").click();
    await form.getByLabel("Label (who it is for)").fill("Press preview");
    await form.getByRole("button", { name: "Create link" }).click();
    await page.locator("ul[aria-label='Share links'] > li").first().waitFor();
    await page.goBack();
    await page.getByRole("search", { name: "Videos" }).getByLabel("Links").selectOption({ label: "With share links" });
    await expect.poll(videoTitles).toEqual(["Launch cut"]);

    await page.getByRole("search", { name: "Share links" }).getByLabel("Search links").fill("pres");
    const found = page.getByRole("list", { name: "Matching links" });
    await found.getByRole("link", { name: "Press preview" }).waitFor();
    expect(await found.textContent()).toContain("Launch cut");
    await page.getByRole("search", { name: "Share links" }).getByLabel("Search links").fill("investors");
    await page.getByText("No links match “investors”.").waitFor();
  });
}, 120_000);
