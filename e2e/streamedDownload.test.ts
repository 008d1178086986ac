/**
 * Issue 12: a download from the share page of a file of many chunks, streamed to disk by the
 * download service worker (src/downloadWorker.ts) as one browser download under the file's
 * name, from range requests each checked by the server; a revoke or downloads turned off
 * mid-download make the browser's download fail and the page say why; a collection's share
 * page downloads its videos the same way (one downloader, hooks/useShareDownload.ts). The video
 * is uploaded in 64 KiB chunks (`?chunkSize=65536`), so each range answer is 64 KiB and a
 * 4-second noise clip is many of them. A range request is held (context.route sees the worker's requests) until the
 * page shows the progress so far, so nothing here depends on timing.
 */
import { readFile } from "node:fs/promises";
import { ConvexHttpClient } from "convex/browser";
import type { Download, Route } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { authToken, recordTestVideo, screenshotOnFailure, signUpWithTeam, startApp, type App } from "./harness";

const CHUNK = 65536;
const TITLE = "Café noir";
const FILE_NAME = "Café noir – take 2.webm";

let app: App;
let client: ConvexHttpClient;
let videoId: Id<"videos">;
let teamId: Id<"teams">;
let file: Buffer;

beforeAll(async () => {
  app = await startApp();
  const { page } = await app.openTab();
  await page.goto(`${app.appUrl}/?chunkSize=${CHUNK}`);
  await signUpWithTeam(page, { name: "Noa Streamer", email: "noa@example.com", team: "Streams" });
  await page.goto(`${app.appUrl}/?chunkSize=${CHUNK}`); // signing up leaves the query behind
  await page.getByLabel("Video file").waitFor();
  file = await recordTestVideo(page, { ms: 4000, painter: "noise" });
  await page.getByLabel("Video file").setInputFiles({ name: FILE_NAME, mimeType: "video/webm", buffer: file });
  await page.getByLabel("Title", { exact: true }).fill(TITLE);
  await page.getByRole("button", { name: "Upload" }).click();
  await page.getByRole("link", { name: TITLE }).waitFor({ timeout: 60_000 });
  client = new ConvexHttpClient(app.backend.cloudUrl);
  client.setAuth(await authToken(page));
  teamId = (await client.query(api.teams.listMine, {}))[0].teamId;
  videoId = (await client.query(api.videos.list, { teamId })).find((v) => v.title === TITLE)!.videoId;
  await page.context().close();
}, 180_000);
afterAll(async () => app?.close());

type Seen = { range: string | undefined; fromWorker: boolean };

/**
 * A viewer's tab on a new download link (the video's, or `of` a collection's), every download
 * range request recorded; the one for `holdAt` waits until `release()` (the download is then
 * mid-way, its first bytes on disk).
 */
