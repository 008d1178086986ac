/**
 * Issue 12 in a real browser: a chunked upload (64 KiB chunks, so a short clip is many chunks)
 * interrupted by a dropped connection, resumed from the library after the tab is reloaded with
 * only the missing chunks sent; the member's player plays through /media (no storage URL) and
 * seeks to 90 % across chunk boundaries.
 */
import { ConvexHttpClient } from "convex/browser";
import type { Page } from "playwright-core";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { afterAll, beforeAll, expect, test } from "vitest";
import { authToken, recordTestVideo, screenshotOnFailure, signUpWithTeam, startApp, type App } from "./harness";

let app: App;
let page: Page;

beforeAll(async () => {
  app = await startApp();
  ({ page } = await app.openTab({ acceptDialogs: true }));
}, 120_000);
afterAll(async () => app?.close());

test("an interrupted chunked upload resumes from the chunks stored; the member's player seeks to 90 % through /media", async () => {
  await screenshotOnFailure(page, "chunked-media", async () => {
    await page.goto(`${app.appUrl}/?chunkSize=65536`);
    await signUpWithTeam(page, { name: "Uma Loader", email: "uma@example.com", team: "Chunks" });

    const file = await recordTestVideo(page, { ms: 4000, painter: "noise" });
    const chunkCount = Math.ceil(file.length / 65536);
    expect(chunkCount).toBeGreaterThanOrEqual(4);
    // An upload cut off after two chunks (a closed tab): the same calls the page makes, stopped
    // there. Chunk 2 holds other bytes of the right size (as if from another file): resume must resend it.
    const jwt = await authToken(page);
    const client = new ConvexHttpClient(app.backend.cloudUrl);
    client.setAuth(jwt);
    const teamId = (await client.query(api.teams.listMine, {}))[0].teamId;
    const videoId = await client.mutation(api.videos.create, { teamId, title: "Noise reel", fileName: "noise.webm" });
    await client.mutation(api.videoUploads.beginChunkedUpload, { videoId, size: file.length, contentType: "video/webm", chunkSize: 65536 });
    for (const index of [0, 2]) {
      const url = await client.mutation(api.videoUploads.chunkUploadUrl, { videoId });
      const bytes = index === 0 ? file.subarray(0, 65536) : file.subarray(65536 * 3, 65536 * 4);
      const res = await fetch(url, { method: "POST", body: bytes as BodyInit, headers: { "Content-Type": "video/webm" } });
      const { storageId } = (await res.json()) as { storageId: Id<"_storage"> };
      expect(await client.mutation(api.videoUploads.attachChunk, { videoId, index, storageId })).toMatchObject({ ok: true });
    }
    const uploads = (r: { url(): string; method(): string }) => r.method() === "POST" && r.url().includes("/api/storage/upload");
    const kept = 1; // chunk 0; chunk 2's digest does not match the file

    // A new tab: the library offers Resume; the same file is picked again; only missing chunks are sent.
    await page.goto(`${app.appUrl}/?chunkSize=65536`);
    const card = page.locator(".video-card", { hasText: "Noise reel" });
    await card
      .getByText("Upload not finished")
      .waitFor()
      .catch(async (e: unknown) => {
        await page.screenshot({ path: "test-results/chunked-media-resume.png" });
        throw e;
      });
    let resent = 0;
    const onResent = (r: { url(): string; method(): string }) => void (uploads(r) && resent++);
    page.on("request", onResent);
    await card.getByLabel("File to resume Noise reel").setInputFiles({ name: "noise.webm", mimeType: "video/webm", buffer: file });
    await page.getByRole("link", { name: "Noise reel" }).waitFor({ timeout: 30_000 });
    // Only the chunks missing or wrong were sent (the poster is one more upload, sent once the
    // video is ready: the link can show before its request starts — waited for, not assumed).
    await expect.poll(() => resent, { timeout: 15_000 }).toBe(chunkCount - kept + 1);
    page.off("request", onResent);
    expect(resent).toBe(chunkCount - kept + 1);

    await page.getByRole("link", { name: "Noise reel" }).click();
    const video = page.locator("video.player");
    await video.waitFor();
    await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentSrc), { timeout: 10_000 }).toMatch(/\/media\/[\w-]{43}$/);
    const outcome = await video.evaluate(async (v: HTMLVideoElement) => {
      v.muted = true;
      if (v.readyState < 1) await new Promise((r) => v.addEventListener("loadedmetadata", r, { once: true }));
      // MediaRecorder files carry no duration: the player learns it by reading to the end.
      if (!Number.isFinite(v.duration)) {
        v.currentTime = 1e6;
        await new Promise((r) => v.addEventListener("durationchange", r, { once: true }));
      }
      const target = v.duration * 0.9;
      v.currentTime = target;
      await new Promise((r) => v.addEventListener("seeked", r, { once: true }));
      await v.play();
      await new Promise((r) => setTimeout(r, 300));
      return { duration: v.duration, target, at: v.currentTime, error: v.error?.code ?? null };
    });
    expect(outcome.error).toBeNull();
    expect(outcome.duration).toBeGreaterThan(2);
    expect(outcome.at).toBeGreaterThanOrEqual(outcome.target - 0.5);
  });
}, 120_000);