async function viewerMidDownload(holdAt: number, of: { collectionId: Id<"collections"> } | { videoId: Id<"videos"> } = { videoId }) {
  const link = await client.mutation(api.shareLinks.create, { ...of, allowDownload: true });
  const { context, page } = await app.openTab();
  const seen: Seen[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let reached!: () => void;
  const heldReached = new Promise<void>((resolve) => (reached = resolve));
  // A collection's download URL names its video (`/download?video=<id>`).
  await context.route(/\/media\/[^/]+\/download(\?video=[^/&]+)?$/, async (route: Route) => {
    const request = route.request();
    const range = request.headers()["range"];
    seen.push({ range, fromWorker: request.serviceWorker() !== null });
    if (range === `bytes=${holdAt}-`) {
      reached();
      await released;
    }
    await route.continue();
  });
  await page.goto(link.url);
  await page.getByRole("link", { name: "Download" }).waitFor();
  const downloaded = page.waitForEvent("download", { timeout: 60_000 });
  await page.getByRole("link", { name: "Download" }).click();
  const download = await downloaded;
  // A download that ends without asking for that range (a plain GET of the whole file) fails here, not by timing out.
  const endedFirst = download.path().then(() => {
    throw new Error(`The download ended without asking for bytes=${holdAt}- (asked: ${JSON.stringify(seen)}).`);
  });
  await Promise.race([heldReached, endedFirst]);
  // The progress so far, as the worker reported it: every byte before the held range, of the whole file.
  const progress = page.getByRole("progressbar", { name: "Download progress" });
  await expect
    .poll(() => progress.evaluate((p: HTMLProgressElement) => [p.value, p.max]).catch(() => null), { timeout: 20_000 })
    .toEqual([holdAt, file.length]);
  return { link, context, page, download, seen, release };
}

function expectedRanges(upTo: number): string[] {
  return Array.from({ length: Math.ceil(upTo / CHUNK) }, (_, i) => `bytes=${i * CHUNK}-`);
}

async function expectFailed(download: Download) {
  expect(await download.failure()).not.toBeNull();
}

test("a video of many chunks downloads through the service worker as one file, byte for byte, under its name, with progress", async () => {
  const chunks = Math.ceil(file.length / CHUNK);
  expect(chunks).toBeGreaterThanOrEqual(4);
  const v = await viewerMidDownload(CHUNK);
  await screenshotOnFailure(v.page, "streamed-download", async () => {
    expect(v.download.suggestedFilename()).toBe(FILE_NAME);
    v.release();
    const saved = await readFile(await v.download.path());
    expect(await v.download.failure()).toBeNull();
    expect(saved.length).toBe(file.length);
    expect(Buffer.compare(saved, file)).toBe(0);
    // One request per chunk, in order, each made by the worker (nothing by the page itself).
    expect(v.seen.map((s) => s.range)).toEqual(expectedRanges(file.length));
    expect(v.seen.every((s) => s.fromWorker)).toBe(true);
    await expect.poll(() => v.page.getByRole("link", { name: "Download" }).textContent(), { timeout: 10_000 }).toBe("Download");
    expect(await v.page.getByRole("alert").count()).toBe(0);
  });
  await v.context.close();
}, 120_000);

test("a collection's video downloads the same way: through the worker in ranges, under its name, with progress; a refusal in words", async () => {
  const collectionId = await client.mutation(api.collections.create, { teamId, title: "Streams reel", videoIds: [videoId] });
  const v = await viewerMidDownload(CHUNK, { collectionId });
  await screenshotOnFailure(v.page, "streamed-download-collection", async () => {
    await v.page.getByRole("heading", { name: "Streams reel" }).waitFor();
    expect(v.download.suggestedFilename()).toBe(FILE_NAME);
    v.release();
    expect(await v.download.failure()).toBeNull();
    expect(Buffer.compare(await readFile(await v.download.path()), file)).toBe(0);
    expect(v.seen.map((s) => s.range)).toEqual(expectedRanges(file.length));
    expect(v.seen.every((s) => s.fromWorker)).toBe(true);
    await expect.poll(() => v.page.getByRole("link", { name: "Download" }).textContent(), { timeout: 10_000 }).toBe("Download");
    expect(await v.page.getByRole("alert").count()).toBe(0);

    // A download limit reached: the next click is refused in words, and the tab stays on the collection.
    await client.mutation(api.shareLinks.update, { linkId: v.link.linkId, maxDownloads: 1 });
    await v.page.getByRole("link", { name: "Download" }).click();
    await v.page.getByRole("alert").getByText("This link has reached its download limit.").waitFor({ timeout: 20_000 });
    await v.page.getByRole("heading", { name: "Streams reel" }).waitFor();
  });
  await v.context.close();
}, 120_000);

test("a revoke mid-download stops it: the browser's download fails at the next range and the page says the link is gone", async () => {
  const v = await viewerMidDownload(2 * CHUNK);
  await screenshotOnFailure(v.page, "streamed-download-revoked", async () => {
    await client.mutation(api.shareLinks.revoke, { linkId: v.link.linkId });
    v.release();
    await expectFailed(v.download);
    // The next range was asked for, refused, and nothing after it.
    expect(v.seen.map((s) => s.range)).toEqual(expectedRanges(3 * CHUNK));
    // The page goes dark as the link does, in the refusal's words (convex/lib/refusalTable.ts).
    await v.page.getByRole("heading", { name: "Link not found" }).waitFor({ timeout: 20_000 });
    await v.page.getByText("This share link does not exist or has been revoked.").waitFor();
  });
  await v.context.close();
}, 120_000);

test("downloads turned off mid-download: the browser's download fails and the page shows the refusal in words", async () => {
  const v = await viewerMidDownload(CHUNK);
  await screenshotOnFailure(v.page, "streamed-download-disabled", async () => {
    await client.mutation(api.shareLinks.update, { linkId: v.link.linkId, allowDownload: false });
    v.release();
    await expectFailed(v.download);
    await v.page.getByRole("alert").getByText("Downloads are turned off for this link.").waitFor({ timeout: 20_000 });
    expect(v.seen.map((s) => s.range)).toEqual(expectedRanges(2 * CHUNK));
  });
  await v.context.close();
}, 120_000);

test("a download cancelled in the browser stops asking for ranges; the page says nothing and downloads again", async () => {
  const v = await viewerMidDownload(CHUNK);
  await screenshotOnFailure(v.page, "streamed-download-cancelled", async () => {
    await v.download.cancel();
    expect(await v.download.failure()).toBe("canceled");
    // The worker tells the page, which is ready to download again, with no error to show.
    await expect.poll(() => v.page.getByRole("link", { name: "Download" }).textContent(), { timeout: 20_000 }).toBe("Download");
    v.release();
    expect(await v.page.getByRole("alert").count()).toBe(0);
    const [again] = await Promise.all([v.page.waitForEvent("download"), v.page.getByRole("link", { name: "Download" }).click()]);
    expect(Buffer.compare(await readFile(await again.path()), file)).toBe(0);
    // The cancelled download asked for nothing after the range it was waiting for.
    expect(v.seen.map((s) => s.range)).toEqual([...expectedRanges(2 * CHUNK), ...expectedRanges(file.length)]);
  });
  await v.context.close();
}, 120_000);

test("where service workers cannot run, the page still downloads the file in ranges (collected, then saved)", async () => {
  const link = await client.mutation(api.shareLinks.create, { videoId, allowDownload: true });
  const context = await app.browser.newContext({ serviceWorkers: "block" });
  const page = await context.newPage();
  await screenshotOnFailure(page, "streamed-download-fallback", async () => {
    const ranges: string[] = [];
    context.on("request", (r) => void (r.url().endsWith("/download") && ranges.push(r.headers()["range"])));
    await page.goto(link.url);
    const [saved] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download" }).click()]);
    expect(saved.suggestedFilename()).toBe(FILE_NAME);
    expect(Buffer.compare(await readFile(await saved.path()), file)).toBe(0);
    expect(ranges).toEqual(expectedRanges(file.length));
  });
  await context.close();
}, 120_000);