test("a connection dropped mid-upload: the library offers Resume; resuming sends only the missing chunks; the stored bytes match and play", async () => {
  const { page: tab } = await app.openTab({ acceptDialogs: true });
  await screenshotOnFailure(tab, "chunked-media-dropped", async () => {
    await tab.goto(`${app.appUrl}/?chunkSize=65536`);
    await signUpWithTeam(tab, { name: "Dee Dropped", email: "dee@example.com", team: "Drops" });
    const file = await recordTestVideo(tab, { ms: 4000, painter: "noise" });
    const chunkCount = Math.ceil(file.length / 65536);
    expect(chunkCount).toBeGreaterThanOrEqual(4);
    await tab.goto(`${app.appUrl}/?chunkSize=65536`);
    const jwt = await authToken(tab);
    const client = new ConvexHttpClient(app.backend.cloudUrl);
    client.setAuth(jwt);
    const teamId = (await client.query(api.teams.listMine, {}))[0].teamId;
    const videoIdOf = async () => (await client.query(api.videos.list, { teamId })).find((v) => v.title === "Dropped reel")?.videoId;
    const storedChunks = async () => {
      const videoId = await videoIdOf();
      return videoId ? ((await client.query(api.videoUploads.getUploadState, { videoId }))?.chunks.length ?? 0) : 0;
    };
    // The network goes away after two chunk POSTs: every later upload fails as a dropped connection
    // does. The drop comes once those two are stored — the form stops whatever is still on its way
    // when it sees a failure, so an earlier drop would leave a number of chunks that depends on timing.
    let allowed = 2;
    await tab.route(/\/api\/storage\/upload/, async (route) => {
      if (allowed-- > 0) return await route.continue();
      for (let waited = 0; waited < 300 && (await storedChunks()) < 2; waited++) await new Promise((r) => setTimeout(r, 100));
      // The form cancels the chunks still on their way once one fails, and a request the page has
      // cancelled is already handled: only that refusal is expected here.
      await route.abort("internetdisconnected").catch((error: unknown) => {
        if (!String(error).includes("Route is already handled")) throw error;
      });
    });
    const form = tab.getByRole("form", { name: "Upload a video" });
    await form.getByLabel("Title").fill("Dropped reel");
    await form.getByLabel("Video file").setInputFiles({ name: "dropped.webm", mimeType: "video/webm", buffer: file });
    await form.getByRole("button", { name: "Upload" }).click();
    await expect.poll(() => form.getByRole("alert").textContent(), { timeout: 30_000 }).toMatch(/interrupted.*Resume/s);
    await tab.unroute(/\/api\/storage\/upload/);

    const card = tab.locator(".video-card", { hasText: "Dropped reel" });
    await card.getByRole("button", { name: "Resume upload of Dropped reel" }).waitFor({ timeout: 15_000 });
    const videoId = (await videoIdOf())!;
    const stored = await storedChunks();
    expect(stored).toBe(2);
    expect(stored).toBeLessThan(chunkCount);

    let resent = 0;
    tab.on("request", (r) => void (r.method() === "POST" && r.url().includes("/api/storage/upload") && resent++));
    await card.getByLabel("File to resume Dropped reel").setInputFiles({ name: "dropped.webm", mimeType: "video/webm", buffer: file });
    await tab.getByRole("link", { name: "Dropped reel" }).waitFor({ timeout: 30_000 });
    // A browser recording names no duration in its header: the form learns it anyway (4 s recorded).
    await expect.poll(() => card.textContent(), { timeout: 10_000 }).toMatch(/0:0[345] · /);
    // Only the missing chunks, and the poster (its request may start after the link shows).
    await expect.poll(() => resent, { timeout: 15_000 }).toBe(chunkCount - stored + 1);

    const link = await client.mutation(api.shareLinks.create, { videoId });
    const served = Buffer.from(await (await fetch(`${app.backend.siteUrl}/s/${link.token}`)).arrayBuffer());
    expect(served.length === file.length && Buffer.compare(served, file) === 0).toBe(true);
    await tab.getByRole("link", { name: "Dropped reel" }).click();
    const played = await tab.locator("video.player").evaluate(async (v: HTMLVideoElement) => {
      v.muted = true;
      if (v.readyState < 1) await new Promise((r) => v.addEventListener("loadedmetadata", r, { once: true }));
      await v.play();
      await new Promise((r) => setTimeout(r, 300));
      return { error: v.error?.code ?? null, at: v.currentTime };
    });
    expect(played.error).toBeNull();
    expect(played.at).toBeGreaterThan(0);
  });
  await tab.context().close();
}, 120_000);
